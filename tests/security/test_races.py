"""Races: a failed run stays failed (7), one audit entry for simultaneous approvals, and refs
unique per member, allocated without collisions under concurrent adds and imports (9), each
against the real database from threads."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from consortium.db import session_scope
from consortium.models import AuditEntry, DemandLine, Member, Round, Run, User
from consortium.services import demand, runs
from consortium.services.errors import NotAllowed
from tests import factories
from tests.conftest import login
from tests.demand.conftest import form_data, raw_line
from tests.security.conftest import clone_client, concurrently


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


def test_ten_sessions_of_one_city_adding_fifty_lines_each_all_succeed(app, session, bus, round_,
                                                                      member, fleet_manager):
    """Ten signed-in browsers of one city post 50 line forms each at once: 500 lines, 0 refused."""
    first = app.test_client()
    login(first, fleet_manager)
    browsers = [first] + [clone_client(app, first) for _ in range(9)]
    per_browser = 50

    def add_many(browser):
        codes = [browser.post(f"/demand/rounds/{round_.id}/lines/new",
                              data=form_data()).status_code for _ in range(per_browser)]
        return codes

    results = concurrently([lambda b=b: add_many(b) for b in browsers], timeout=600)
    codes = [c for r in results for c in (r if isinstance(r, list) else [repr(r)])]
    assert codes == [302] * 500, sorted(set(map(str, codes)))
    refs = session.exec(select(DemandLine.ref).where(DemandLine.member_id == member.id)).all()
    assert len(refs) == 500 and len(set(refs)) == 500


def test_simultaneous_csv_imports_and_adds_of_one_city_never_refuse_each_other(
        engine, session, bus, round_, member, fleet_manager):
    from consortium.services import csv_import
    def body(k):
        # Each file's quantities differ from the other files' and from raw_line()'s (12), so no
        # row is a likely duplicate of a line committed by a simultaneous request.
        return "ref,product,quantity,earliest,latest,options\n" + "".join(
            f",BEB-40,{100 * k + n},2027Q1,2027Q3,charging=CCS1\n" for n in range(20))

    def upload(k):
        with session_scope(engine) as own:  # one request
            round_now = own.get(Round, round_.id)
            checked = csv_import.check_upload(own, round_now, body(k).encode(), 10**6, member.id)
            assert not checked.duplicates
            return csv_import.import_upload(own, round_=round_now, member=own.get(Member, member.id),
                                            actor=own.get(User, fleet_manager.id),
                                            checked=checked).added

    def add():
        for _ in range(10):  # one request per line, each committed at its edge
            with session_scope(engine) as own:
                demand.add_line(own, round_=own.get(Round, round_.id),
                                member=own.get(Member, member.id),
                                actor=own.get(User, fleet_manager.id), raw=raw_line())
        return 10

    results = concurrently([f for k in range(1, 5) for f in (lambda k=k: upload(k), add)])
    assert results == [20, 10] * 4, results
    refs = session.exec(select(DemandLine.ref)).all()
    assert len(refs) == 120 and len(set(refs)) == 120


def test_another_members_ref_is_accepted_for_mine_with_no_hint(app, client, session, bus, round_,
                                                               member, other_member,
                                                               fleet_manager):
    theirs = factories.make_line(session, round=round_, member=other_member, product=bus,
                                 ref="SEA-SECRET")
    login(client, fleet_manager)
    response = client.post(f"/demand/rounds/{round_.id}/lines/new",
                           data=form_data(ref="SEA-SECRET"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Line SEA-SECRET added" in page
    assert other_member.name not in page and "not available" not in page
    mine = session.exec(select(DemandLine).where(DemandLine.member_id == member.id)).one()
    assert mine.ref == "SEA-SECRET" and mine.id != theirs.id
    # My own ref is still mine alone: a second line with it is refused, naming only my line.
    with pytest.raises(demand.InvalidLine) as exc:
        demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                        raw=raw_line(ref="SEA-SECRET"))
    assert "SEA-SECRET" in exc.value.errors["ref"]
    assert demand.ref_taken(session, round_.id, member.id, "SEA-SECRET")
    assert not demand.ref_taken(session, round_.id, member.id, "SEA-OTHER")
