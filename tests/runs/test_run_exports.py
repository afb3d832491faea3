"""Run pages for everyday use: CSV exports with totals, the tranche filter, fairness cost only
when fairness was on, the per-member comparison with signed money and approval from it, and a
fleet manager's own results as CSV."""

from __future__ import annotations

import csv
import html
import io

from consortium.db import commit
from consortium.jobs import get_jobs
from consortium.services.runs import approve_run, enqueue_run
from tests import factories
from tests.conftest import login
from tests.runs.conftest import fresh
from tests.runs.test_run_pages import _run_from_browser


def rows_of(response) -> list[list[str]]:
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_tranche_and_member_csvs_have_totals(admin_client, closed_round):
    run_id = _run_from_browser(admin_client, closed_round)
    tranches = rows_of(admin_client.get(f"/admin/runs/{run_id}/tranches.csv"))
    assert tranches[0][:5] == ["tranche", "product", "options", "period", "quantity"]
    assert tranches[1][1] == "BUS" and tranches[1][4] == "12" and tranches[1][8] == "1150000"
    assert "Los Angeles: 6; Seattle: 6" == tranches[1][9]
    assert tranches[-1][:5] == ["Total", "1 tranche", "", "", "12"]
    assert tranches[-1][4] == "12" and tranches[-1][8] == "1150000"
    members = rows_of(admin_client.get(f"/admin/runs/{run_id}/members.csv"))
    assert members[0] == ["member", "standalone_cost", "consortium_cost", "savings", "savings_pct"]
    assert ["Los Angeles", "610000", "575000", "35000", "5.74"] in members
    assert members[-1][0] == "Total" and members[-1][3] == "70000"


def test_tranche_filter_and_totals_row(admin_client, closed_round):
    run_id = _run_from_browser(admin_client, closed_round)
    page = html.unescape(admin_client.get(f"/admin/runs/{run_id}?q=seattle").get_data(as_text=True))
    assert "1 tranche of 1 contain “seattle”" in page and 'class="totals-row"' in page
    none = html.unescape(admin_client.get(f"/admin/runs/{run_id}?q=nowhere").get_data(as_text=True))
    assert "No tranche contains “nowhere”" in none
    assert rows_of(admin_client.get(f"/admin/runs/{run_id}/tranches.csv?q=nowhere"))[1][0] == "Total"


def test_fairness_cost_only_when_fairness_was_on(admin_client, closed_round):
    on = _run_from_browser(admin_client, closed_round)
    off = _run_from_browser(admin_client, closed_round, fairness="")
    assert "Fairness cost" in admin_client.get(f"/admin/runs/{on}").get_data(as_text=True)
    assert "Fairness cost" not in admin_client.get(f"/admin/runs/{off}").get_data(as_text=True)


def _plan(la_cost, la_savings):
    return factories.plan_dict(
        placed_units=6, total_cost=la_cost, lower_bound=la_cost,
        members=[{"member": "Los Angeles", "standalone_cost": 610000,
                  "consortium_cost": la_cost, "savings": la_savings}],
        totals={"standalone_cost": 610000, "consortium_cost": la_cost, "savings": la_savings,
                "savings_pct": 1.0, "fairness_cost": 0})


def test_comparison_per_member_signed_and_approvable(admin_client, session, closed_round):
    a = factories.make_run(session, round=closed_round, plan=_plan(575000, 35000))
    b = factories.make_run(session, round=closed_round, plan=_plan(702250, -92250))
    page = admin_client.get(f"/admin/rounds/{closed_round.id}/runs/compare?a={a.id}&b={b.id}")
    body = page.get_data(as_text=True)
    assert "Per member" in body and "+$127,250" in body and "-$127,250" in body
    assert "$-" not in body
    for run in (a, b):
        assert f'action="/admin/runs/{run.id}/approve"' in body
    assert admin_client.post(f"/admin/runs/{b.id}/approve").status_code == 302
    assert fresh(session, closed_round).approved_run_id == b.id
    body = admin_client.get(f"/admin/rounds/{closed_round.id}/runs/compare?a={a.id}&b={b.id}")\
        .get_data(as_text=True)
    assert f'action="/admin/runs/{b.id}/approve"' not in body
    assert f'action="/admin/runs/{a.id}/approve"' in body


def test_run_csvs_are_admin_only(client, session, closed_round, fleet_manager):
    run = factories.make_run(session, round=closed_round, plan=_plan(1, 1), approved=True)
    login(client, fleet_manager)
    for url in (f"/admin/runs/{run.id}/tranches.csv", f"/admin/runs/{run.id}/members.csv"):
        assert client.get(url).status_code == 403, url


def test_fleet_manager_downloads_only_their_results(app, client, session, admin, fleet_manager,
                                                   other_fleet_manager, closed_round):
    run = enqueue_run(session, closed_round, admin, enqueue=get_jobs(app).enqueue_run)
    commit(session)
    approve_run(session, fresh(session, run), admin)
    commit(session)
    login(client, fleet_manager)
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert f"/results/rounds/{closed_round.id}/results.csv" in page
    rows = rows_of(client.get(f"/results/rounds/{closed_round.id}/results.csv"))
    assert rows[1][:2] == ["LA-1", "BUS"] and rows[1][4] == "2027Q2" and rows[1][5] == "6"
    assert rows[1][5] == "6" and rows[1][9] == "575000"
    assert ["Total", "", "", "", "", "6", "", "", "", "575000", ""] in rows
    text = "\n".join(",".join(r) for r in rows)
    assert "SEA-" not in text and "Seattle" not in text
    client.post("/logout")
    login(client, other_fleet_manager)
    other = "\n".join(",".join(r) for r in rows_of(
        client.get(f"/results/rounds/{closed_round.id}/results.csv")))
    assert "SEA-1" in other and "SEA-2" in other and "LA-1" not in other
    assert client.get("/results/rounds/999/results.csv").status_code == 404
