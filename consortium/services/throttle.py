"""Throttling of attempts per key with growing delays, counted atomically.

A key (e.g. an account and a client address) may make `free` attempts within `window`; each
attempt past that is allowed only after a delay that doubles every time (`delay`), up to the
window. Attempts are counted with one conditional UPDATE (compare-and-set on the row's
`version`), so of simultaneous attempts each is counted exactly once and none slips past the
limit: an attempt that loses the race is refused ("try again in a moment").

`count` is the plain counter beside it (sign-in failures per client address): each call adds to
the key's count in a fixed window with one `UPDATE ... RETURNING`, so simultaneous calls are all
counted and each sees its own total; none is refused for losing a race.

An attempt (and a count) is written in its own short transaction (like the run's progress writes), not in
the caller's: the count stays whatever the caller does next, even when the request that made
the attempt ends in an error and rolls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, literal, update
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import Throttle
from consortium.services.errors import ServiceError

KEY_MAX = 400


class Throttled(ServiceError):
    """The attempt is refused for now; `retry_after` says how many seconds to wait."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class Policy:
    """`free` attempts per `window`; past that a delay of `base` seconds, doubling each time."""

    free: int
    window: timedelta
    base: float

    def delay(self, attempts: int) -> timedelta:
        """How long the key waits after its `attempts`-th attempt (zero while within `free`)."""
        if attempts < self.free:
            return timedelta(0)
        seconds = self.base * 2 ** min(attempts - self.free, 30)
        return min(timedelta(seconds=seconds), self.window)


def _row(session: Session, scope: str, key: str) -> Throttle:
    query = select(Throttle).where(Throttle.scope == scope, Throttle.key == key)
    row = session.exec(query.execution_options(populate_existing=True)).first()
    if row is not None:
        return row
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # A simultaneous first attempt may create the row too: the unique key keeps one.
    session.execute(insert(Throttle).values(scope=scope, key=key, attempts=0, version=0,
                                            updated_at=utcnow())
                    .on_conflict_do_nothing(index_elements=["scope", "key"]))
    session.flush()
    return session.exec(query.execution_options(populate_existing=True)).one()


def attempt(session: Session, scope: str, key: str, policy: Policy,
            now: datetime | None = None) -> int:
    """Count one attempt for `key`, or raise Throttled; returns the attempts counted so far.

    Counted in a transaction of its own on `session`'s database (`session` itself is not
    used), committed before this returns, so the attempt stays counted whatever the caller does
    next.
    """
    now = now or utcnow()
    key = key[:KEY_MAX]
    with session_scope(session.get_bind()) as own:
        row = _row(own, scope, key)
        blocked = row.blocked_until
        if blocked is not None and blocked > now:
            wait = (blocked - now).total_seconds()
            raise Throttled(f"Too many attempts. Try again in {_human(wait)}.", wait)
        attempts = row.attempts
        if row.updated_at < now - policy.window:
            attempts = 0  # the earlier attempts are outside the window: start afresh
        attempts += 1
        delay = policy.delay(attempts)
        result = own.execute(
            update(Throttle).where(Throttle.id == row.id, Throttle.version == row.version)
            .values(attempts=attempts, version=row.version + 1, updated_at=now,
                    blocked_until=now + delay if delay else None)
            .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Throttled("Another attempt is being checked right now. Try again in a moment.", 1)
    return attempts


def count(session: Session, scope: str, key: str, window: timedelta, step: int = 1,
          now: datetime | None = None) -> int:
    """Add `step` to `key`'s count and return the new total, atomically, in a transaction of its
    own on `session`'s database (`session` itself is not used), committed before this returns.

    A window starts at the first count after the previous window ended (the row's `updated_at`
    is when the current window began), and the count starts afresh in it.
    """
    now = now or utcnow()
    key = key[:KEY_MAX]
    ended = Throttle.updated_at < literal(now - window, Throttle.updated_at.type)
    statement = (
        update(Throttle).where(Throttle.scope == scope, Throttle.key == key)
        .values(attempts=case((ended, max(step, 0)), else_=Throttle.attempts + step),
                updated_at=case((ended, literal(now, Throttle.updated_at.type)),
                                else_=Throttle.updated_at),
                version=Throttle.version + 1)
        .returning(Throttle.attempts).execution_options(synchronize_session=False))
    with session_scope(session.get_bind()) as own:
        total = own.execute(statement).scalar_one_or_none()
        if total is None:
            _row(own, scope, key)  # created by this call or a simultaneous one
            total = own.execute(statement).scalar_one()
    return total


def reset(session: Session, scope: str, key: str) -> None:
    """Forget the attempts of `key` (after a successful sign-in); flushed, not committed."""
    session.execute(update(Throttle).where(Throttle.scope == scope, Throttle.key == key[:KEY_MAX])
                    .values(attempts=0, blocked_until=None, version=Throttle.version + 1)
                    .execution_options(synchronize_session=False))


def _human(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"
