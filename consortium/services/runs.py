"""Optimizer runs: create and queue a run, execute it in a worker, fail dead runs, approve one.

A run is a database row: its parameters, the problem it solved (built when it was queued, so the
run is reproducible), its progress while the worker solves, and the plan or a clear error. A run
never changes its round; only an admin's approval points the round at a run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import Round, Run, ScenarioRun, User
from consortium.models.status import RoundStatus, RunStatus, allowed, sources, transition
from consortium.optimizer.progress import Stage
from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS
from consortium.services import audit, job_rows, notifications
from consortium.services.job_rows import QueueUnreachable  # noqa: F401  (raised by the edge)
from consortium.services.errors import NotAllowed, ServiceError

log = logging.getLogger(__name__)

TIME_LIMIT_RANGE = (1.0, 3600.0)
GAP_RANGE = (0.0, 0.5)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes within one stage
HEARTBEAT_INTERVAL = 5.0  # seconds between "still alive" writes during a long solve

Progress = Callable[[str, int, int], None]


class InvalidProblem(ServiceError):
    """The round's problem would be refused by the optimizer; `errors` lists (field, reason)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        listed = "; ".join(f"{path}: {reason}" if path else reason for path, reason in self.errors)
        super().__init__(f"The round cannot be optimized as it is: {listed}")


def parameter_errors(time_limit: float, gap: float, solver: str) -> list[str]:
    """What is wrong with the solve parameters (empty when they are fine)."""
    errors = []
    low, high = TIME_LIMIT_RANGE
    if not low <= time_limit <= high:
        errors.append(f"The time limit must be between {low:g} and {high:g} seconds.")
    low, high = GAP_RANGE
    if not low <= gap <= high:
        errors.append(f"The gap must be between {low:g} and {high:g} (0.01 is 1%).")
    if solver not in SOLVERS:
        errors.append(f"The solver must be one of {', '.join(SOLVERS)}.")
    return errors


def check_problem(problem: dict) -> None:
    """Refuse a problem the optimizer would refuse, or one with nothing to place."""
    from consortium.optimizer import ProblemError, parse_problem

    try:
        parse_problem(problem)
    except ProblemError as exc:
        raise InvalidProblem(exc.errors) from None
    if not problem.get("demand"):
        raise ServiceError("The round has no demand lines, so there is nothing to optimize.")


def create_run(session: Session, round_: Round, user: User | None, *, time_limit: float = 60.0,
               gap: float = 1e-6, fairness: bool = True, solver: str = DEFAULT_SOLVER,
               note: str = "") -> Run:
    """A queued run of a closed round, with the problem it will solve (flushed)."""
    from consortium.services.problem import build_problem

    if round_.status != RoundStatus.CLOSED:
        raise NotAllowed(f"Close the round before running the optimizer (it is {round_.status}).")
    errors = parameter_errors(time_limit, gap, solver)
    if errors:
        raise ServiceError(" ".join(errors))
    problem = build_problem(session, round_)
    check_problem(problem)
    run = Run.model_validate({
        "round_id": round_.id, "status": RunStatus.QUEUED, "stage": RunStatus.QUEUED,
        "time_limit": float(time_limit), "gap": float(gap), "fairness": bool(fairness),
        "solver": solver, "problem": problem, "note": note[:500],
        "created_by_id": user.id if user else None,
    })
    session.add(run)
    session.flush()
    audit.record(session, user=user, action="run", entity="run", entity_id=run.id,
                 round_id=round_.id,
                 summary=f"Queued optimizer run {run.id} of {round_.name} (time limit "
                         f"{time_limit:g} s, gap {gap:g}, fairness {'on' if fairness else 'off'}, "
                         f"{solver})",
                 after=audit.snapshot(run, ("time_limit", "gap", "fairness", "solver")))
    return run


def enqueue_run(session: Session, round_: Round, user: User | None, *, enqueue: Callable[[int], None],
                **params) -> Run:
    """Create a run (see `create_run`) and hand it to the job queue once the caller's transaction
    commits (see `queue_run`)."""
    return queue_run(session, create_run(session, round_, user, **params), enqueue)


def queue_run(session: Session, run: Run, enqueue: Callable[[int], None]) -> Run:
    """Once the caller's transaction commits, hand the queued `run` to the job queue via
    `enqueue(run_id)` (so the worker always finds the committed row).

    When the queue cannot be reached, the run is marked failed (it must not look queued forever)
    and the edge's commit raises `QueueUnreachable` after committing.
    """
    engine, run_id = session.get_bind(), run.id
    job_rows.hand_over(session, run_id, enqueue,
                       lambda error: _finish(engine, run_id, error=error), "run")
    return run


class _ProgressWriter:
    """The optimizer's progress callback: writes stage and counts in short transactions."""

    def __init__(self, engine: Engine, run_id: int, echo: Progress | None):
        self.engine, self.run_id, self.echo = engine, run_id, echo
        self.seen: set[str] = set()
        self.last_write = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.echo is not None:
            self.echo(stage, done, total)
        now = time.monotonic()
        # At most every PROGRESS_INTERVAL, but never skip the start or end of a stage.
        if stage in self.seen and now - self.last_write < PROGRESS_INTERVAL and done < total:
            return
        self.seen.add(stage)
        self.last_write = now
        _write(self.engine, self.run_id, stage=stage[:40], progress_done=int(done),
               progress_total=int(total), heartbeat_at=utcnow())


def _write(engine: Engine, run_id: int, **values) -> None:
    with engine.begin() as conn:
        conn.execute(update(Run).where(Run.id == run_id, Run.status == RunStatus.RUNNING)
                     .values(**values))


def _finish(engine: Engine, run_id: int, *, plan: dict | None = None, error: str = "") -> bool:
    """Store a run's outcome unless it already has one; False when the late result is discarded.

    One conditional UPDATE, so a run marked failed (its worker paused past the stale limit)
    stays failed when the worker resumes and reports.
    """
    status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
    values = {"status": status, "error": error, "plan": plan,
              "stage": RunStatus.FAILED if error else Stage.DONE, "finished_at": utcnow()}
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None:
            return False
        if plan is not None:
            values["progress_done"] = values["progress_total"] = max(run.progress_total, 1)
        result = session.execute(update(Run).where(Run.id == run_id,
                                                  Run.status.in_(sources(status)))
                                 .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        log.warning("run %s already finished (%s); its late %s result was discarded",
                    run_id, run.status, values["status"])
        return False
    return True


def solve_params(run: Run) -> dict:
    """The run's solve settings, as the optimizer's keyword arguments (hints and member values
    re-solve with the same ones)."""
    return {"time_limit": run.time_limit, "gap": run.gap, "fairness": run.fairness,
            "solver": run.solver}


def execute_run(engine: Engine, run_id: int, *, progress: Progress | None = None,
                heartbeat_interval: float = HEARTBEAT_INTERVAL) -> str | None:
    """Solve a queued run: the worker task and `consortium run` both call this.

    Marks the run running, calls the optimizer with a progress callback, and stores the plan
    (succeeded) or a clear error (failed). Returns the final status (None: no such run).
    """
    from consortium import optimizer

    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None or not allowed(run.status, RunStatus.RUNNING):
            log.warning("run %s is %s, not queued; skipped", run_id, run.status if run else "missing")
            return run.status if run else None
        transition(run, RunStatus.RUNNING)
        run.stage = Stage.VALIDATE
        run.started_at = run.heartbeat_at = utcnow()
        session.add(run)
        params = solve_params(run)
        problem_dict = run.problem
    plan, error = None, ""
    with job_rows.Heartbeat(lambda: _write(engine, run_id, heartbeat_at=utcnow()),
                            f"run-{run_id}-heartbeat", heartbeat_interval):
        try:
            problem = optimizer.parse_problem(problem_dict)
            plan = optimizer.optimize(problem, progress=_ProgressWriter(engine, run_id, progress),
                                      **params).to_dict()
        except optimizer.ProblemError as exc:
            error = str(InvalidProblem(exc.errors))
        except Exception as exc:
            log.exception("optimizer run %s failed", run_id)
            error = (f"The optimizer stopped with an error: {job_rows.error_detail(exc)}. "
                     "Earlier runs are unchanged.")
    finished = _finish(engine, run_id, plan=plan, error=error)
    return job_rows.outcome(engine, Run, run_id, finished, error)


def stale_reason(minutes: int, status: str) -> str:
    """The error a run gets when its worker stopped."""
    if status == RunStatus.QUEUED:
        return (f"No worker picked this run up within {minutes} minutes. Start the worker "
                "(consortium worker, or consortium serve) and run it again.")
    return (f"The worker stopped while solving (no progress for {minutes} minutes). "
            "Run it again.")


def mark_stale_runs(session: Session, older_than: timedelta) -> int:
    """Fail runs whose worker died: 'running' without a heartbeat for `older_than`, and
    'queued' for longer than that while no worker shows any sign of life. Returns how many."""
    def audited(run: Run, error: str) -> None:
        audit.record(session, user=None, action="fail", entity="run", entity_id=run.id,
                     round_id=run.round_id, summary=f"Run {run.id} marked failed: {error}")

    return job_rows.fail_stale(session, Run, RunStatus, older_than, stale_reason, audited,
                               stage=RunStatus.FAILED)


def approve_run(session: Session, run: Run, user: User | None) -> Round:
    """Make a succeeded run the round's approved plan (replacing any earlier approval).

    `user` is None when approved from the command line (`consortium runs approve`)."""
    round_ = session.get(Round, run.round_id)
    if is_scenario_run(session, run.id):
        raise NotAllowed(f"Run {run.id} is a scenario's run: a what-if, which can never be "
                         "approved or published.")
    if run.status != RunStatus.SUCCEEDED or not run.plan:
        raise NotAllowed("Only a run that succeeded can be approved.")
    if round_.status != RoundStatus.CLOSED:
        raise NotAllowed("Only a plan of a closed round can be approved.")
    if round_.approved_run_id == run.id:
        raise NotAllowed(f"Run {run.id} is already the approved plan of this round.")
    before = audit.snapshot(round_, ("approved_run_id",))
    # One conditional UPDATE: of simultaneous approvals of the same run only one changes the
    # round (and writes the audit entry); the others see it already approved.
    result = session.execute(
        update(Round).where(Round.id == round_.id, Round.status == RoundStatus.CLOSED,
                            or_(Round.approved_run_id.is_(None), Round.approved_run_id != run.id))
        .values(approved_run_id=run.id).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # nothing was changed: the caller's edge rolls back
        raise NotAllowed(f"Run {run.id} is already the approved plan of this round.")
    session.refresh(round_)
    run.approved_at, run.approved_by_id = utcnow(), user.id if user else None
    session.add(run)
    audit.record(session, user=user, action="approve", entity="round", entity_id=round_.id,
                 round_id=round_.id, before=before, after=audit.snapshot(round_, ("approved_run_id",)),
                 summary=f"Approved run {run.id} as the plan of {round_.name}")
    notifications.plan_approved(session, round_)
    return round_


def scenario_run_ids():
    """A subquery of the ids of scenarios' runs (what-ifs, never the round's own runs)."""
    return select(ScenarioRun.run_id)


def is_scenario_run(session: Session, run_id: int) -> bool:
    """Whether the run belongs to a scenario (and so can never be approved or published)."""
    link = session.exec(select(ScenarioRun.id).where(ScenarioRun.run_id == run_id)).first()
    return link is not None


def runs_query(round_: Round):
    """The runs of a round (scenarios' runs left out), unordered (the caller sorts them)."""
    return select(Run).where(Run.round_id == round_.id, Run.id.not_in(scenario_run_ids()))
