"""Scenario and member-value pages: admins only (404 for the other roles), CSRF, edits with
every problem listed, runs that can never be approved, the comparison, and fleet managers'
own figures on their results page."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from consortium.db import commit
from consortium.models import Run, Scenario, ScenarioRun
from consortium.services import scenarios as svc
from consortium.services.member_value import execute_member_values, start_member_values
from tests import factories
from tests.conftest import csrf_token, login
from tests.whatif.conftest import fresh

RUN_FORM = {"run-time_limit": "30", "run-gap": "0", "run-fairness": "y", "run-solver": "highs"}


@pytest.fixture
def scenario(session, admin, base_run):
    value = svc.create_scenario(session, base_run, admin, "What if")
    commit(session)
    return value


def _location_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/(\d+)(?:/[a-z-]+)?$", response.headers["Location"]).group(1))


def test_admin_creates_edits_runs_and_compares_a_scenario(admin_client, session, closed_round,
                                                          base_run):
    page = admin_client.get(f"/admin/runs/{base_run.id}").get_data(as_text=True)
    assert "Copy this run's problem into a scenario" in page and "Member values" in page
    listing = admin_client.get(f"/admin/rounds/{closed_round.id}/scenarios").get_data(as_text=True)
    assert "No scenarios yet" in listing
    response = admin_client.post(f"/admin/runs/{base_run.id}/scenarios",
                                 data={"name": "Without Seattle"})
    scenario_id = _location_id(response)
    page = admin_client.get(f"/admin/scenarios/{scenario_id}").get_data(as_text=True)
    for text in ("Without Seattle", "Drop a member", "Change a tier price", "Change a capacity",
                 "Move a delivery window", "Seattle (2 lines, 8 units)", "Nothing yet"):
        assert text in page, text
    response = admin_client.post(f"/admin/scenarios/{scenario_id}/edit/drop_member",
                                 data={"drop_member-member": "Seattle"})
    assert response.status_code == 302
    page = admin_client.get(f"/admin/scenarios/{scenario_id}").get_data(as_text=True)
    assert "dropped Seattle (2 lines)" in page
    response = admin_client.post(f"/admin/scenarios/{scenario_id}/runs", data=RUN_FORM)
    run_id = _location_id(response)
    assert session.exec(select(ScenarioRun.run_id)).all() == [run_id]
    run_page = admin_client.get(f"/admin/runs/{run_id}").get_data(as_text=True)
    assert "A run of the scenario" in run_page and "Approve this plan" not in run_page
    assert "Copy this run's problem" not in run_page
    compare = admin_client.get(f"/admin/scenarios/{scenario_id}/runs/{run_id}/compare")
    text = compare.get_data(as_text=True)
    assert compare.status_code == 200
    for figure in ("$1,150,000", "$610,000", "-$540,000", "(not in the scenario)", "Tranche changes"):
        assert figure in text, figure
    listing = admin_client.get(f"/admin/rounds/{closed_round.id}/scenarios").get_data(as_text=True)
    assert "Without Seattle" in listing
    runs_page = admin_client.get(f"/admin/rounds/{closed_round.id}/runs").get_data(as_text=True)
    assert f"Run {run_id}<" not in runs_page and f"Run {base_run.id}" in runs_page


def test_an_invalid_edit_lists_every_problem_and_changes_nothing(admin_client, session, scenario):
    before = dict(scenario.problem)
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/edit/window",
                                 data={"window-line": "LA-1", "window-earliest": "2027Q4",
                                       "window-latest": "2027Q1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The change was not made; the scenario is unchanged" in page
    assert "is before earliest" in page
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/edit/tier_price",
                                 data={"tier_price-tier": "0:25", "tier_price-unit_price": "99000"})
    assert response.status_code == 422
    assert "rises above the previous tier" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/edit/capacity",
                                 data={"capacity-product": "NOPE", "capacity-max_per_period": "5"})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/edit/tier_price",
                                 data={"tier_price-tier": "0:10", "tier_price-unit_price": "nan"})
    assert response.status_code == 422
    assert fresh(session, scenario).problem == before and fresh(session, scenario).edits == []
    assert admin_client.post(f"/admin/scenarios/{scenario.id}/edit/bogus").status_code == 404
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/edit/capacity",
                                 data={"capacity-product": "BUS", "capacity-max_per_period": "20"})
    assert response.status_code == 302
    assert fresh(session, scenario).problem["products"][0]["max_per_period"] == 20


def test_a_scenario_run_cannot_be_approved_from_the_browser(admin_client, session, closed_round,
                                                            scenario):
    run_id = _location_id(admin_client.post(f"/admin/scenarios/{scenario.id}/runs", data=RUN_FORM))
    response = admin_client.post(f"/admin/runs/{run_id}/approve", follow_redirects=True)
    assert "can never be approved" in response.get_data(as_text=True)
    assert fresh(session, closed_round).approved_run_id is None
    base = scenario.base_run_id
    compare = f"/admin/rounds/{closed_round.id}/runs/compare?a={base}&b={run_id}"
    assert admin_client.get(compare).status_code == 404


def test_delete_asks_first(admin_client, session, closed_round, scenario):
    page = admin_client.get(f"/admin/scenarios/{scenario.id}/delete").get_data(as_text=True)
    assert "Delete scenario “What if”?" in page and "cannot be undone" in page
    assert session.get(Scenario, scenario.id) is not None
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/rounds/{closed_round.id}/scenarios")
    session.expire_all()
    assert session.exec(select(Scenario)).all() == []


def test_rename(admin_client, session, scenario):
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/rename", data={"rename-name": "  "},
                                 follow_redirects=True)
    assert "Give the scenario a name." in response.get_data(as_text=True)
    assert fresh(session, scenario).name == "What if"
    response = admin_client.post(f"/admin/scenarios/{scenario.id}/rename",
                                 data={"rename-name": "Cheaper buses"})
    assert response.status_code == 302 and fresh(session, scenario).name == "Cheaper buses"


def test_scenario_list_is_paginated(admin_client, session, admin, base_run, closed_round):
    for i in range(23):
        svc.create_scenario(session, base_run, admin, f"Scenario {i:02d}")
        commit(session)
    first = admin_client.get(f"/admin/rounds/{closed_round.id}/scenarios").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Scenario 22" in first and "Scenario 02" not in first
    second = admin_client.get(f"/admin/rounds/{closed_round.id}/scenarios?page=2").get_data(as_text=True)
    assert "Scenario 02" in second and "Scenario 00" in second


def test_member_values_page_for_admins(app, admin_client, session, base_run):
    page = admin_client.get(f"/admin/runs/{base_run.id}/member-values").get_data(as_text=True)
    assert "Compute member values" in page
    response = admin_client.post(f"/admin/runs/{base_run.id}/member-values")
    assert response.status_code == 302  # immediate queue: computed already
    page = admin_client.get(f"/admin/runs/{base_run.id}/member-values").get_data(as_text=True)
    table = page.split('id="member-values"', 1)[1]
    for text in ("Los Angeles", "Seattle", "+$35,000", "$575,000", "$610,000", "Compute again"):
        assert text in page, text
    assert "6 of 8" in table  # Seattle's units placed of its demand
    progress = admin_client.get(f"/admin/runs/{base_run.id}/member-values/progress",
                                headers={"HX-Request": "true"})
    assert progress.headers.get("HX-Refresh") == "true"


def test_fleet_managers_see_only_their_own_figures(app, client, session, admin, closed_round,
                                                   base_run, fleet_manager, other_fleet_manager):
    engine = app.extensions["consortium.engine"]
    start_member_values(session, base_run, admin,
                        enqueue=lambda job_id: execute_member_values(engine, job_id))
    commit(session)
    closed_round.approved_run_id = base_run.id
    session.add(closed_round)
    commit(session)
    login(client, fleet_manager)
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert "What your demand is worth to the others" in page
    section = page.split('id="member-value"', 1)[1].split("</section>", 1)[0]
    assert "Without Los Angeles" in section and "your demand saves them" in section
    assert "$35,000" in section and "$610,000" in section and "Seattle" not in section
    client.post("/logout")
    login(client, other_fleet_manager)
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    section = page.split('id="member-value"', 1)[1].split("</section>", 1)[0]
    assert "Without Seattle" in section and "Los Angeles" not in section


@pytest.mark.parametrize("role", ["fleet_manager", "vendor"])
def test_other_roles_get_404_everywhere(app, client, session, role, member, base_run, scenario):
    user = factories.make_user(session, role, member=member if role == "fleet_manager" else None,
                               email=f"{role}@whatif.example")
    login(client, user)
    urls = [("GET", f"/admin/rounds/{base_run.round_id}/scenarios"),
            ("POST", f"/admin/runs/{base_run.id}/scenarios"),
            ("GET", f"/admin/scenarios/{scenario.id}"),
            ("POST", f"/admin/scenarios/{scenario.id}/edit/drop_member"),
            ("POST", f"/admin/scenarios/{scenario.id}/rename"),
            ("POST", f"/admin/scenarios/{scenario.id}/runs"),
            ("GET", f"/admin/scenarios/{scenario.id}/runs/{base_run.id}/compare"),
            ("GET", f"/admin/scenarios/{scenario.id}/delete"),
            ("POST", f"/admin/scenarios/{scenario.id}/delete"),
            ("GET", f"/admin/runs/{base_run.id}/member-values"),
            ("POST", f"/admin/runs/{base_run.id}/member-values"),
            ("GET", f"/admin/runs/{base_run.id}/member-values/progress")]
    for method, url in urls:
        response = client.open(url, method=method, data={"drop_member-member": "Seattle",
                                                         **RUN_FORM})
        assert response.status_code == 404, (method, url)
    assert fresh(session, scenario).edits == []
    assert len(session.exec(select(Run)).all()) == 1
    assert [s.id for s in session.exec(select(Scenario)).all()] == [scenario.id]


def test_unknown_or_mismatched_ids_are_404(admin_client, session, admin, base_run, scenario):
    other = svc.create_scenario(session, base_run, admin, "Other")
    commit(session)
    run_id = _location_id(admin_client.post(f"/admin/scenarios/{other.id}/runs", data=RUN_FORM))
    assert admin_client.get(f"/admin/scenarios/{scenario.id}/runs/{run_id}/compare").status_code == 404
    assert admin_client.get(f"/admin/scenarios/{other.id}/runs/{base_run.id}/compare").status_code == 404
    assert admin_client.get("/admin/scenarios/999").status_code == 404
    assert admin_client.get("/admin/scenarios/99999999999").status_code == 404
    assert admin_client.get("/admin/runs/999/member-values").status_code == 404


def test_forms_need_the_csrf_token(csrf_client, session, admin, base_run, scenario):
    page = csrf_client.get("/login").get_data(as_text=True)
    csrf_client.post("/login", data={"email": admin.email, "password": factories.PASSWORD,
                                     "csrf_token": csrf_token(page)})
    posts = [(f"/admin/runs/{base_run.id}/scenarios", {"name": "x"}),
             (f"/admin/scenarios/{scenario.id}/edit/drop_member", {"drop_member-member": "Seattle"}),
             (f"/admin/scenarios/{scenario.id}/runs", RUN_FORM),
             (f"/admin/scenarios/{scenario.id}/delete", {}),
             (f"/admin/runs/{base_run.id}/member-values", {})]
    for url, data in posts:
        response = csrf_client.post(url, data=data)
        assert response.status_code == 400, url
        assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    session.expire_all()
    assert [s.id for s in session.exec(select(Scenario)).all()] == [scenario.id]
    assert fresh(session, scenario).edits == []
    assert len(session.exec(select(Run)).all()) == 1
    # with the token from the page, the same edit goes through
    page = csrf_client.get(f"/admin/scenarios/{scenario.id}").get_data(as_text=True)
    token = re.search(r'action="/admin/scenarios/\d+/edit/drop_member">\s*<input[^>]*value="([^"]+)"',
                      page).group(1)
    response = csrf_client.post(f"/admin/scenarios/{scenario.id}/edit/drop_member",
                                data={"drop_member-member": "Seattle", "drop_member-csrf_token": token})
    assert response.status_code == 302
    assert fresh(session, scenario).edits[0]["kind"] == "drop_member"
