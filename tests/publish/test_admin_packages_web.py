"""Admin pages: preview then publish, addenda, and no route that changes a published package."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from consortium.models import BidPackage, PackageFile, PackageVersion
from consortium.services import publishing
from tests.conftest import login

FMT = "%Y-%m-%dT%H:%M"


def _form(deadlines, **extra):
    return {"bid_deadline": deadlines["bid_deadline"].strftime(FMT),
            "questions_deadline": deadlines["questions_deadline"].strftime(FMT), **extra}


def _snapshot(session):
    session.expire_all()
    versions = [(v.id, v.package_id, v.number, v.bid_deadline, v.questions_deadline, v.change_note,
                 v.manifest_sha256) for v in session.exec(select(PackageVersion).order_by(PackageVersion.id))]
    files = [(f.id, f.version_id, f.name, f.sha256, f.content) for f in
             session.exec(select(PackageFile).order_by(PackageFile.id))]
    packages = [(p.id, p.reference, p.title) for p in session.exec(select(BidPackage).order_by(BidPackage.id))]
    return versions, files, packages


def test_preview_then_publish(client, session, admin, demo_round, deadlines):
    round_, _ = demo_round
    login(client, admin)
    index = client.get("/admin/packages/").get_data(as_text=True)
    assert "2027 Clean Fleet Round" in index and f"/admin/packages/round/{round_.id}" in index
    assert client.get(f"/admin/packages/round/{round_.id}").status_code == 200
    preview = client.post(f"/admin/packages/round/{round_.id}", data=_form(deadlines))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "ocds-consortium-2027-clean-fleet-BEB-40" in page and "LOT-3" in page and "Seattle" in page
    assert 'name="confirm" value="1"' in page and "data-confirm=" in page
    assert session.exec(select(BidPackage)).all() == []  # a preview saves nothing
    pdf_link = re.search(r'href="([^"]*/preview/BEB-40\.pdf[^"]*)"', page).group(1).replace("&amp;", "&")
    pdf = client.get(pdf_link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"
    done = client.post(f"/admin/packages/round/{round_.id}", data=_form(deadlines, confirm="1"))
    assert done.status_code == 302
    packages = session.exec(select(BidPackage).order_by(BidPackage.reference)).all()
    assert [p.reference for p in packages] == ["ocds-consortium-2027-clean-fleet-BEB-40",
                                              "ocds-consortium-2027-clean-fleet-SEDAN-EV"]
    page = client.get(f"/admin/packages/{packages[0].id}").get_data(as_text=True)
    version = publishing.latest_version(session, packages[0])
    for f in publishing.files_of(session, version):
        assert f.sha256 in page
    assert version.manifest_sha256 in page


def test_publish_form_errors(client, session, admin, demo_round, deadlines):
    login(client, admin)
    url = f"/admin/packages/round/{demo_round[0].id}"
    swapped = {"bid_deadline": deadlines["questions_deadline"], "questions_deadline": deadlines["bid_deadline"]}
    response = client.post(url, data=_form(swapped, confirm="1"))
    assert response.status_code == 422
    assert "must come before the bid deadline" in response.get_data(as_text=True)
    past = {k: v - timedelta(days=90) for k, v in deadlines.items()}
    response = client.post(url, data=_form(past, confirm="1"))
    assert response.status_code == 422 and "future" in response.get_data(as_text=True)
    assert session.exec(select(BidPackage)).all() == []


def test_addendum_through_the_admin_page(client, session, admin, published):
    login(client, admin)
    bus = published["BEB-40"]
    response = client.post(f"/admin/packages/{bus.id}", data={"change_note": ""})
    assert response.status_code == 422 and "Say what changed." in response.get_data(as_text=True)
    response = client.post(f"/admin/packages/{bus.id}", data={"change_note": "Clarified lot 2 options."})
    assert response.status_code == 302
    page = client.get(f"/admin/packages/{bus.id}").get_data(as_text=True)
    assert "Version 1" in page and "Clarified lot 2 options." in page and "Version 0" in page


def test_no_route_changes_a_published_package(client, session, admin, published, vendor_user, app):
    before = _snapshot(session)
    ids = {"package_id": published["BEB-40"].id, "round_id": published["BEB-40"].round_id,
           "file_id": session.exec(select(PackageFile)).first().id,
           "reference": published["BEB-40"].reference, "code": "BEB-40"}
    junk = {"content": "tampered", "sha256": "0" * 64, "name": "evil.pdf", "number": "0",
            "bid_deadline": "2030-01-01T00:00", "questions_deadline": "2029-12-01T00:00",
            "change_note": "", "confirm": "1", "reference": "changed", "title": "changed"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("packages", "vendors", "api")]
    assert len(rules) >= 10
    for user in (admin, vendor_user, None):
        client.post("/logout")
        if user:
            login(client, user)
        for rule in rules:
            url = rule.build({k: v for k, v in ids.items() if k in rule.arguments})[1]
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                client.open(url, method=method, data=junk)
    assert _snapshot(session) == before


def test_publishing_needs_a_csrf_token(csrf_client, session, admin, demo_round, deadlines):
    client = csrf_client
    response = client.post("/login", data={"email": admin.email, "password": "x"})
    assert response.status_code == 400  # even sign-in needs the token: nothing gets through
    with client.session_transaction() as s:
        s["_user_id"] = str(admin.id)
        s["_fresh"] = True
    response = client.post(f"/admin/packages/round/{demo_round[0].id}", data=_form(deadlines, confirm="1"))
    assert response.status_code == 400
    assert session.exec(select(BidPackage)).all() == []
