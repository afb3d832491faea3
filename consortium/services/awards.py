"""The award stage: evaluate the opened bids, run the award optimizer, approve one award run.

After a package's opening an admin marks each opened bid responsive or not (a bid never marked
counts as responsive). An award run solves the award problem of the round's opened, responsive
bids (built when the run is queued and kept on the row, so the run is reproducible) in the job
queue, as optimizer runs do; a failed run leaves every earlier run as it was. One succeeded run
per round is approved; publishing the award (notice, contracts) starts from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import (AwardRun, AwardRunStatus, Bid, BidEvaluation, BidPackage, BidStatus,
                               Round, User, Vendor)
from consortium.models.status import allowed, transition
from consortium.services import audit, bid_export, bid_opening, job_rows
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.runs import stale_reason

log = logging.getLogger(__name__)

TIME_LIMIT_RANGE = (1.0, 3600.0)
MAX_LOTS_RANGE = (1, 1000)
HEARTBEAT_INTERVAL = 5.0
REASON_MAX = 500


# ---------------------------------------------------------------------------------------------
# Evaluation


def evaluation_of(session: Session, bid: Bid) -> BidEvaluation | None:
    """The bid's evaluation (None: not evaluated, which counts as responsive)."""
    return session.exec(select(BidEvaluation).where(BidEvaluation.bid_id == bid.id)).first()


def _check_evaluable(session: Session, bid: Bid) -> BidPackage:
    package = session.get(BidPackage, bid.package_id)
    if bid_opening.opening_of(session, package) is None:
        raise NotAllowed(f"The bids on {package.reference} are not opened yet; bids are "
                         "evaluated after the opening.")
    if bid.status != BidStatus.OPENED:
        raise NotAllowed("Only an opened bid can be evaluated; this bid is "
                         f"{bid.status.replace('_', ' ')}.")
    return package


def set_evaluation(session: Session, bid: Bid, user: User | None, *, responsive: bool,
                   reason: str = "") -> BidEvaluation:
    """Mark an opened bid responsive or not; a non-responsive bid needs a reason (flushed)."""
    package = _check_evaluable(session, bid)
    reason = (reason or "").strip()
    if not responsive and not reason:
        raise ServiceError("Give the reason the bid is not responsive (e.g. no Buy America "
                           "certification).")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"The reason is too long ({len(reason)} characters; at most "
                           f"{REASON_MAX}).")
    row = evaluation_of(session, bid)
    before = audit.snapshot(row, ("responsive", "reason")) if row else None
    if row is None:
        row = BidEvaluation.model_validate({"bid_id": bid.id})
    row.responsive, row.reason = bool(responsive), reason
    row.evaluated_by_id, row.evaluated_at = (user.id if user else None), utcnow()
    try:
        with session.begin_nested():  # the unique bid_id: of two first evaluations, one stays
            session.add(row)
            session.flush()
    except IntegrityError:
        raise ServiceError(f"Bid {bid.id} was evaluated by someone else meanwhile; reload the "
                           "page and try again.") from None
    vendor = session.get(Vendor, bid.vendor_id)
    verdict = "responsive" if responsive else f"not responsive ({reason})"
    audit.record(session, user=user, action="evaluate", entity="bid", entity_id=bid.id,
                 round_id=package.round_id, before=before,
                 after=audit.snapshot(row, ("responsive", "reason")),
                 summary=f"Bid {bid.id} of {vendor.name} on {package.reference}: {verdict}")
    return row


def clear_evaluation(session: Session, bid: Bid, user: User | None) -> bool:
    """Forget the bid's evaluation (it counts as responsive again); whether there was one."""
    package = _check_evaluable(session, bid)
    row = evaluation_of(session, bid)
    if row is None:
        return False
    before = audit.snapshot(row, ("responsive", "reason"))
    session.delete(row)
    session.flush()
    audit.record(session, user=user, action="evaluate", entity="bid", entity_id=bid.id,
                 round_id=package.round_id, before=before, after=None,
                 summary=f"Bid {bid.id} on {package.reference}: evaluation cleared")
    return True


def excluded_bids(session: Session, round_: Round) -> dict[int, str]:
    """Bid id -> reason, for the round's bids evaluated as not responsive."""
    rows = session.exec(select(BidEvaluation).join(Bid, Bid.id == BidEvaluation.bid_id)
                        .join(BidPackage, BidPackage.id == Bid.package_id)
                        .where(BidPackage.round_id == round_.id,
                               BidEvaluation.responsive == False)).all()  # noqa: E712
    return {row.bid_id: row.reason for row in rows}


def opened_bids(session: Session, round_: Round) -> list[dict]:
    """The round's opened bids for the evaluation table: package, vendor, lots priced, the
    evaluation (in package and vendor order). Empty before any opening."""
    rows = session.exec(select(Bid, BidPackage, Vendor)
                        .join(BidPackage, BidPackage.id == Bid.package_id)
                        .join(Vendor, Vendor.id == Bid.vendor_id)
                        .where(BidPackage.round_id == round_.id, Bid.status == BidStatus.OPENED)
                        .order_by(BidPackage.reference, Vendor.name)).all()
    evaluations = {e.bid_id: e for e in session.exec(select(BidEvaluation).where(
        BidEvaluation.bid_id.in_([bid.id for bid, _, _ in rows])))} if rows else {}
    priced: dict[int, int] = {}
    for package in {p.id: p for _, p, _ in rows}.values():
        opening = bid_opening.opening_of(session, package)
        for entry in (opening.tabulation["bids"] if opening else ()):
            priced[entry["bid_id"]] = len(entry["document"]["prices"])
    return [{"bid": bid, "package": package, "vendor": vendor, "lots": priced.get(bid.id, 0),
             "evaluation": evaluations.get(bid.id)} for bid, package, vendor in rows]


# ---------------------------------------------------------------------------------------------
# Award runs


def parameter_errors(max_lots_per_vendor: int | None, time_limit: float) -> list[str]:
    """What is wrong with an award run's parameters (empty when they are fine)."""
    errors = []
    low, high = TIME_LIMIT_RANGE
    if not low <= time_limit <= high:
        errors.append(f"The time limit must be between {low:g} and {high:g} seconds.")
    low, high = MAX_LOTS_RANGE
    if max_lots_per_vendor is not None and not low <= max_lots_per_vendor <= high:
        errors.append(f"The most lots per vendor must be between {low} and {high} (or empty "
                      "for no limit).")
    return errors


def build_problem(session: Session, round_: Round, max_lots_per_vendor: int | None) -> dict:
    """The award problem of the round's opened, responsive bids, checked by the optimizer."""
    from consortium.award import ProblemError, parse_award_problem

    problem = bid_export.award_problem(session, round_,
                                       exclude=frozenset(excluded_bids(session, round_)))
    if max_lots_per_vendor is not None:
        problem["max_lots_per_vendor"] = int(max_lots_per_vendor)
    if not problem["bids"]:
        raise ServiceError("No responsive opened bid is left, so there is nothing to award.")
    try:
        parse_award_problem(problem)
    except ProblemError as exc:
        raise ServiceError(f"The award problem is not valid: {exc}") from None
    return problem


def create_award_run(session: Session, round_: Round, user: User | None, *,
                     max_lots_per_vendor: int | None = None, time_limit: float = 60.0,
                     note: str = "") -> AwardRun:
    """A queued award run of the round with the problem it will solve (flushed)."""
    errors = parameter_errors(max_lots_per_vendor, float(time_limit))
    if errors:
        raise ServiceError(" ".join(errors))
    problem = build_problem(session, round_, max_lots_per_vendor)
    run = AwardRun.model_validate({
        "round_id": round_.id, "status": AwardRunStatus.QUEUED, "problem": problem,
        "max_lots_per_vendor": max_lots_per_vendor, "time_limit": float(time_limit),
        "progress": "Waiting for the worker", "note": (note or "")[:500],
        "created_by_id": user.id if user else None})
    session.add(run)
    session.flush()
    limit = max_lots_per_vendor if max_lots_per_vendor is not None else "no limit"
    audit.record(session, user=user, action="award_run", entity="awardrun", entity_id=run.id,
                 round_id=round_.id,
                 summary=f"Queued award run {run.id} of {round_.name} ({len(problem['bids'])} "
                         f"bids, {len(problem['lots'])} lots, lots per vendor: {limit}, time "
                         f"limit {time_limit:g} s)",
                 after=audit.snapshot(run, ("max_lots_per_vendor", "time_limit")))
    return run


def start_award_run(session: Session, round_: Round, user: User | None, *,
                    enqueue: Callable[[int], None], **params) -> AwardRun:
    """Create an award run and hand it to the job queue once the caller's transaction commits."""
    run = create_award_run(session, round_, user, **params)
    engine, run_id = session.get_bind(), run.id
    job_rows.hand_over(session, run_id, enqueue,
                       lambda error: _finish(engine, run_id, error=error), "award run")
    return run


def _progress(engine: Engine, run_id: int, text: str) -> None:
    job_rows.write_while(engine, AwardRun, run_id, AwardRunStatus.RUNNING, progress=text[:200],
                         heartbeat_at=utcnow())


def outcome_text(result: dict) -> str:
    """The solver's verdict on an award, in words: proven optimal, or stopped by the time limit
    with the gap it had reached."""
    if result.get("status") == "optimal":
        return "Done: optimal"
    return (f"Done: feasible, stopped by the time limit (gap {float(result.get('gap', 0)):.2%}); "
            "a longer time limit may find a cheaper award")


def _finish(engine: Engine, run_id: int, *, result: dict | None = None, error: str = "") -> bool:
    status = AwardRunStatus.FAILED if error else AwardRunStatus.SUCCEEDED
    return job_rows.finish(engine, AwardRun, run_id, status, result=result, error=error,
                           progress="Failed" if error else outcome_text(result),
                           finished_at=utcnow())


def execute_award_run(engine: Engine, run_id: int, *,
                      heartbeat_interval: float = HEARTBEAT_INTERVAL) -> str | None:
    """Solve a queued award run (the worker task and `consortium award` call this); returns the
    final status (None: no such run). The award optimizer's own status (optimal, feasible)
    is in the stored award file."""
    from consortium.award import ProblemError, optimize_award, parse_award_problem
    from consortium.award.result import award_to_dict

    with session_scope(engine) as session:
        run = session.get(AwardRun, run_id)
        if run is None or not allowed(run.status, AwardRunStatus.RUNNING):
            log.warning("award run %s is %s, not queued; skipped", run_id,
                        run.status if run else "missing")
            return run.status if run else None
        transition(run, AwardRunStatus.RUNNING, label=f"award run {run_id}")
        run.progress = "Checking the award problem"
        run.started_at = run.heartbeat_at = utcnow()
        session.add(run)
        problem_dict, time_limit = run.problem, run.time_limit

    def beat() -> None:
        job_rows.write_while(engine, AwardRun, run_id, AwardRunStatus.RUNNING,
                             heartbeat_at=utcnow())

    result, error = None, ""
    with job_rows.Heartbeat(beat, f"award-run-{run_id}-heartbeat", heartbeat_interval):
        try:
            problem = parse_award_problem(problem_dict)
            _progress(engine, run_id, f"Solving: {len(problem.lots)} lots, "
                                      f"{len(problem.bids)} bids (time limit {time_limit:g} s)")
            result = award_to_dict(optimize_award(problem, time_limit=time_limit))
        except ProblemError as exc:
            error = f"The award problem is not valid: {exc}"
        except Exception as exc:
            log.exception("award run %s failed", run_id)
            error = (f"The award optimizer stopped with an error: {job_rows.error_detail(exc)}. "
                     "Earlier runs are unchanged.")
    finished = _finish(engine, run_id, result=result, error=error)
    return job_rows.outcome(engine, AwardRun, run_id, finished, error)


def mark_stale_award_runs(session: Session, older_than: timedelta) -> int:
    """Fail award runs whose worker died (see job_rows.stale_rows); how many."""
    def audited(run: AwardRun, error: str) -> None:
        audit.record(session, user=None, action="fail", entity="awardrun", entity_id=run.id,
                     round_id=run.round_id, summary=f"Award run {run.id} marked failed: {error}")

    return job_rows.fail_stale(session, AwardRun, AwardRunStatus, older_than, stale_reason,
                               audited, progress="Failed")


def award_runs(session: Session, round_: Round) -> list[AwardRun]:
    """The round's award runs, newest first."""
    return list(session.exec(select(AwardRun).where(AwardRun.round_id == round_.id)
                             .order_by(AwardRun.id.desc())).all())


def approved_award_run(session: Session, round_: Round) -> AwardRun | None:
    """The round's approved award run, if any."""
    return session.exec(select(AwardRun).where(AwardRun.round_id == round_.id,
                                               AwardRun.approved_at.is_not(None))).first()


def approve_award_run(session: Session, run: AwardRun, user: User | None) -> AwardRun:
    """Approve a succeeded award run as the round's award: one per round, never replaced once
    published."""
    round_ = session.get(Round, run.round_id)
    if run.status != AwardRunStatus.SUCCEEDED or not run.result:
        raise NotAllowed("Only an award run that succeeded can be approved.")
    current = approved_award_run(session, round_)
    if current is not None and current.id == run.id:
        raise NotAllowed(f"Award run {run.id} is already the approved award of {round_.name}.")
    if current is not None and current.published_at is not None:
        raise NotAllowed(f"Award run {current.id} of {round_.name} is already published; its "
                         "award can no longer be replaced.")
    now = utcnow()
    try:
        with session.begin_nested():
            if current is not None:  # the approval moves: one approved run per round
                session.execute(update(AwardRun).where(AwardRun.id == current.id,
                                                       AwardRun.published_at.is_(None))
                                .values(approved_at=None, approved_by_id=None)
                                .execution_options(synchronize_session=False))
            result = session.execute(
                update(AwardRun).where(AwardRun.id == run.id, AwardRun.approved_at.is_(None),
                                       AwardRun.status == AwardRunStatus.SUCCEEDED)
                .values(approved_at=now, approved_by_id=user.id if user else None)
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise NotAllowed(f"Award run {run.id} is already approved.")
    except IntegrityError:  # another approval of the round won meanwhile
        raise NotAllowed(f"Another award run of {round_.name} was approved meanwhile; reload "
                         "and try again.") from None
    session.refresh(run)
    if current is not None:
        session.refresh(current)
    units, cost = run.result.get("awarded_units"), run.result.get("total_cost")
    audit.record(session, user=user, action="approve", entity="awardrun", entity_id=run.id,
                 round_id=round_.id,
                 before={"approved_award_run": current.id if current else None},
                 after={"approved_award_run": run.id},
                 summary=f"Approved award run {run.id} as the award of {round_.name} "
                         f"({units} units, total {cost})")
    return run
