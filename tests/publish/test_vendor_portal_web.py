"""The vendor portal in the browser: registration, package lists and pages, logged downloads."""

from __future__ import annotations

import re

from sqlmodel import select

from consortium.db import commit
from consortium.models import Download, PackageFile, PackageVersion, User, Vendor
from consortium.services import publishing
from tests import factories
from tests.conftest import login


def _register(client, environ=None, **overrides):
    data = {"company": "Blue Bird EV", "contact_name": "Ada Park", "email": "ada@bluebird.example.com",
            "phone": "", "website": "", "password": "a long password 1", "password2": "a long password 1"}
    data.update(overrides)
    return client.post("/vendors/register", data=data, environ_base=environ or {})


def test_registration_creates_a_pending_vendor(client, session):
    assert client.get("/vendors/register").status_code == 200
    response = _register(client)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    vendor = session.exec(select(Vendor).where(Vendor.name == "Blue Bird EV")).one()
    user = session.exec(select(User).where(User.vendor_id == vendor.id)).one()
    assert vendor.status == "pending" and user.role == "vendor" and user.email == "ada@bluebird.example.com"
    page = client.get("/login").get_data(as_text=True)
    assert "approval" in page or "review" in page


def test_duplicate_registration_is_refused(client, session):
    _register(client)
    response = _register(client, email="other@bluebird.example.com", company="blue bird ev")
    assert response.status_code == 409
    assert "already registered" in response.get_data(as_text=True)
    response = _register(client, company="Another Co")
    assert response.status_code == 409 and "already exists" in response.get_data(as_text=True)
    response = _register(client, company="Third Co", email="x@third.example.com", password2="different!!")
    assert response.status_code == 422 and "The passwords differ." in response.get_data(as_text=True)
    assert len(session.exec(select(Vendor)).all()) == 1


def test_registration_needs_a_csrf_token(csrf_client):
    response = csrf_client.post("/vendors/register", data={
        "company": "No Token Inc", "contact_name": "X", "email": "x@notoken.example.com",
        "password": "a long password 1", "password2": "a long password 1"})
    assert response.status_code == 400


def test_vendors_see_only_published_packages(client, session, vendor_user, demo_round, admin, deadlines):
    login(client, vendor_user)
    page = client.get("/vendors/packages").get_data(as_text=True)
    assert "No package is open for bids" in page and "ocds-consortium" not in page
    packages = publishing.publish_round(session, demo_round[1], admin, **deadlines)
    commit(session)
    page = client.get("/vendors/packages").get_data(as_text=True)
    for p in packages:
        assert p.reference in page and f"/vendors/packages/{p.id}" in page
    # A package row without any version (never published) is not visible.
    from consortium.models import BidPackage, Product
    hidden = BidPackage(round_id=demo_round[0].id, product_id=session.exec(
        select(Product).where(Product.code == "VAN-EV")).one().id, reference="unpublished-x", title="x")
    session.add(hidden)
    session.commit()
    assert "unpublished-x" not in client.get("/vendors/packages").get_data(as_text=True)
    assert client.get(f"/vendors/packages/{hidden.id}").status_code == 404


def test_package_page_and_logged_downloads(client, session, vendor_user, published, admin):
    login(client, vendor_user)
    bus = published["BEB-40"]
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    for text in ("LOT-1", "LOT-2", "LOT-3", "Fleet Services Yard", "San Diego", "bid-package.pdf",
                 "price-form.csv", "ocds-release-package.json"):
        assert text in page
    assert "superseded" not in page
    file_ids = [int(i) for i in re.findall(r"/vendors/files/(\d+)", page)]
    assert len(file_ids) == 5
    for file_id in file_ids:
        response = client.get(f"/vendors/files/{file_id}")
        file = session.get(PackageFile, file_id)
        assert response.status_code == 200 and response.data == file.content
        assert response.mimetype == file.media_type.split(";")[0]
        assert f'filename="{bus.reference}-v0-{file.name}"' in response.headers["Content-Disposition"]
    logged = session.exec(select(Download).order_by(Download.id)).all()
    assert [d.file_id for d in logged] == file_ids
    assert all(d.vendor_id == vendor_user.vendor_id and d.user_id == vendor_user.id and d.at for d in logged)
    # The admin sees the log: vendor, file and version.
    client.post("/logout")
    login(client, admin)
    log = client.get("/admin/packages/downloads").get_data(as_text=True)
    assert "Transit Motors" in log and "bid-package.pdf" in log and vendor_user.email in log
    assert "Transit Motors" in client.get(f"/admin/packages/{bus.id}").get_data(as_text=True)


def test_superseded_notice_after_an_addendum(client, session, vendor_user, published, admin):
    login(client, vendor_user)
    bus = published["BEB-40"]
    v0 = publishing.latest_version(session, bus)
    old_file = publishing.files_of(session, v0)[0]
    assert client.get(f"/vendors/files/{old_file.id}").status_code == 200
    publishing.publish_addendum(session, bus, admin, change_note="Lot 3 moved to 2027Q4.")
    commit(session)
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    assert "You downloaded the original; it has been superseded by addendum 1" in page
    assert "Lot 3 moved to 2027Q4." in page
    v1 = publishing.latest_version(session, bus)
    new_file = publishing.files_of(session, v1)[0]
    assert f"/vendors/files/{new_file.id}\"" in page and f"/vendors/files/{old_file.id}\"" not in page
    client.get(f"/vendors/files/{new_file.id}")
    assert "superseded" not in client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    versions = {d.version_id for d in session.exec(select(Download)).all()}
    assert versions == {v0.id, v1.id}
    # The old version's file is still served as it was (a vendor may keep a reference to it).
    assert client.get(f"/vendors/files/{old_file.id}").data == old_file.content


def test_unapproved_vendors_cannot_see_or_download(client, session, published):
    file = session.exec(select(PackageFile)).first()
    bus = published["BEB-40"]
    for status in ("pending", "rejected"):
        user = factories.make_user(session, "vendor", vendor=factories.make_vendor(session, status=status))
        login(client, user)
        for url in ("/vendors/packages", f"/vendors/packages/{bus.id}", f"/vendors/files/{file.id}"):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "approval" in response.get_data(as_text=True)
        client.post("/logout")
    assert session.exec(select(Download)).all() == []


def test_other_roles_and_visitors_cannot_use_the_vendor_portal(client, session, published):
    file = session.exec(select(PackageFile)).first()
    fleet_manager = factories.make_user(session, "fleet_manager")
    assert client.get(f"/vendors/files/{file.id}").status_code == 302  # to sign in
    login(client, fleet_manager)
    assert client.get(f"/vendors/files/{file.id}").status_code == 403
    assert client.get("/vendors/packages").status_code == 403


def test_unknown_files_are_404(vendor_client, published, session):
    assert vendor_client.get("/vendors/files/999999").status_code == 404
    assert vendor_client.get("/vendors/packages/999999").status_code == 404
    assert session.exec(select(PackageVersion)).first() is not None


def test_registrations_pause_per_client_when_flooded(app, client, session):
    from dataclasses import replace
    app.extensions["consortium.settings"] = replace(app.extensions["consortium.settings"],
                                                    vendor_signups_per_hour=2)
    flood = {"REMOTE_ADDR": "203.0.113.7"}
    assert _register(client, company="One Co", email="a@one.example.com",
                     environ=flood).status_code == 302
    assert _register(client, company="Two Co", email="a@two.example.com",
                     environ=flood).status_code == 302
    response = _register(client, company="Three Co", email="a@three.example.com", environ=flood)
    assert response.status_code == 429 and "Too many sign-ups" in response.get_data(as_text=True)
    assert len(session.exec(select(Vendor)).all()) == 2
    # Another client is not held back by the first one's attempts.
    assert _register(client, company="Four Co", email="a@four.example.com",
                     environ={"REMOTE_ADDR": "198.51.100.2"}).status_code == 302
    assert len(session.exec(select(Vendor)).all()) == 3
