"""In Chromium: an admin runs the optimizer with CSRF on, a real SQLite queue and worker thread,
watches the progress, and sees the plan (charts drawn, no CSP violation)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from consortium.models import Run
from tests import factories

pytestmark = pytest.mark.e2e


def test_admin_runs_the_optimizer_in_the_browser(new_page, worker_server):
    page = new_page()
    engine = worker_server.app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@runs.example")
        la, sea = factories.make_member(session, "Los Angeles"), factories.make_member(session, "Seattle")
        round_ = factories.make_round(session, status="closed", name="Browser round")
        product = factories.make_product(session, "BUS", min_tranche=5)
        for member, ref in ((la, "LA-1"), (sea, "SEA-1")):
            factories.make_line(session, round=round_, member=member, product=product, quantity=6, ref=ref)
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.on("pageerror", lambda exc: messages.append(str(exc)))
    page.goto(worker_server.url + "/login")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{worker_server.url}/admin/rounds/{round_.id}/runs")
    page.get_by_label("Time limit (seconds)").fill("20")
    page.get_by_role("button", name="Run optimizer").click()
    page.wait_for_url(re.compile(r"/admin/runs/\d+$"))
    # The worker finishes; the polled progress partial makes the page reload with the plan.
    page.locator("#chart-savings").wait_for(timeout=30000)
    totals = page.locator(".run-totals").inner_text()
    assert "$1,200,000" in totals and "$1,140,000" in totals and "$60,000" in totals  # 2 x 6 units
    run_id = int(page.url.rsplit("/", 1)[-1])
    with Session(engine) as session:
        run = session.get(Run, run_id)
        assert run.status == "succeeded" and run.time_limit == 20
    page.wait_for_function("document.querySelectorAll('#chart-curves canvas').length === 1")
    assert [m for m in messages if "Content Security Policy" in m] == []
