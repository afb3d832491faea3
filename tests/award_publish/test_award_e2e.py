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
from consortium.models import AwardContract, AwardRun, Member, Round
from tests import factories
from tests.award_publish.conftest import award_run
from tests.bids.conftest import contents, set_bid_deadline
from tests.e2e.tender import ADMIN, VENDORS, package, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(new_page):
    """A page of a fresh context (URLs are absolute, the server is this module's)."""
    return new_page()


@pytest.fixture(scope="module")
def server(published_tender_site):
    """The shared published tender (tests/e2e/tender.py) taken on: Pacific and Evergreen bid on
    BEB-40, Cascade on SEDAN-EV (as tests/award_publish/conftest.py), the bids opened after the
    deadline (moved into the past), an approved award run, and fleet managers of Los Angeles and
    Seattle."""
    from consortium.models import User
    from consortium.services import bid_opening, bids
    live = published_tender_site
    app, engine = live.app, live.engine
    sealer = app.extensions["consortium.sealer"]
    beb, sedan = package(live, "BEB-40"), package(live, "SEDAN-EV")
    with Session(engine, expire_on_commit=False) as session:
        users = {u.email: u for u in session.exec(select(User))}
        admin = users[ADMIN]
        bids.submit_bid(session, beb, users[VENDORS["Pacific Coach Works"]],
                        contents(("LOT-1", 1050000), ("LOT-2", 1040000),
                                 discounts=[(("LOT-1", "LOT-2"), 700000)]), sealer=sealer)
        bids.submit_bid(session, beb, users[VENDORS["Evergreen Bus"]],
                        contents(("LOT-1", 1000000), ("LOT-3", "1090000.50")), sealer=sealer)
        bids.submit_bid(session, sedan, users[VENDORS["Cascade EV Fleet Sales"]],
                        contents(("LOT-1", 31000)), sealer=sealer)
        session.commit()
        for p in (beb, sedan):
            set_bid_deadline(engine, p, utcnow() - timedelta(hours=1))
        session.expire_all()
        for p in (beb, sedan):
            bid_opening.open_package(session, p, admin, sealer=sealer)
        commit(session)
        award_run(session, session.get(Round, beb.round_id), admin)
        for city, email in (("Los Angeles", "fleet@la.example"), ("Seattle", "fleet@sea.example")):
            member = session.exec(select(Member).where(Member.name == city)).one()
            factories.make_user(session, "fleet_manager", member=member, email=email)
    return live


def test_admin_publishes_then_the_fleet_manager_downloads_its_contract(page, new_page, server,
                                                                       tmp_path):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    with Session(server.engine) as session:
        run_id = session.exec(select(AwardRun.id)).one()
    sign_in(page, server, ADMIN)
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
    sign_in(fleet, server, "fleet@la.example")
    fleet.get_by_role("link", name="Contracts").first.click()
    expect(fleet.get_by_role("heading", name="Contracts of Los Angeles")).to_be_visible()
    row = fleet.get_by_role("row").filter(has_text="Pacific Coach Works")
    with fleet.expect_download() as info:
        row.get_by_role("link", name="PDF").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with Session(server.engine) as session:
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
    with Session(server.engine, expire_on_commit=False) as session:
        run = session.exec(select(AwardRun)).one()
        if run.published_at is None:
            publish_award(session, run, None)
            commit(session)


@pytest.mark.parametrize("email, paths", [
    (None, ["/awards/", "/awards/2027-clean-fleet"]),
    ("fleet@la.example", ["/awards/contracts"]),
    (VENDORS["Evergreen Bus"], ["/awards/results", "/awards/contracts"]),
    (ADMIN, ["/awards/runs/{run}/publish", "/awards/contracts"]),
])
def test_award_pages_have_no_serious_accessibility_violations(browser, server, email, paths):
    from tests.e2e.test_e2e_accessibility import AXE, duplicate_ids, serious_violations
    _published(server)
    with Session(server.engine) as session:
        run_id = session.exec(select(AwardRun.id)).one()
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        if email:
            sign_in(page, server, email)
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
