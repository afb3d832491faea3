"""In a real browser with CSRF on: on the demo's opened tender an admin marks a bid not
responsive, runs the award, reads the result and approves it (accepting the confirmation)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import commit
from consortium.models import AwardRun, Round
from consortium.services import awards
from consortium.services.demo_tender import DEMO_ROUND, seed_demo_tender
from consortium.services.fixtures import load_fixtures
from tests import factories
from tests.award.conftest import DEMO
from tests.e2e.conftest import ConsoleLog
from tests.e2e.test_e2e_accessibility import AXE, duplicate_ids, serious_violations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo consortium with its opened tender, and an admin."""
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path_factory.mktemp("e2e-award"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        factories.make_user(session, "admin", email="admin@award.example")
        load_fixtures(session, DEMO)
        commit(session)
        seed_demo_tender(session, sealer=app.extensions["consortium.sealer"])
        session.commit()
    with serving(app) as live:
        yield live


def test_admin_excludes_a_bid_runs_the_award_and_approves_it(new_page, server):
    page = new_page(server.url)
    console = ConsoleLog.attach(page)
    page.context.add_init_script(path=str(AXE))
    page.goto("/login")
    page.get_by_label("Email").fill("admin@award.example")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    with Session(server.app.extensions["consortium.engine"]) as session:
        round_ = session.exec(select(Round).where(Round.slug == DEMO_ROUND)).one()
        bid_id = awards.opened_bids(session, round_)[0]["bid"].id

    page.goto(f"/admin/rounds/{round_.id}")
    page.get_by_role("button", name="Award", exact=True).click()  # a link styled as a button
    expect(page.get_by_role("heading", name="Evaluate the opened bids")).to_be_visible()
    assert serious_violations(page) == [] and duplicate_ids(page) == {}
    row = page.locator(f"#bid-{bid_id}")
    row.get_by_text(f"Evaluate bid {bid_id}").click()
    row.get_by_role("radio", name="Not responsive").check()
    row.get_by_label("Reason").fill("No Buy America certification")
    row.get_by_role("button", name="Save evaluation").click()
    expect(page.get_by_text(f"Bid {bid_id} is marked not responsive.")).to_be_visible()
    expect(page.locator(f"#bid-{bid_id}")).to_contain_text("No Buy America certification")

    page.get_by_label("Most lots one vendor may win").fill("5")
    page.get_by_label("Time limit (seconds)").fill("30")
    page.get_by_role("button", name="Run award").click()
    expect(page.get_by_role("heading", name="Awards per lot")).to_be_visible()
    expect(page.locator("#award-lots tbody tr").first).to_be_visible()
    expect(page.get_by_role("heading", name="Members against their estimates")).to_be_visible()
    with Session(server.app.extensions["consortium.engine"]) as session:
        run = session.exec(select(AwardRun).order_by(AwardRun.id.desc())).first()
        assert run.status == "succeeded", run.error
        assert f"BID-{bid_id}" not in {b["id"] for b in run.problem["bids"]}
        assert run.problem["max_lots_per_vendor"] == 5
        first_award = run.result["awards"][0]
    expect(page.locator("#award-lots")).to_contain_text(first_award["vendor"])
    expect(page.locator("#chart-award-members")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-award-members')")
    assert serious_violations(page) == [] and duplicate_ids(page) == {}

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Approve this award").click()
    expect(page.get_by_text(f"Award run {run.id} is now the approved award")).to_be_visible()
    with Session(server.app.extensions["consortium.engine"]) as session:
        assert session.get(AwardRun, run.id).approved_at is not None
    assert console.csp_violations() == []
    assert not [m for m in console.messages if m.startswith("pageerror")]
