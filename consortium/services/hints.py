"""Hints of an optimizer run: start them, compute them in a worker, show them to the right people.

A hint job is a row: the run it belongs to, the threshold, its progress while the worker computes,
and the hints file (docs/hints.md) or a clear error. Admins see every hint and the largest
savings; a fleet manager sees the hints of its own member's lines only, and only from the latest
job of the round that an admin made visible.
"""

from __future__ import annotations

import logging
import time
from fractions import Fraction

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import HintJob, Product, Round, Run, User
from consortium.models.status import JobStatus, RunStatus, allowed, transition
from consortium.services import audit, job_rows
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.runs import is_scenario_run, scenario_run_ids, solve_params

log = logging.getLogger(__name__)

THRESHOLD_RANGE = (0.0, 1e12)
PROGRESS_INTERVAL = 0.5
KIND_TEXT = {
    "widen_earlier": "Widen the window to start in {value}",
    "widen_later": "Widen the window to end in {value}",
    "options": "Accept {value}",
    "splittable": "Mark the line splittable",
    "price_cap": "Raise the price cap to {value}",
    "next_tier": "Accept delivery in {value}, where the tranche reaches the next tier",
    "quantity": "Order {value} units",
}


def create_hint_job(session: Session, run: Run, user: User | None, *,
                    threshold: float = 1.0) -> HintJob:
    """A queued hint job for a succeeded run (flushed)."""
    if run.status != RunStatus.SUCCEEDED or not run.plan:
        raise NotAllowed("Hints need a run that succeeded.")
    low, high = THRESHOLD_RANGE
    if not low <= float(threshold) <= high:
        raise ServiceError("The threshold must be an amount of 0 or more.")
    job = HintJob(run_id=run.id, threshold=float(threshold),
                  created_by_id=user.id if user else None)
    session.add(job)
    session.flush()
    audit.record(session, user=user, action="hints", entity="run", entity_id=run.id,
                 round_id=run.round_id,
                 summary=f"Queued hints {job.id} for run {run.id} (threshold {threshold:g})")
    return job


class HintQueueUnreachable(ServiceError):
    """The job queue refused a committed hint job; the job is marked failed with the reason."""


def enqueue_hints(session: Session, run: Run, user: User | None, *, enqueue, **params) -> HintJob:
    """Create a hint job; once the caller's transaction commits, it is handed to the queue via
    `enqueue(job_id)` (so the worker finds the committed row). A queue that cannot be reached
    marks the job failed, and the edge's commit raises `HintQueueUnreachable`."""
    job = create_hint_job(session, run, user, **params)
    engine, job_id = session.get_bind(), job.id
    job_rows.hand_over(session, job_id, enqueue,
                       lambda error: _finish(engine, job_id, error=error), "hints",
                       raises=HintQueueUnreachable,
                       refusal="The job queue could not be reached; hints were not started.",
                       again="start again")
    return job


def _write(engine: Engine, job_id: int, **values) -> None:
    job_rows.write_while(engine, HintJob, job_id, JobStatus.RUNNING, **values)


def _finish(engine: Engine, job_id: int, *, result: dict | None = None, error: str = "") -> bool:
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    return job_rows.finish(engine, HintJob, job_id, status, error=error, result=result,
                           stage="failed" if error else "done", finished_at=utcnow())


def catalog_options(session: Session, problem: dict) -> dict[str, dict[str, list]]:
    """product code -> option -> the values the catalogue offers, for the problem's products."""
    codes = [p["code"] for p in problem.get("products", [])]
    rows = session.exec(select(Product).where(Product.code.in_(codes))).all() if codes else []
    return {p.code: {k: list(v) for k, v in (p.options or {}).items()} for p in rows}


def execute_hints(engine: Engine, job_id: int) -> str | None:
    """Compute a queued hint job (the worker task calls this); returns the final status."""
    from consortium.optimizer import ProblemError, parse_problem, plan_from_dict
    from consortium.optimizer.hints import compute_hints

    with session_scope(engine) as session:
        job = session.get(HintJob, job_id)
        if job is None or not allowed(job.status, JobStatus.RUNNING):
            return job.status if job else None
        run = session.get(Run, job.run_id)
        transition(job, JobStatus.RUNNING)
        job.stage = "hints"
        job.started_at = job.heartbeat_at = utcnow()
        session.add(job)
        problem, plan = run.problem, run.plan
        params = solve_params(run)
        threshold = job.threshold
        options = catalog_options(session, problem)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_INTERVAL:
            return
        last[0] = now
        _write(engine, job_id, progress_done=done, progress_total=total, heartbeat_at=utcnow())

    result, error = None, ""
    try:
        value = int(threshold) if float(threshold).is_integer() else threshold
        report = compute_hints(parse_problem(problem), threshold=value, option_values=options,
                               base_plan=plan_from_dict(plan), progress=progress, **params)
        result = report.to_dict()
    except ProblemError as exc:
        error = f"The run's problem is invalid: {exc}"
    except Exception as exc:
        log.exception("hints %s failed", job_id)
        error = f"Computing hints stopped with an error: {job_rows.error_detail(exc)}."
    finished = _finish(engine, job_id, result=result, error=error)
    return job_rows.outcome(engine, HintJob, job_id, finished, error)


def set_visible(session: Session, job: HintJob, user: User, visible: bool) -> HintJob:
    """Show (or hide) a job's hints to fleet managers."""
    if visible and job.status != JobStatus.SUCCEEDED:
        raise NotAllowed("Only hints that finished can be shown to fleet managers.")
    if visible and is_scenario_run(session, job.run_id):
        raise NotAllowed("These are hints of a scenario's run, a what-if: they are never shown "
                         "to fleet managers.")
    before = audit.snapshot(job, ("visible",))
    job.visible = bool(visible)
    session.add(job)
    run = session.get(Run, job.run_id)
    audit.record(session, user=user, action="hints_visible", entity="hintjob", entity_id=job.id,
                 round_id=run.round_id if run else None, before=before,
                 after=audit.snapshot(job, ("visible",)),
                 summary=f"{'Showed' if visible else 'Hid'} hints {job.id} of run {job.run_id} "
                         "to fleet managers")
    return job


# Built once, the round's id bound on each call (a statement holds no data and never changes):
# on the fleet round page, which every city opens again and again, building this query cost
# three times what running it does.
_VISIBLE_JOB = (
    select(HintJob).join(Run, Run.id == HintJob.run_id)
    .where(Run.round_id == bindparam("round_id"), HintJob.visible.is_(True),
           HintJob.status == JobStatus.SUCCEEDED, Run.id.not_in(scenario_run_ids()))
    .order_by(HintJob.run_id.desc(), HintJob.id.desc()).limit(1))


def visible_job(session: Session, round_: Round) -> HintJob | None:
    """The latest visible, finished hint job of the round's runs (None if there is none)."""
    return session.exec(_VISIBLE_JOB, params={"round_id": round_.id}).first()


def describe(hint: dict) -> str:
    """The change of a hint in words."""
    value = hint["change"]["value"]
    if hint["kind"] == "options":
        value = ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    elif hint["kind"] == "price_cap":
        value = f"{value:,}"
    return KIND_TEXT.get(hint["kind"], "{value}").format(value=value)


def member_hints(result: dict | None, member_name: str) -> dict[str, dict]:
    """The member's own line ref -> its entry (placed, reason, hints), for its lines only.

    Problem-file ids of refs that other members share are qualified ("<ref>@<member>"); the keys
    are the member's own refs, as its round page shows them."""
    from consortium.services.run_results import line_ref
    return {line_ref(entry["line"], member_name): entry for entry in (result or {}).get("lines", [])
            if entry["member"] == member_name}


def _saving(hint: dict) -> Fraction:
    from consortium.optimizer.money import exact
    return max(Fraction(0), -exact(hint["consortium_cost_delta"]))


def largest_savings(result: dict | None, count: int = 10) -> list[dict]:
    """The hints that lower the consortium's total the most, largest first."""
    hints = [h for h in (result or {}).get("hints", []) if _saving(h) > 0]
    hints.sort(key=lambda h: (-_saving(h), h["line"]))
    return hints[:count]


# Built once (the run page asks on every view); `result`, a whole hints file, is not read.
_JOBS_OF_RUN = (select(HintJob).options(defer(HintJob.result))
                .where(HintJob.run_id == bindparam("run_id")).order_by(HintJob.id.desc()))


def jobs_of_run(session: Session, run: Run) -> list[HintJob]:
    """The run's hint jobs, newest first (without their results)."""
    return list(session.exec(_JOBS_OF_RUN, params={"run_id": run.id}).all())


def mark_stale_hints(session: Session, older_than) -> int:
    """Fail hint jobs whose worker died: running without a sign of life, or queued, for longer
    than `older_than` (a timedelta). Returns how many."""

    def reason(status: JobStatus, minutes: int) -> str:
        if status == JobStatus.QUEUED:
            return (f"No worker picked these hints up within {minutes} minutes; start the worker "
                    "and compute them again.")
        return (f"The worker stopped while computing hints (no progress for {minutes} minutes). "
                "Compute them again.")

    return job_rows.fail_silent(session, HintJob, older_than, reason, stage="failed")
