"""Fleet managers see their member's part of the approved plan, and nothing else."""

from __future__ import annotations
from consortium.db import commit
from consortium.jobs import get_jobs
from consortium.services.runs import approve_run, enqueue_run
from tests import factories
from tests.conftest import login
from tests.runs.conftest import fresh


def _approved_run(app, session, round_, admin):
    run = enqueue_run(session, round_, admin, enqueue=get_jobs(app).enqueue_run)
    commit(session)
    run = fresh(session, run)
    approve_run(session, run, admin)
    commit(session)
    return run


def test_results_before_approval(fleet_client, closed_round):
    page = fleet_client.get("/results/").get_data(as_text=True)
    assert "No results yet" in page
    assert fleet_client.get(f"/results/rounds/{closed_round.id}").status_code == 404


def test_fleet_manager_sees_only_their_member(app, client, session, admin, fleet_manager,
                                              other_fleet_manager, closed_round):
    run = _approved_run(app, session, closed_round, admin)
    login(client, fleet_manager)
    index = client.get("/results/").get_data(as_text=True)
    assert "Test round 2027" in index and "$35,000" in index
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    for text in ("LA-1", "2027Q2", "$95,000", "$610,000", "$575,000", "$35,000", "5.74 %",
                 "$5,000 tranche cost share", "T1"):
        assert text in page, text
    assert "SEA-1" not in page and "SEA-2" not in page and "Seattle" not in page
    # The approved run itself stays an admin page.
    assert client.get(f"/admin/runs/{run.id}").status_code == 403
    client.post("/logout")
    login(client, other_fleet_manager)
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert "SEA-1" in page and "SEA-2" in page and "below the vendor minimum" in page
    assert "LA-1" not in page and "Los Angeles" not in page


def test_unapproved_runs_stay_hidden_from_fleet_managers(app, session, admin, fleet_manager, closed_round):
    from consortium.models import Run
    from consortium.policy import can_see
    approved = _approved_run(app, session, closed_round, admin)
    other = factories.make_run(session, round=closed_round, plan=approved.plan)
    assert can_see(fleet_manager, session.get(Run, approved.id), session)
    assert not can_see(fleet_manager, other, session)


def test_results_are_for_fleet_managers(admin_client, closed_round):
    assert admin_client.get("/results/").status_code == 403


def test_vendors_see_no_results(vendor_client, closed_round):
    assert vendor_client.get("/results/").status_code == 403
    assert vendor_client.get(f"/results/rounds/{closed_round.id}").status_code == 403
