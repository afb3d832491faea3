"""axe-core on the what-if pages (as tests/e2e/test_e2e_accessibility.py checks the main pages):
no serious or critical violation and no id used twice, at desktop and phone width."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from consortium.db import commit
from consortium.services import scenarios
from consortium.services.member_value import execute_member_values, start_member_values
from consortium.services.runs import approve_run, create_run, execute_run
from tests import factories
from tests.e2e.live_server import live_app, serving
from tests.e2e.test_e2e_accessibility import AXE, duplicate_ids, serious_violations

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A closed round with an approved run, a second run, a scenario with a run, and member values."""
    app = live_app(tmp_path_factory.mktemp("whatif-a11y"))
    engine = app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@whatif-a11y.example")
        la, sea = factories.make_member(session, "Los Angeles"), factories.make_member(session, "Seattle")
        factories.make_user(session, "fleet_manager", member=la, email="fleet@whatif-a11y.example")
        round_ = factories.make_round(session, status="closed", name="A11y round")
        bus = factories.make_product(session, "BUS", min_tranche=5, tranche_cost=1000)
        for member, ref in ((la, "LA-1"), (sea, "SEA-1")):
            factories.make_line(session, round=round_, member=member, product=bus, quantity=6, ref=ref)
        approved = create_run(session, round_, admin, time_limit=20)
        other = create_run(session, round_, admin, time_limit=20)
        commit(session)
    for run in (approved, other):
        execute_run(engine, run.id)
    with Session(engine, expire_on_commit=False) as session:
        approved = session.get(type(approved), approved.id)
        approve_run(session, approved, admin)
        start_member_values(session, approved, admin,
                            enqueue=lambda job_id: execute_member_values(engine, job_id))
        commit(session)
        scenario = scenarios.create_scenario(session, approved, admin, "Without Seattle")
        commit(session)
        scenarios.drop_member(session, scenario, admin, "Seattle")
        commit(session)
        run = scenarios.run_scenario(session, scenario, admin, time_limit=20,
                                     enqueue=lambda run_id: execute_run(engine, run_id))
        commit(session)
        ids = {"round": round_.id, "run": other.id, "approved": approved.id,
               "scenario": scenario.id, "scenario_run": run.id}
    with serving(app) as live:
        live.ids = ids
        yield live


PAGES = {
    "admin": ["/admin/runs/{run}", "/admin/runs/{scenario_run}",
              "/admin/runs/{approved}/member-values", "/admin/rounds/{round}/scenarios",
              "/admin/scenarios/{scenario}", "/admin/scenarios/{scenario}/runs/{scenario_run}/compare",
              "/admin/scenarios/{scenario}/delete"],
    "fleet_manager": ["/results/rounds/{round}"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_what_if_pages_have_no_serious_accessibility_violations(browser, site, role):
    context = browser.new_context(base_url=site.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(f"{'admin' if role == 'admin' else 'fleet'}@whatif-a11y.example")
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(site.url + "/")
        found = []
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            for path in PAGES[role]:
                url = path.format(**site.ids)
                response = page.goto(url)
                assert response.status == 200, f"{url}: HTTP {response.status}"
                page.wait_for_load_state("networkidle")
                for v in serious_violations(page):
                    found.append(f"{url} ({width} px): [{v['impact']}] {v['id']}: {v['help']} "
                                 f"{v['nodes']}")
                if duplicates := duplicate_ids(page):
                    found.append(f"{url}: duplicate ids {duplicates}")
        assert not found, "\n".join(found)
    finally:
        context.close()
