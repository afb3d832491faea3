"""The award stage's services: evaluations, award runs in the job queue, approval, result data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from consortium.award import award_to_dict, optimize_award, parse_award_problem
from consortium.db import commit, utcnow
from consortium.models import (AuditEntry, AwardRun, AwardRunStatus, Bid, BidPackage, BidStatus,
                               Vendor)
from consortium.services import award_results, awards
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.job_rows import QueueUnreachable


def _bid_of(session, round_, vendor_name: str) -> Bid:
    return session.exec(select(Bid).join(Vendor, Vendor.id == Bid.vendor_id)
                        .join(BidPackage, BidPackage.id == Bid.package_id)
                        .where(Vendor.name == vendor_name, BidPackage.round_id == round_.id)
                        .order_by(BidPackage.reference)).first()


def _run(session, engine, round_, admin, **params) -> AwardRun:
    run = awards.start_award_run(session, round_, admin,
                                 enqueue=lambda run_id: awards.execute_award_run(engine, run_id),
                                 **params)
    commit(session)  # the edge: the worker reads the committed run
    session.expire_all()
    return session.get(AwardRun, run.id)


def _without_timings(award: dict) -> dict:
    return {k: v for k, v in award.items() if k != "solver"}


def test_a_bid_marked_not_responsive_is_left_out_of_the_award_problem(session, tender, admin):
    bid = _bid_of(session, tender, "Pacific Coach Works")
    assert f"BID-{bid.id}" in {b["id"] for b in awards.build_problem(session, tender, None)["bids"]}
    with pytest.raises(ServiceError, match="Give the reason"):
        awards.set_evaluation(session, bid, admin, responsive=False, reason="  ")
    awards.set_evaluation(session, bid, admin, responsive=False,
                          reason="No Buy America certification")
    session.commit()
    problem = awards.build_problem(session, tender, None)
    assert f"BID-{bid.id}" not in {b["id"] for b in problem["bids"]}
    assert awards.excluded_bids(session, tender) == {bid.id: "No Buy America certification"}
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "evaluate")).one()
    assert "not responsive (No Buy America certification)" in entry.summary
    assert entry.round_id == tender.id
    # Marked responsive again, then cleared: back in the problem either way.
    awards.set_evaluation(session, bid, admin, responsive=True)
    assert f"BID-{bid.id}" in {b["id"] for b in awards.build_problem(session, tender, None)["bids"]}
    assert awards.clear_evaluation(session, bid, admin)
    assert awards.evaluation_of(session, bid) is None
    assert not awards.clear_evaluation(session, bid, admin)


def test_the_evaluation_table_lists_each_opened_bid_once(session, tender, admin):
    rows = awards.opened_bids(session, tender)
    assert len(rows) == len(session.exec(select(Bid).where(Bid.status == BidStatus.OPENED)).all())
    assert all(r["lots"] >= 1 and r["evaluation"] is None for r in rows)


def test_an_award_run_stores_exactly_what_the_optimizer_decides(session, engine, tender, admin):
    run = _run(session, engine, tender, admin, max_lots_per_vendor=4, time_limit=30)
    assert run.status == AwardRunStatus.SUCCEEDED, run.error
    assert run.problem["max_lots_per_vendor"] == 4
    assert run.progress == f"Done: {run.result['status']}" == "Done: optimal"
    expected = award_to_dict(optimize_award(parse_award_problem(run.problem), time_limit=30))
    assert _without_timings(run.result) == _without_timings(expected)
    assert run.started_at and run.finished_at and run.started_at <= run.finished_at
    assert run.result["unawarded"], "a limit of 4 lots per vendor leaves lots unawarded"
    assert all(u["reason"] for u in run.result["unawarded"])
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "award_run")).one()
    assert entry.entity_id == run.id and "lots per vendor: 4" in entry.summary


def test_a_failed_run_leaves_earlier_runs_as_they_were(session, engine, tender, admin,
                                                       monkeypatch):
    first = _run(session, engine, tender, admin)
    awards.approve_award_run(session, first, admin)
    session.commit()
    result = first.result

    def broken(*_args, **_kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr("consortium.award.optimize_award", broken)
    second = _run(session, engine, tender, admin)
    assert second.status == AwardRunStatus.FAILED and second.result is None
    assert "solver crashed" in second.error and "Earlier runs are unchanged" in second.error
    session.refresh(first)
    assert first.status == AwardRunStatus.SUCCEEDED and first.result == result
    assert first.approved_at is not None
    with pytest.raises(NotAllowed, match="Only an award run that succeeded"):
        awards.approve_award_run(session, second, admin)


def test_an_unreachable_queue_fails_the_run_instead_of_leaving_it_queued(session, tender, admin):
    def down(_run_id):
        raise ConnectionError("redis down")

    run = awards.start_award_run(session, tender, admin, enqueue=down)
    with pytest.raises(QueueUnreachable):
        commit(session)
    session.expire_all()
    run = session.get(AwardRun, run.id)
    assert run.status == AwardRunStatus.FAILED and "could not be reached" in run.error


def test_one_approved_run_per_round(session, engine, tender, admin):
    a = _run(session, engine, tender, admin)
    b = _run(session, engine, tender, admin, max_lots_per_vendor=3)
    awards.approve_award_run(session, a, admin)
    session.commit()
    with pytest.raises(NotAllowed, match="already the approved award"):
        awards.approve_award_run(session, a, admin)
    awards.approve_award_run(session, b, admin)  # the approval moves to b
    session.commit()
    session.refresh(a)
    assert a.approved_at is None and awards.approved_award_run(session, tender).id == b.id
    approvals = session.exec(select(AuditEntry).where(AuditEntry.action == "approve",
                                                      AuditEntry.entity == "awardrun")
                             .order_by(AuditEntry.id)).all()
    assert [e.entity_id for e in approvals] == [a.id, b.id]
    # The database holds the rule too, whatever code tries.
    a.approved_at = utcnow()
    session.add(a)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # A published award is never replaced.
    b = session.get(AwardRun, b.id)
    b.published_at = utcnow()
    session.add(b)
    session.commit()
    with pytest.raises(NotAllowed, match="already published"):
        awards.approve_award_run(session, session.get(AwardRun, a.id), admin)


def test_bad_parameters_are_refused_and_change_nothing(session, tender, admin):
    for params in ({"max_lots_per_vendor": 0}, {"time_limit": 0.5}, {"time_limit": 7200}):
        with pytest.raises(ServiceError):
            awards.create_award_run(session, tender, admin, **params)
    assert session.exec(select(AwardRun)).all() == []


def test_every_bid_excluded_leaves_nothing_to_award(session, tender, admin):
    for row in awards.opened_bids(session, tender):
        awards.set_evaluation(session, row["bid"], admin, responsive=False, reason="Late bond")
    with pytest.raises(ServiceError, match="nothing to award"):
        awards.create_award_run(session, tender, admin)


def test_result_data_has_runner_ups_estimates_and_members(session, engine, tender, admin):
    run = _run(session, engine, tender, admin, max_lots_per_vendor=4)
    data = award_results.result_page(session, tender, run)
    lots = {r["lot"]: r for r in data["lots"]}
    assert len(lots) == len(run.problem["lots"])
    for lot in run.problem["lots"]:
        row = lots[lot["id"]]
        prices = sorted((p["unit_price"], b["id"]) for b in run.problem["bids"]
                        for p in b["prices"] if p["lot"] == lot["id"])
        assert row["estimate"] is not None  # every lot comes from a tranche of the plan
        if row["award"]:
            others = [p for p in prices if p[1] != row["award"]["bid"]]
            if others:
                assert row["runner_up"]["bid"] == others[0][1]
                assert float(row["runner_up"]["unit_price"]) == others[0][0]
                assert row["runner_up"]["over"] == (row["runner_up"]["unit_price"]
                                                    - type(row["runner_up"]["over"])(
                                                        str(row["award"]["unit_price"])))
        else:
            assert row["reason"] and row in data["unawarded"]
    summary = data["summary"]
    assert summary["awarded_units"] == run.result["awarded_units"]
    assert summary["awarded_lots"] == len(run.result["awards"])
    assert float(summary["total_cost"]) == float(run.result["total_cost"])
    members = {m["member"]: m for m in data["members"]}
    assert members and all(m["standalone"] is not None for m in members.values())
    assert sum(m["units"] for m in members.values()) == run.result["awarded_units"]
    chart = data["chart"]
    assert chart["members"] == [m["member"] for m in data["members"]]
    assert chart["net"] == [float(m["net"]) for m in data["members"]]
    assert chart["standalone"] == [float(m["standalone"]) for m in data["members"]]


def test_comparison_marks_the_lots_whose_winner_changed(session, engine, tender, admin):
    free = _run(session, engine, tender, admin)
    tight = _run(session, engine, tender, admin, max_lots_per_vendor=2)
    data = award_results.compare(session, tender, [free, tight])
    assert [c["run"].id for c in data["columns"]] == [free.id, tight.id]
    assert data["columns"][0]["summary"]["awarded_units"] >= \
        data["columns"][1]["summary"]["awarded_units"]
    changed = [lot for lot in data["lots"] if lot["changed"]]
    assert changed and all(len(lot["winners"]) == 2 for lot in data["lots"])


def test_stale_award_runs_are_marked_failed(session, tender, admin):
    run = awards.create_award_run(session, tender, admin)
    run.created_at = utcnow() - timedelta(minutes=30)
    session.add(run)
    session.commit()
    assert awards.mark_stale_award_runs(session, timedelta(minutes=10)) == 1
    session.commit()
    assert session.get(AwardRun, run.id).status == AwardRunStatus.FAILED


def test_a_time_limited_award_says_so():
    assert awards.outcome_text({"status": "optimal", "gap": 0.0}) == "Done: optimal"
    text = awards.outcome_text({"status": "feasible", "gap": 0.0123})
    assert text.startswith("Done: feasible, stopped by the time limit (gap 1.23%)")


def test_a_run_keeps_the_problem_it_solved_when_evaluations_change(session, engine, tender,
                                                                    admin):
    before = _run(session, engine, tender, admin)
    bid = _bid_of(session, tender, "Summit Electric Trucks")
    awards.set_evaluation(session, bid, admin, responsive=False, reason="Missing bid bond")
    session.commit()
    after = _run(session, engine, tender, admin)
    session.refresh(before)
    assert f"BID-{bid.id}" in {b["id"] for b in before.problem["bids"]}
    assert f"BID-{bid.id}" not in {b["id"] for b in after.problem["bids"]}
    assert len(after.problem["bids"]) == len(before.problem["bids"]) - 1
    assert all(a["bid"] != f"BID-{bid.id}" for a in after.result["awards"])
