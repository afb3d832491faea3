"""Member value as a job: start, execute (immediate queue), figures stored per run, restart."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from consortium.db import commit
from consortium.models import AuditEntry, MemberValueJob
from consortium.optimizer import optimize, parse_problem
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.member_value import (
    execute_member_values,
    job_for_run,
    member_figures,
    progress_text,
    start_member_values,
)
from tests import factories
from tests.whatif.conftest import fresh


def _immediate(app):
    engine = app.extensions["consortium.engine"]
    return lambda job_id: execute_member_values(engine, job_id)


def test_figures_equal_independently_solved_problems(app, session, admin, base_run):
    job = start_member_values(session, base_run, admin, enqueue=_immediate(app))
    commit(session)
    job = fresh(session, job)
    assert job.status == "succeeded" and job.stage == "done"
    assert job.progress_done == job.progress_total == 2
    figures = {f["member"]: f for f in job.figures}
    la, sea = figures["Los Angeles"], figures["Seattle"]
    assert (la["total_with"], la["consortium_cost"], la["savings"]) == (1150000, 575000, 35000)
    assert (la["others_cost_with"], la["others_cost_without"], la["value_to_others"]) == (
        575000, 610000, 35000)
    assert (sea["units"], sea["placed_units"], sea["value_to_others"]) == (8, 6, 35000)
    # each "without" figure is the total of the problem without that member, solved on its own
    for name, figure in figures.items():
        rest = dict(base_run.problem)
        rest["demand"] = [d for d in base_run.problem["demand"] if d["member"] != name]
        plan = optimize(parse_problem(rest), fairness=base_run.fairness)
        assert figure["total_without"] == plan.total_cost
        assert figure["others_placed_without"] == plan.placed_units
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "member_value")).one()
    assert entry.entity_id == base_run.id


def test_member_figures_give_one_member_only(app, session, admin, base_run):
    job = start_member_values(session, base_run, admin, enqueue=_immediate(app))
    commit(session)
    job = fresh(session, job)
    mine = member_figures(job, "Seattle")
    assert mine["member"] == "Seattle" and mine["value_to_others"] == 35000
    assert member_figures(job, "Portland") is None
    assert member_figures(None, "Seattle") is None


def test_only_a_succeeded_run_and_not_twice_at_once(app, session, admin, closed_round, base_run):
    failed = factories.make_run(session, round=closed_round, status="failed")
    with pytest.raises(NotAllowed, match="succeeded"):
        start_member_values(session, failed, admin, enqueue=_immediate(app))
        commit(session)
    queued = []
    job = start_member_values(session, base_run, admin, enqueue=queued.append)
    commit(session)
    assert queued == [job.id] and job.status == "queued"
    assert progress_text(job) == "Waiting for the worker"
    with pytest.raises(NotAllowed, match="being computed"):
        start_member_values(session, base_run, admin, enqueue=queued.append)
        commit(session)
    assert execute_member_values(app.extensions["consortium.engine"], job.id) == "succeeded"
    # done: it may be computed again, on the same row (one row per run)
    again = start_member_values(session, base_run, admin, enqueue=queued.append)
    commit(session)
    assert again.id == job.id and again.status == "queued" and again.figures is None
    assert len(session.exec(select(MemberValueJob)).all()) == 1


def test_an_unreachable_queue_fails_the_job(session, admin, base_run):
    def broken(job_id):
        raise ConnectionError("no redis")
    with pytest.raises(ServiceError, match="could not be reached"):
        start_member_values(session, base_run, admin, enqueue=broken)
        commit(session)
    job = fresh(session, job_for_run(session, base_run.id))
    assert job.status == "failed" and "ConnectionError" in job.error


def test_cli_prints_and_stores_the_figures(app, session, base_run, monkeypatch, database_url):
    from consortium.cli import cli
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["member-value", str(base_run.id)])
    assert result.exit_code == 0, result.output
    assert "Los Angeles" in result.output and "35,000" in result.output
    assert fresh(session, job_for_run(session, base_run.id)).status == "succeeded"
    result = CliRunner().invoke(cli, ["member-value", "999999"])
    assert result.exit_code == 1 and "No run has the id 999999" in result.output
