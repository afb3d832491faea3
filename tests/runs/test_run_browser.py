"""In Chromium: an admin runs the optimizer with CSRF on, a real SQLite queue and worker thread,
watches the progress, and sees the plan (charts drawn, no CSP violation)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlmodel import Session

from consortium.jobs import get_jobs, make_jobs, start_consumer_thread, stop_consumer_thread
from consortium.models import Run
from tests import factories

pytestmark = pytest.mark.e2e


@pytest.fixture
def worker_server(tmp_path):
    """The app (CSRF on, SQLite queue, not immediate) served on a free port with a worker."""
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path)
    settings = replace(app.extensions["consortium.settings"], huey_immediate=False)
    app.extensions["consortium.settings"] = settings
    app.extensions["consortium.jobs"] = make_jobs(settings, lambda: app.extensions["consortium.engine"])
    consumer = start_consumer_thread(get_jobs(app))
    try:
        with serving(app) as server:
            yield server
    finally:
        stop_consumer_thread(consumer)
        app.extensions["consortium.engine"].dispose()


@pytest.fixture
def page(new_page):
    """A page of a fresh context; URLs are absolute (the server is per test)."""
    return new_page()


def test_admin_runs_the_optimizer_in_the_browser(page, worker_server):
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
