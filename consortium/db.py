"""Engine and session handling: one session per web request or background job.

The transaction rule: services add and flush, never commit. The edge commits once or rolls back
once: the web request (consortium.web.transaction) and, outside a request, `session_scope` (CLI
commands, jobs). Work that must happen only once the rows are committed (queueing a job that
reads them) is registered with `after_commit(session, callback)`; the edge runs it after its
commit, and drops it on rollback.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import event
from sqlalchemy.engine import Engine, Result
from sqlmodel import Session, create_engine


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: every timestamp in the database is UTC."""
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the worker write while the web app reads; the busy timeout waits out short locks;
    # SQLite leaves foreign keys off unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get their folder created and the pragmas set."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


_AFTER_COMMIT = "consortium.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback()` once the edge has committed `session`'s transaction (never on rollback)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def commit(session: Session) -> None:
    """The edge's commit: commit `session`, then run the callbacks registered with `after_commit`.

    Only the edges call this (the request, `session_scope`); services flush. A callback that
    raises does not stop the others; the first failure is raised once they have all run.
    """
    session.commit()
    failure = None
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception as exc:  # the others still run; the first failure is raised after them
            failure = failure or exc
    if failure is not None:
        raise failure


def plain_rows(session: Session, query, params: dict | None = None) -> Result:
    """The result of a query of columns (not whole objects), run on the session's connection:
    the same rows as `session.exec` without the ORM's work per statement, which costs more than
    the query itself on the pages every user loads. Pending changes are flushed first.
    `params`: values of the query's `bindparam`s (for statements built once, at import)."""
    session.flush()
    return session.connection().execute(query, params)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work outside a request (CLI command, job): commits once when the block ends,
    or rolls back once when it raises."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
