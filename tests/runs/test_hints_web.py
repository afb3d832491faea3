"""Hints in the app: a background job per run for admins, and each fleet manager sees the hints
of its own lines only, once an admin made them visible."""

from __future__ import annotations

from consortium.db import commit
from consortium.jobs import get_jobs
from consortium.models import HintJob
from consortium.optimizer import parse_problem
from consortium.optimizer.hints import apply_change
from consortium.optimizer import optimize
from consortium.services.hints import enqueue_hints, set_visible, visible_job
from consortium.services.runs import approve_run, enqueue_run
from tests.conftest import login
from tests.runs.conftest import fresh


def _run(app, session, round_, admin, approve=True):
    run = enqueue_run(session, round_, admin, enqueue=get_jobs(app).enqueue_run)
    commit(session)  # the edge: the run is queued once committed
    run = fresh(session, run)
    assert run.status == "succeeded"
    if approve:
        approve_run(session, run, admin)
        commit(session)
    return run


def _hints(app, session, run, admin, threshold=1.0) -> HintJob:
    job = enqueue_hints(session, run, admin, enqueue=get_jobs(app).enqueue_hints,
                        threshold=threshold)
    commit(session)
    return fresh(session, job)


def test_admin_starts_hints_and_sees_them(app, admin_client, session, admin, closed_round):
    run = _run(app, session, closed_round, admin)
    page = admin_client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert "Hints per line" in page and "Compute hints" in page
    response = admin_client.post(f"/admin/runs/{run.id}/hints", data={"threshold": "0"})
    assert response.status_code == 302
    job = session.exec(HintJob.__table__.select()).first()
    job = session.get(HintJob, job.id)
    assert job.status == "succeeded" and job.threshold == 0 and job.result
    assert response.headers["Location"].endswith(f"/admin/hints/{job.id}")
    page = admin_client.get(f"/admin/hints/{job.id}").get_data(as_text=True)
    # SEA-2 (2 units, below the minimum of 5, alone in its options): ordering 5 places it
    assert "SEA-2" in page and "Order 5 units" in page and "not placed" in page
    assert "Largest savings for the consortium" in page
    hint = next(h for h in job.result["hints"] if h["line"] == "SEA-2"
                and h["change"]["field"] == "quantity")
    # the figures are those of solving the changed problem again
    problem = parse_problem(run.problem)
    after = optimize(apply_change(problem, "SEA-2", "quantity", 5), fairness=run.fairness)
    assert hint["placed_units_delta"] == after.placed_units - run.plan["placed_units"] == 5
    assert hint["consortium_cost_delta"] == after.total_cost - run.plan["total_cost"] == 510000
    progress = admin_client.get(f"/admin/hints/{job.id}/progress", headers={"HX-Request": "true"})
    assert progress.headers.get("HX-Refresh") == "true"
    listing = admin_client.get(f"/admin/runs/{run.id}").get_data(as_text=True)
    assert f"Hints {job.id}" in listing


def test_bad_threshold_changes_nothing(app, admin_client, session, admin, closed_round):
    run = _run(app, session, closed_round, admin)
    response = admin_client.post(f"/admin/runs/{run.id}/hints", data={"threshold": "-5"},
                                 follow_redirects=True)
    assert "Hints were not started" in response.get_data(as_text=True)
    assert session.exec(HintJob.__table__.select()).first() is None


def test_hints_only_for_a_succeeded_run(app, admin_client, session, admin, closed_round):
    from tests import factories
    run = factories.make_run(session, round=closed_round, status="failed")
    response = admin_client.post(f"/admin/runs/{run.id}/hints", data={"threshold": "1"},
                                 follow_redirects=True)
    assert "Hints need a run that succeeded" in response.get_data(as_text=True)
    assert session.exec(HintJob.__table__.select()).first() is None


def test_fleet_managers_see_only_their_own_lines_once_visible(
        app, client, session, admin, fleet_manager, other_fleet_manager, closed_round):
    run = _run(app, session, closed_round, admin)
    job = _hints(app, session, run, admin, threshold=0)
    login(client, other_fleet_manager)
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert "What you could change" not in page          # not visible yet
    set_visible(session, fresh(session, job), admin, True)
    commit(session)
    assert visible_job(session, closed_round).id == job.id
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert "What you could change" in page and "Order 5 units" in page and "SEA-2" in page
    lines = client.get(f"/demand/rounds/{closed_round.id}").get_data(as_text=True)
    assert 'id="hints-SEA-2"' in lines and "Order 5 units" in lines
    # admin pages stay admin pages
    assert client.get(f"/admin/hints/{job.id}").status_code == 403
    assert client.post(f"/admin/hints/{job.id}/visibility", data={"visible": "0"}).status_code == 403
    client.post("/logout")
    login(client, fleet_manager)                         # Los Angeles: none of Seattle's
    page = client.get(f"/results/rounds/{closed_round.id}").get_data(as_text=True)
    assert "SEA-2" not in page and "Seattle" not in page and "Order 5 units" not in page
    lines = client.get(f"/demand/rounds/{closed_round.id}").get_data(as_text=True)
    assert "SEA-2" not in lines and "hints-SEA" not in lines


def test_hiding_hints_and_the_latest_visible_job(app, admin_client, session, admin, closed_round):
    run = _run(app, session, closed_round, admin)
    first = _hints(app, session, run, admin)
    second = _hints(app, session, run, admin, threshold=0)
    response = admin_client.post(f"/admin/hints/{first.id}/visibility", data={"visible": "1"})
    assert response.status_code == 302
    assert visible_job(session, closed_round).id == first.id
    admin_client.post(f"/admin/hints/{second.id}/visibility", data={"visible": "1"})
    session.expire_all()
    assert visible_job(session, closed_round).id == second.id
    admin_client.post(f"/admin/hints/{second.id}/visibility", data={"visible": "0"})
    session.expire_all()
    assert visible_job(session, closed_round).id == first.id


def test_missing_rows_are_404(admin_client):
    assert admin_client.get("/admin/hints/999").status_code == 404
    assert admin_client.post("/admin/runs/999/hints", data={"threshold": "1"}).status_code == 404


def test_vendor_and_fleet_cannot_start_hints(app, client, session, admin, fleet_manager,
                                            closed_round):
    run = _run(app, session, closed_round, admin)
    login(client, fleet_manager)
    assert client.post(f"/admin/runs/{run.id}/hints", data={"threshold": "1"}).status_code == 403
    assert session.exec(HintJob.__table__.select()).first() is None


def test_hint_jobs_of_a_dead_worker_are_failed(app, session, admin, closed_round):
    from datetime import timedelta

    from consortium.db import utcnow
    from consortium.services.hints import create_hint_job, mark_stale_hints
    run = _run(app, session, closed_round, admin, approve=False)
    job = create_hint_job(session, run, admin)
    commit(session)
    job.status, job.heartbeat_at = "running", utcnow() - timedelta(minutes=30)
    session.add(job)
    session.commit()
    fresh_job = create_hint_job(session, run, admin)
    commit(session)
    assert mark_stale_hints(session, timedelta(minutes=10)) == 1
    assert fresh(session, job).status == "failed" and "worker stopped" in fresh(session, job).error
    assert fresh(session, fresh_job).status == "queued"


def test_member_hints_are_keyed_by_the_members_own_ref():
    from consortium.services.hints import member_hints
    result = {"lines": [{"line": "L-1@Seattle", "member": "Seattle", "hints": []},
                        {"line": "L-1@Los Angeles", "member": "Los Angeles", "hints": []},
                        {"line": "SEA-9", "member": "Seattle", "hints": []}]}
    assert set(member_hints(result, "Seattle")) == {"L-1", "SEA-9"}
    assert member_hints(result, "Seattle")["L-1"]["member"] == "Seattle"
    assert set(member_hints(result, "Los Angeles")) == {"L-1"}
