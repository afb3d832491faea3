"""In Chromium, on the demo consortium: an admin computes hints for a run of the 2026 pilot round
(real SQLite queue and worker thread), watches the progress, sees the hints and shows them to
fleet managers; Los Angeles's fleet manager then sees hints for its own lines only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from consortium.db import commit
from consortium.models import HintJob, Round, User
from consortium.services.fixtures import load_fixtures
from consortium.services.runs import approve_run, create_run, execute_run

pytestmark = pytest.mark.e2e

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


@pytest.fixture
def demo_server(tmp_path):
    """The demo consortium served with CSRF on, a SQLite queue and a worker thread."""
    from tests.e2e.live_server import live_app, serving_with_worker
    app = live_app(tmp_path)
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        load_fixtures(session, DEMO)
        commit(session)
    with serving_with_worker(app) as server:
        yield server


def _sign_in(page, url, email, password):
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"^(?!.*login)"))


def test_hints_for_the_demo_lines_in_the_browser(new_page, demo_server):
    engine = demo_server.app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        round_ = session.exec(select(Round).where(Round.slug == "2026-pilot")).one()
        admin = session.exec(select(User).where(User.email == "admin@consortium.example")).one()
        run = create_run(session, round_, admin, time_limit=60)
        commit(session)
    assert execute_run(engine, run.id) == "succeeded"
    with Session(engine, expire_on_commit=False) as session:
        approve_run(session, session.get(type(run), run.id), admin)
        commit(session)
    page = new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    _sign_in(page, demo_server.url, "admin@consortium.example", "demo-admin-2027")
    page.goto(f"{demo_server.url}/admin/runs/{run.id}")
    page.get_by_role("button", name="Compute hints").click()
    page.wait_for_url(re.compile(r"/admin/hints/\d+$"))
    # the worker computes them; the polled progress makes the page reload with the hints
    page.locator("#line-hints").wait_for(timeout=240000)
    assert "LA-2026-002" in page.locator("#line-hints").inner_text()
    assert page.locator("#largest-savings tbody tr").count() >= 1
    page.get_by_role("button", name="Show to fleet managers").click()
    page.get_by_text("Fleet managers now see these hints").wait_for()
    assert dialogs and "each sees its own lines only" in dialogs[-1]
    job_id = int(page.url.rsplit("/", 1)[-1])
    with Session(engine) as session:
        job = session.get(HintJob, job_id)
        assert job.visible and job.status == "succeeded"
        la_hints = [h for h in job.result["hints"] if h["member"] == "Los Angeles"]
        assert la_hints
    page.context.clear_cookies()

    fleet = new_page()
    _sign_in(fleet, demo_server.url, "fleet@los-angeles.example", "demo-fleet-2027")
    fleet.goto(f"{demo_server.url}/results/rounds/{round_.id}")
    section = fleet.locator("#my-hints")
    section.wait_for()
    text = section.inner_text()
    assert "What you could change" in text and la_hints[0]["line"] in text
    assert "Long Beach" not in text and "PHX-2026" not in text      # never another city's
    fleet.goto(f"{demo_server.url}/demand/rounds/{round_.id}")
    beside = fleet.locator(f"#hints-{la_hints[0]['line']}")
    assert beside.count() == 1 and "What you could change" in beside.inner_text()
    assert fleet.locator("tr.hint-row", has_text="PHX-2026").count() == 0
    assert [e for e in errors if "Content Security Policy" in e] == []
