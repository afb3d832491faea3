"""In a real browser with CSRF on: the admin publishes an approved award (ticking the box and
accepting the confirmation dialog), then Los Angeles' fleet manager downloads its contract from
the Contracts page; the file is the one published (same SHA-256), and another city's contract
answers 404."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import commit, utcnow
from consortium.models import AwardContract, AwardRun, Member
from tests import factories
from tests.award_publish.conftest import award_run
from tests.bids.conftest import contents, set_bid_deadline
from tests.publish.conftest import demo_plan, load_demo_catalog, make_approved_run

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(new_page):
    """A page of a fresh context (URLs are absolute, the server is this module's)."""
    return new_page()


def _tender(session, app, admin) -> None:
    """The demo round published, three vendors' bids opened after the deadline, an approved
    award run (as tests/award_publish/conftest.py, in the live app's database)."""
    from consortium.services import bid_opening, bids
    from consortium.services.publishing import publish_round
    load_demo_catalog(session)
    users = {}
    for name in ("Pacific Coach Works", "Evergreen Bus", "Transit Motors"):
        vendor = factories.make_vendor(session, name, status="approved")
        users[name] = factories.make_user(session, "vendor", vendor=vendor,
                                          email=f"sales@{name.split()[0].lower()}.example")
    round_ = factories.make_round(session, status="closed", name="2027 Clean Fleet Round",
                                  slug="2027-clean-fleet", deadline=utcnow() - timedelta(days=1))
    run = make_approved_run(session, round_, demo_plan())
    now = utcnow().replace(second=0, microsecond=0)
    packages = publish_round(session, run, admin, bid_deadline=now + timedelta(days=30),
                             questions_deadline=now + timedelta(days=21))
    commit(session)
    beb, sedan = sorted(packages, key=lambda p: p.reference)
    sealer = app.extensions["consortium.sealer"]
    bids.submit_bid(session, beb, users["Pacific Coach Works"],
                    contents(("LOT-1", 1050000), ("LOT-2", 1040000),
                             discounts=[(("LOT-1", "LOT-2"), 700000)]), sealer=sealer)
    bids.submit_bid(session, beb, users["Evergreen Bus"],
                    contents(("LOT-1", 1000000), ("LOT-3", "1090000.50")), sealer=sealer)
    bids.submit_bid(session, sedan, users["Transit Motors"], contents(("LOT-1", 31000)),
                    sealer=sealer)
    session.commit()
    engine = app.extensions["consortium.engine"]
    for package in (beb, sedan):
        set_bid_deadline(engine, package, utcnow() - timedelta(hours=1))
    session.expire_all()
    for package in (beb, sedan):
        bid_opening.open_package(session, package, admin, sealer=sealer)
    commit(session)
    award_run(session, round_, admin)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path_factory.mktemp("e2e-award"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@award.example")
        _tender(session, app, admin)
        for city, email in (("Los Angeles", "fleet@la.example"), ("Seattle", "fleet@sea.example")):
            member = session.exec(select(Member).where(Member.name == city)).one()
            factories.make_user(session, "fleet_manager", member=member, email=email)
    with serving(app) as live:
        yield live


def _sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_admin_publishes_then_the_fleet_manager_downloads_its_contract(page, new_page, server,
                                                                       tmp_path):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    with Session(server.app.extensions["consortium.engine"]) as session:
        run_id = session.exec(select(AwardRun.id)).one()
    _sign_in(page, server.url, "admin@award.example")
    page.goto(f"{server.url}/awards/runs/{run_id}/publish")
    expect(page.get_by_text("Publishing is final")).to_be_visible()
    page.get_by_label("I checked this award").check()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Publish the award").click()
    expect(page.get_by_role("status")).to_contain_text("6 contract(s) issued")
    expect(page.get_by_role("heading", name="Award notice: 2027 Clean Fleet Round")).to_be_visible()
    assert dialogs and "cannot be undone" in dialogs[0]

    fleet = new_page()
    _sign_in(fleet, server.url, "fleet@la.example")
    fleet.get_by_role("link", name="Contracts").first.click()
    expect(fleet.get_by_role("heading", name="Contracts of Los Angeles")).to_be_visible()
    row = fleet.get_by_role("row").filter(has_text="Pacific Coach Works")
    with fleet.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with Session(server.app.extensions["consortium.engine"]) as session:
        mine = session.exec(select(AwardContract).where(
            AwardContract.member_name == "Los Angeles")).one()
        other = session.exec(select(AwardContract).where(
            AwardContract.member_name == "Seattle")).first()
    assert download.suggested_filename == f"contract-{mine.reference}.pdf"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == mine.pdf_sha256
    assert fleet.request.get(f"{server.url}/awards/contracts/{other.id}.pdf").status == 404
    assert [m for m in messages if "Content Security Policy" in m] == []


def _published(server) -> None:
    """Publish the award unless the first test did."""
    from consortium.services.award_publish import publish_award
    with Session(server.app.extensions["consortium.engine"], expire_on_commit=False) as session:
        run = session.exec(select(AwardRun)).one()
        if run.published_at is None:
            publish_award(session, run, None)
            commit(session)


@pytest.mark.parametrize("email, paths", [
    (None, ["/awards/", "/awards/2027-clean-fleet"]),
    ("fleet@la.example", ["/awards/contracts"]),
    ("sales@evergreen.example", ["/awards/results", "/awards/contracts"]),
    ("admin@award.example", ["/awards/runs/{run}/publish", "/awards/contracts"]),
])
def test_award_pages_have_no_serious_accessibility_violations(browser, server, email, paths):
    from tests.e2e.test_e2e_accessibility import AXE, duplicate_ids, serious_violations
    _published(server)
    with Session(server.app.extensions["consortium.engine"]) as session:
        run_id = session.exec(select(AwardRun.id)).one()
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        if email:
            _sign_in(page, server.url, email)
        found = []
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                response = page.goto(path.format(run=run_id))
                assert response.status == 200, path
                page.wait_for_load_state("networkidle")
                found += [f"{path} ({width} px): {v['id']}: {v['help']} {v['nodes']}"
                          for v in serious_violations(page)]
                if duplicates := duplicate_ids(page):
                    found.append(f"{path}: duplicate ids {duplicates}")
        assert not found, "\n".join(found)
    finally:
        context.close()
