"""Member value of a run: start the background job, execute it in a worker, read its figures.

For each member of a succeeded run, the job solves the run's problem without that member's
lines (optimizer.value), with the run's own settings, and stores the figures on one
`MemberValueJob` row per run. Admins see every member's figures; a fleet manager only its own
member's, for the round's approved plan.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import MemberValueJob, Run, User
from consortium.models.status import JobStatus, RunStatus, allowed, terminal, transition
from consortium.services import audit, job_rows
from consortium.services.runs import solve_params
from consortium.services.errors import NotAllowed, ServiceError

log = logging.getLogger(__name__)


class ValueQueueUnreachable(ServiceError):
    """The job queue refused a committed member-value job; the job is marked failed."""

Progress = Callable[[str, int, int], None]
PROGRESS_INTERVAL = 0.5
HEARTBEAT_INTERVAL = 5.0
TERMINAL = terminal(JobStatus)


def job_for_run(session: Session, run_id: int) -> MemberValueJob | None:
    """The run's member-value job, if one was ever started."""
    return session.exec(select(MemberValueJob).where(MemberValueJob.run_id == run_id)).first()


def start_member_values(session: Session, run: Run, user: User | None, *,
                        enqueue: Callable[[int], None]) -> MemberValueJob:
    """Queue (or re-queue) the member-value job of a succeeded run; committed, then enqueued."""
    if run.status != RunStatus.SUCCEEDED or not run.plan:
        raise NotAllowed("Member values need a run that succeeded.")
    job = job_for_run(session, run.id)
    fresh = {"status": JobStatus.QUEUED, "stage": "queued", "progress_done": 0, "progress_total": 0,
             "figures": None, "error": "", "created_by_id": user.id if user else None,
             "created_at": utcnow(), "started_at": None, "heartbeat_at": None,
             "finished_at": None}
    if job is None:
        job = MemberValueJob.model_validate({"run_id": run.id, **fresh})
        session.add(job)
        try:
            session.flush()
        except IntegrityError:  # another admin started it a moment ago
            session.rollback()
            raise NotAllowed(f"The member values of run {run.id} are being computed.") from None
    else:
        # Conditional: of two simultaneous restarts only one re-queues the job.
        result = session.execute(
            update(MemberValueJob).where(MemberValueJob.id == job.id,
                                         MemberValueJob.status.in_(TERMINAL))
            .values(**fresh).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            session.rollback()
            raise NotAllowed(f"The member values of run {run.id} are being computed.")
    audit.record(session, user=user, action="member_value", entity="run", entity_id=run.id,
                 round_id=run.round_id, summary=f"Queued the member values of run {run.id}")
    session.flush()
    session.refresh(job)
    engine, job_id = session.get_bind(), job.id
    job_rows.hand_over(session, job_id, enqueue,
                       lambda error: _finish(engine, job_id, error=error), "member values",
                       raises=ValueQueueUnreachable,
                       refusal="The job queue could not be reached; nothing was started.",
                       again="try again")
    return job


def _write(engine: Engine, job_id: int, **values) -> None:
    job_rows.write_while(engine, MemberValueJob, job_id, JobStatus.RUNNING, **values)


class _ProgressWriter:
    """member_values' progress callback: stage and counts, in short transactions."""

    def __init__(self, engine: Engine, job_id: int, echo: Progress | None):
        self.engine, self.job_id, self.echo = engine, job_id, echo
        self.last_write = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.echo is not None:
            self.echo(stage, done, total)
        now = time.monotonic()
        if now - self.last_write < PROGRESS_INTERVAL and 1 < done < total:
            return
        self.last_write = now
        _write(self.engine, self.job_id, stage=stage[:40], progress_done=int(done),
               progress_total=int(total), heartbeat_at=utcnow())


def _finish(engine: Engine, job_id: int, *, figures: list | None = None, error: str = "") -> bool:
    """Store the outcome unless the job already has one (it was marked stale meanwhile)."""
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    return job_rows.finish(engine, MemberValueJob, job_id, status, error=error, figures=figures,
                           stage="failed" if error else "done", finished_at=utcnow())


def execute_member_values(engine: Engine, job_id: int, *, progress: Progress | None = None,
                          heartbeat_interval: float = HEARTBEAT_INTERVAL) -> str | None:
    """Compute a queued job's figures: the worker task and `consortium member-value` call this.

    Returns the final status (None when there is no such job)."""
    from consortium import optimizer
    from consortium.optimizer.value import member_values

    with session_scope(engine) as session:
        job = session.get(MemberValueJob, job_id)
        if job is None or not allowed(job.status, JobStatus.RUNNING):
            return job.status if job else None
        run = session.get(Run, job.run_id)
        transition(job, JobStatus.RUNNING)
        job.stage = "member"
        job.started_at = job.heartbeat_at = utcnow()
        session.add(job)
        problem, plan = run.problem, run.plan
        params = solve_params(run)
    figures, error = None, ""
    with job_rows.Heartbeat(lambda: _write(engine, job_id, heartbeat_at=utcnow()),
                            f"member-values-{job_id}-heartbeat", heartbeat_interval):
        try:
            values = member_values(optimizer.parse_problem(problem),
                                   base=optimizer.plan_from_dict(plan),
                                   progress=_ProgressWriter(engine, job_id, progress), **params)
            figures = [v.to_dict() for v in values]
        except Exception as exc:
            log.exception("member values %s failed", job_id)
            error = f"The member values could not be computed: {job_rows.error_detail(exc)}."
    finished = _finish(engine, job_id, figures=figures, error=error)
    return job_rows.outcome(engine, MemberValueJob, job_id, finished, error)


def mark_stale_jobs(session: Session, older_than: timedelta) -> int:
    """Fail jobs whose worker stopped: no sign of life for `older_than`. Returns how many."""

    def reason(status: JobStatus, minutes: int) -> str:
        if status == JobStatus.QUEUED:
            return (f"No worker picked this up within {minutes} minutes. Start the worker and try "
                    "again.")
        return (f"The worker stopped while computing (no progress for {minutes} minutes). "
                "Try again.")

    return job_rows.fail_silent(session, MemberValueJob, older_than, reason, stage="failed")


def progress_text(job: MemberValueJob) -> str:
    """`Solving without member 3 of 7`, for the progress line."""
    if job.status == JobStatus.QUEUED:
        return "Waiting for the worker"
    if job.status != JobStatus.RUNNING:
        return job.status.capitalize()
    if job.stage == "member" and job.progress_total:
        return f"Solving without member {max(job.progress_done, 1)} of {job.progress_total}"
    return "Starting"


def member_figures(job: MemberValueJob | None, member_name: str) -> dict | None:
    """One member's figures from a succeeded job (None when there are none)."""
    if job is None or job.status != JobStatus.SUCCEEDED:
        return None
    return next((f for f in job.figures or [] if f["member"] == member_name), None)
