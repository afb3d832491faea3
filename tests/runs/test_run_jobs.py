"""Runs through the job queue (immediate mode): execution, progress, failures, dead workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from consortium import optimizer
from consortium.db import commit, utcnow
from consortium.jobs import get_jobs
from consortium.models import AuditEntry, Run
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.runs import InvalidProblem, create_run, enqueue_run, mark_stale_runs
from tests import factories
from tests.runs.conftest import fresh


def _enqueue(app, session, round_, admin, **params):
    run = enqueue_run(session, round_, admin, enqueue=get_jobs(app).enqueue_run, **params)
    commit(session)  # the edge: the run is queued once it is committed
    return run


def test_enqueue_executes_the_run_end_to_end(app, session, admin, closed_round):
    run = _enqueue(app, session, closed_round, admin, time_limit=30, gap=0, fairness=True)
    run = fresh(session, run)
    assert run.status == "succeeded", run.error
    assert run.stage == "done" and run.started_at and run.finished_at >= run.started_at
    assert run.problem["demand"][0]["id"] == "LA-1"  # the problem it solved is kept
    plan = run.plan
    assert plan["status"] == "optimal" and plan["placed_units"] == 12
    [tranche] = plan["tranches"]
    assert (tranche["period"], tranche["quantity"], tranche["unit_price"]) == ("2027Q2", 12, 95000)
    assert plan["total_cost"] == 1150000
    assert plan["totals"]["savings"] == 70000
    assert [u["demand"] for u in plan["unplaced"]] == ["SEA-2"]
    assert {m["member"]: m["savings"] for m in plan["members"]} == {"Los Angeles": 35000, "Seattle": 35000}
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity == "run")).one()
    assert entry.entity_id == run.id and entry.action == "run"


def test_parameters_are_passed_to_the_optimizer(app, session, admin, closed_round, monkeypatch):
    seen = {}
    real = optimizer.optimize

    def spy(problem, **kwargs):
        seen.update(kwargs)
        return real(problem, **kwargs)

    monkeypatch.setattr(optimizer, "optimize", spy)
    _enqueue(app, session, closed_round, admin, time_limit=12.5, gap=0.01, fairness=False, solver="highs")
    assert {k: seen[k] for k in ("time_limit", "gap", "fairness", "solver")} == {
        "time_limit": 12.5, "gap": 0.01, "fairness": False, "solver": "highs"}


def test_progress_is_written_while_solving(app, session, admin, closed_round, monkeypatch, engine):
    """Every stage the optimizer reports reaches the row while the run is still running."""
    real = optimizer.optimize
    observed = []

    def watching(problem, *, progress, **kwargs):
        def report(stage, done, total):
            progress(stage, done, total)
            from sqlmodel import Session
            with Session(engine) as other:  # what the web page would read now
                row = other.exec(select(Run)).one()
                observed.append((row.status, row.stage, row.progress_done, row.progress_total,
                                 row.heartbeat_at is not None))
        return real(problem, progress=report, **kwargs)

    monkeypatch.setattr(optimizer, "optimize", watching)
    _enqueue(app, session, closed_round, admin)
    stages = [o[1] for o in observed]
    assert "solve" in stages and "validate" in stages
    assert all(o[0] == "running" and o[4] for o in observed)
    solve = [o for o in observed if o[1] == "solve"]
    assert solve[-1][2] == solve[-1][3] >= 1  # "subproblem k of n" reached n


def test_a_failing_solve_fails_only_that_run(app, session, admin, closed_round, monkeypatch):
    earlier = _enqueue(app, session, closed_round, admin)
    earlier = fresh(session, earlier)
    closed_round.approved_run_id = earlier.id
    session.add(closed_round)
    session.commit()

    def broken(problem, **kwargs):
        raise RuntimeError("HiGHS ran out of memory\nTraceback (most recent call last): ...")

    monkeypatch.setattr(optimizer, "optimize", broken)
    run = fresh(session, _enqueue(app, session, closed_round, admin))
    assert run.status == "failed" and run.plan is None and run.finished_at
    assert run.error == ("The optimizer stopped with an error: HiGHS ran out of memory. "
                         "Earlier runs are unchanged.")
    assert "Traceback" not in run.error
    again = fresh(session, earlier)
    assert again.status == "succeeded" and again.plan == earlier.plan
    assert fresh(session, closed_round).approved_run_id == earlier.id


def test_a_queue_that_cannot_be_reached_fails_the_run(session, admin, closed_round):
    def down(run_id):
        raise ConnectionError("connection refused")

    enqueue_run(session, closed_round, admin, enqueue=down)
    with pytest.raises(ServiceError, match="job queue could not be reached"):
        commit(session)  # committed first, then handed to the queue
    run = session.exec(select(Run)).one()
    session.refresh(run)
    assert run.status == "failed" and "ConnectionError" in run.error


@pytest.mark.parametrize("status", ["open", "draft"])
def test_only_closed_rounds_run(session, admin, closed_round, status):
    closed_round.status = status
    session.add(closed_round)
    session.commit()
    with pytest.raises(NotAllowed, match="Close the round"):
        create_run(session, closed_round, admin)
    assert session.exec(select(Run)).all() == []


@pytest.mark.parametrize("params, message", [
    ({"time_limit": 0.5}, "time limit must be between 1 and 3600"),
    ({"time_limit": 4000}, "time limit must be between 1 and 3600"),
    ({"gap": -0.1}, "gap must be between 0 and 0.5"),
    ({"gap": 0.6}, "gap must be between 0 and 0.5"),
    ({"solver": "gurobi"}, "solver must be one of highs, cbc"),
])
def test_parameters_are_checked(session, admin, closed_round, params, message):
    with pytest.raises(ServiceError, match=message):
        create_run(session, closed_round, admin, **params)


def test_an_empty_round_is_refused(session, admin):
    round_ = factories.make_round(session, status="closed")
    with pytest.raises(ServiceError, match="no demand lines"):
        create_run(session, round_, admin)


def test_an_invalid_problem_is_refused_with_every_error(session, admin, member):
    round_ = factories.make_round(session, status="closed")
    product = factories.make_product(session, tiers=())  # no price tiers: the optimizer refuses
    factories.make_line(session, round=round_, member=member, product=product)
    with pytest.raises(InvalidProblem) as caught:
        create_run(session, round_, admin)
    assert caught.value.errors and any("tiers" in path for path, _ in caught.value.errors)
    assert session.exec(select(Run)).all() == []


def test_a_dead_worker_leaves_the_run_failed_not_running(session, closed_round):
    old = utcnow() - timedelta(minutes=30)
    dead = factories.make_run(session, round=closed_round, status="running", plan=None,
                              started_at=old, heartbeat_at=old)
    assert mark_stale_runs(session, timedelta(minutes=10)) == 1
    dead = fresh(session, dead)
    assert dead.status == "failed" and dead.finished_at
    assert dead.error == ("The worker stopped while solving (no progress for 10 minutes). "
                          "Run it again.")


def test_live_runs_are_not_marked_stale(session, closed_round):
    alive = factories.make_run(session, round=closed_round, status="running", plan=None)
    waiting = factories.make_run(session, round=closed_round, status="queued", plan=None,
                                 created_at=utcnow() - timedelta(minutes=60))
    assert mark_stale_runs(session, timedelta(minutes=10)) == 0  # a worker is busy: queue waits
    assert fresh(session, alive).status == "running" and fresh(session, waiting).status == "queued"


def test_a_queued_run_without_any_worker_fails(session, closed_round):
    waiting = factories.make_run(session, round=closed_round, status="queued", plan=None,
                                 created_at=utcnow() - timedelta(minutes=11))
    recent = factories.make_run(session, round=closed_round, status="queued", plan=None)
    assert mark_stale_runs(session, timedelta(minutes=10)) == 1
    assert "No worker picked this run up within 10 minutes" in fresh(session, waiting).error
    assert fresh(session, recent).status == "queued"


def test_a_run_marked_failed_is_not_solved_later(app, session, closed_round):
    """A late worker skips a run that was given up on, so its error stays."""
    from consortium.services.runs import execute_run
    run = factories.make_run(session, round=closed_round, status="failed", plan=None, error="gone")
    assert execute_run(app.extensions["consortium.engine"], run.id) == "failed"
    assert fresh(session, run).error == "gone"
