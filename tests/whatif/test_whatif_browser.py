"""In Chromium, with CSRF on and a real SQLite queue and worker thread: an admin copies a run
into a scenario, drops a member, runs the scenario, follows its progress and sees the
comparison with the base run (no Content Security Policy violation on the way)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from consortium.db import commit
from consortium.models import Run
from consortium.services.runs import create_run, execute_run
from tests import factories

pytestmark = pytest.mark.e2e


def test_admin_drops_a_member_and_sees_the_comparison(new_page, worker_server):
    engine = worker_server.app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@whatif.example")
        la, sea = factories.make_member(session, "Los Angeles"), factories.make_member(session, "Seattle")
        round_ = factories.make_round(session, status="closed", name="What-if round")
        bus = factories.make_product(session, "BUS", tiers=((1, 100000), (10, 95000), (25, 90000)),
                                     min_tranche=5, tranche_cost=10000)
        factories.make_line(session, round=round_, member=la, product=bus, quantity=6, ref="LA-1",
                            earliest="2027Q1", latest="2027Q2")
        factories.make_line(session, round=round_, member=sea, product=bus, quantity=6, ref="SEA-1",
                            earliest="2027Q2", latest="2027Q3")
        base_id = create_run(session, round_, admin, time_limit=20).id
        commit(session)
    assert execute_run(engine, base_id) == "succeeded"

    page = new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.on("pageerror", lambda exc: messages.append(str(exc)))
    page.goto(worker_server.url + "/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{worker_server.url}/admin/runs/{base_id}")
    page.get_by_text("What if…? Copy this run's problem into a scenario").click()
    page.get_by_label("Scenario name").fill("Without Seattle")
    page.get_by_role("button", name="Create scenario").click()
    page.wait_for_url(re.compile(r"/admin/scenarios/\d+$"))
    page.get_by_label("Member", exact=False).and_(page.locator("select")).select_option("Seattle")
    page.get_by_role("button", name="Drop member").click()
    page.get_by_text("Changed: dropped Seattle (1 line).").wait_for()

    page.get_by_role("button", name="Run scenario").click()
    page.wait_for_url(re.compile(r"/admin/runs/\d+$"))
    run_id = int(page.url.rsplit("/", 1)[-1])
    assert run_id != base_id
    # The worker solves it; the polled progress makes the page reload with the plan.
    page.get_by_role("link", name=f"Compare it with the base run {base_id}").click(timeout=30000)
    page.wait_for_url(re.compile(rf"/runs/{run_id}/compare$"))
    totals = page.locator("#compare-totals").inner_text()
    assert "$1,150,000" in totals and "$610,000" in totals and "-$540,000" in totals
    members = page.locator("#compare-members").inner_text()
    assert "Seattle (not in the scenario)" in members and "+$35,000" in members
    assert page.get_by_role("button", name=re.compile("Approve")).count() == 0
    with Session(engine) as session:
        assert session.get(Run, run_id).status == "succeeded"
    assert [m for m in messages if "Content Security Policy" in m] == []
