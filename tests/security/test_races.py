"""Races: a failed run stays failed (7), one audit entry for simultaneous approvals and refs
without collisions under concurrent adds (9), each against the real database from threads."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import SimpleNamespace

from sqlmodel import select

from consortium.db import session_scope
from consortium.models import AuditEntry, DemandLine, Member, Round, Run, User
from consortium.services import demand, runs
from consortium.services.errors import NotAllowed
from tests import factories
from tests.demand.conftest import raw_line
from tests.security.conftest import concurrently


def test_a_failed_run_stays_failed_when_its_paused_worker_resumes(engine, session, monkeypatch,
                                                                  caplog):
    from consortium import optimizer
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, status="queued")
    paused, resume = threading.Event(), threading.Event()

    def slow_optimize(problem, progress=None, **params):
        paused.set()
        resume.wait(30)  # the worker is paused (SIGSTOP) mid-solve
        return SimpleNamespace(to_dict=lambda: {"status": "optimal"})

    monkeypatch.setattr(optimizer, "parse_problem", lambda data: data)
    monkeypatch.setattr(optimizer, "optimize", slow_optimize)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault(
        "status", runs.execute_run(engine, run.id, heartbeat_interval=60)))
    worker.start()
    assert paused.wait(30)
    with session_scope(engine) as other:  # meanwhile the stale check marks the run failed
        assert runs.mark_stale_runs(other, timedelta(seconds=-1)) == 1
    with caplog.at_level(logging.WARNING, logger="consortium.services.runs"):
        resume.set()
        worker.join(30)
    session.expire_all()
    final = session.get(Run, run.id)
    assert final.status == "failed" and final.plan is None and "worker stopped" in final.error
    assert outcome["status"] == "failed"
    assert any("late succeeded result was discarded" in r.getMessage() for r in caplog.records)


def test_a_finished_run_is_not_marked_stale(session):
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, status="running")
    runs._finish(session.get_bind(), run.id, plan={"status": "optimal"})
    # A stale check that read the run as running before it finished changes nothing.
    stale = session.get(Run, run.id)
    assert runs.mark_stale_runs(session, timedelta(seconds=-1)) == 0
    session.expire_all()
    assert session.get(Run, stale.id).status == "succeeded"


def test_five_simultaneous_approvals_write_one_audit_entry(engine, session, admin):
    round_ = factories.make_round(session, status="closed")
    run = factories.make_run(session, round=round_, status="succeeded", plan={"status": "optimal"})

    def approve():
        with session_scope(engine) as own:  # one request: commits once, or rolls back
            return runs.approve_run(own, own.get(Run, run.id), own.get(User, admin.id))

    results = concurrently([approve] * 5)
    assert sum(isinstance(r, Round) for r in results) == 1, results
    assert all(isinstance(r, (Round, NotAllowed)) for r in results), results
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "approve")).all()
    assert len(entries) == 1
    session.expire_all()
    assert session.get(Round, round_.id).approved_run_id == run.id


def test_ten_sessions_of_one_city_adding_lines_at_once_all_succeed(engine, session, bus, round_,
                                                                    member, fleet_manager):
    per_session = 10

    def add_many():
        for _ in range(per_session):  # one request per line, each committed at its edge
            with session_scope(engine) as own:
                demand.add_line(own, round_=own.get(Round, round_.id),
                                member=own.get(Member, member.id),
                                actor=own.get(User, fleet_manager.id), raw=raw_line())
        return True

    results = concurrently([add_many] * 10)
    assert results == [True] * 10, [r for r in results if r is not True][:3]
    refs = session.exec(select(DemandLine.ref)).all()
    assert len(refs) == 100 and len(set(refs)) == 100


def test_a_ref_of_another_member_is_not_revealed(session, bus, round_, member, other_member,
                                                fleet_manager):
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-SECRET")
    try:
        demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                        raw=raw_line(ref="SEA-SECRET"))
    except demand.InvalidLine as exc:
        message = exc.errors["ref"]
    assert "another line" not in message and other_member.name not in message
    assert message == demand.ref_error("SEA-SECRET")
