"""Rows a background job works on (optimizer runs, award runs): the plumbing they share.

Such a row is queued in a request, handed to the job queue once that request commits, marked
running by the worker, kept alive by a heartbeat while one long solve gives no progress, and
finished once: a conditional UPDATE from the statuses that may lead to the outcome, so a row
already marked failed (its worker paused past the stale limit) keeps that status when the
worker resumes and reports.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from consortium.db import after_commit, session_scope, utcnow
from consortium.models.status import JobStatus, live, sources
from consortium.services.errors import ServiceError

log = logging.getLogger(__name__)


class QueueUnreachable(ServiceError):
    """The job queue refused a committed row; the row is marked failed with the reason."""


def unreachable_error(exc: Exception, again: str = "run again") -> str:
    """The error a row gets when the job queue could not take it."""
    return (f"The job queue could not be reached ({exc.__class__.__name__}). Check REDIS_URL "
            f"and the worker, then {again}.")


def hand_over(session: Session, row_id: int, enqueue: Callable[[int], None],
              fail: Callable[[str], object], what: str, *,
              raises: type[ServiceError] = QueueUnreachable, refusal: str | None = None,
              again: str = "run again") -> None:
    """Once the caller's transaction commits, `enqueue(row_id)` (so the worker finds the
    committed row). When the queue cannot be reached, `fail(error)` marks the row failed (it
    must not look queued forever) and the edge's commit raises `raises` (with `refusal`)."""

    def hand() -> None:
        try:
            enqueue(row_id)
        except Exception as exc:
            log.exception("could not queue %s %s", what, row_id)
            fail(unreachable_error(exc, again))
            raise raises(refusal or f"The job queue could not be reached; the {what} was not "
                         "started.") from exc

    after_commit(session, hand)


class Heartbeat(threading.Thread):
    """Calls `beat()` every `interval` seconds until stopped (a solve's "still alive" mark); as
    a context manager, for as long as its block runs."""

    def __init__(self, beat: Callable[[], None], name: str, interval: float):
        super().__init__(name=name, daemon=True)
        self.beat, self.interval = beat, interval
        self.stopped = threading.Event()

    def __enter__(self) -> Heartbeat:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopped.set()
        self.join()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.beat()
            except Exception:  # a busy database must not kill the solve; the next beat retries
                log.warning("%s failed", self.name, exc_info=True)


def write_while(engine: Engine, model: type[SQLModel], row_id: int, status: StrEnum,
                **values) -> None:
    """Set `values` on the row, in a transaction of its own, only while it is in `status`."""
    with engine.begin() as conn:
        conn.execute(update(model).where(model.id == row_id, model.status == status)
                     .values(**values))


def finish(engine: Engine, model: type[SQLModel], row_id: int, status: StrEnum,
           **values) -> bool:
    """Move the row to the final `status` with `values`, unless it already has an outcome;
    False when nothing changed (the late result is discarded)."""
    with engine.begin() as conn:
        result = conn.execute(update(model).where(model.id == row_id,
                                                  model.status.in_(sources(status)))
                              .values(status=status, **values))
    if result.rowcount != 1:
        log.warning("%s %s already finished; its late %s result was discarded",
                    model.__name__, row_id, status)
        return False
    return True


def error_detail(exc: Exception) -> str:
    """What went wrong, for a row's error: the first line of the exception's message (its class
    name when it has none)."""
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else exc.__class__.__name__


def outcome(engine: Engine, model: type[SQLModel], row_id: int, finished: bool,
            error: str) -> StrEnum | None:
    """The status a worker reports once it is done: failed or succeeded when its outcome was
    stored (`finished`), else the status the row already had (None: no such row)."""
    if finished:
        return JobStatus.FAILED if error else JobStatus.SUCCEEDED
    with session_scope(engine) as session:
        row = session.get(model, row_id)
        return row.status if row else None


def stale_rows(session: Session, model: type[SQLModel], kind: type[StrEnum],
               older_than: timedelta) -> list:
    """Rows whose worker died: running without a heartbeat for `older_than`, and queued for
    longer than that while no worker shows any sign of life (no row of `model` is alive)."""
    cutoff = utcnow() - older_than
    running = session.exec(select(model).where(model.status == kind.RUNNING)).all()
    stale = [r for r in running if (r.heartbeat_at or r.started_at or r.created_at) < cutoff]
    if len(running) == len(stale):
        stale += session.exec(select(model).where(model.status == kind.QUEUED,
                                                  model.created_at < cutoff)).all()
    return stale


def fail_stale(session: Session, model: type[SQLModel], kind: type[StrEnum],
               older_than: timedelta, reason: Callable[[int, StrEnum], str],
               on_failed: Callable[[SQLModel, str], None], **values) -> int:
    """Fail the rows `stale_rows` finds, each with `reason(minutes, its status)` unless it
    changed status meanwhile (a run that finished keeps its result), calling
    `on_failed(row, error)` for each one failed (its audit entry); how many were failed."""
    minutes = max(1, round(older_than.total_seconds() / 60))
    stale = stale_rows(session, model, kind, older_than)
    failed = 0
    for row in stale:
        error = reason(minutes, row.status)
        if not fail_if_still(session, model, row, error, **values):
            continue
        failed += 1
        on_failed(row, error)
    if stale:
        session.flush()
        for row in stale:
            session.refresh(row)
    return failed


def fail_silent(session: Session, model: type[SQLModel], older_than: timedelta,
                reason: Callable[[StrEnum, int], str], **values) -> int:
    """Fail the queued or running rows that gave no sign of life for `older_than`, each with
    `reason(its status, minutes)`, unless it changed status meanwhile; how many were failed."""
    cutoff = utcnow() - older_than
    minutes = max(1, round(older_than.total_seconds() / 60))
    rows = session.exec(select(model).where(model.status.in_(live(JobStatus)))).all()
    failed = 0
    for row in rows:
        if (row.heartbeat_at or row.started_at or row.created_at) < cutoff:
            failed += fail_if_still(session, model, row, reason(row.status, minutes), **values)
    session.flush()
    if failed:
        for row in rows:
            session.refresh(row)
    return failed


def fail_if_still(session: Session, model: type[SQLModel], row, error: str, **values) -> bool:
    """Mark `row` failed with `error` unless it changed status meanwhile; whether it did."""
    result = session.execute(
        update(model).where(model.id == row.id, model.status == row.status)
        .values(status=JobStatus.FAILED, error=error, finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1
