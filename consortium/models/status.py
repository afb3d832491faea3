"""Every status a row can have, and the changes between them, in one place.

Each status is a `StrEnum` whose values are the strings stored today, so a member compares equal to
its string (templates may compare with either) and no data migration is needed. `TRANSITIONS`
lists, per enum, where each status may go; `transition(row, new)` is the only way a service changes
a status through the ORM, and refuses any other change with a message a user can act on.
Conditional UPDATEs (a worker claiming a run, the outbox claiming a message) use `sources(new)`,
so they follow the same table.

The four kinds of background job (optimizer runs, award runs, hint jobs, member-value jobs) share
`JobStatus`: the same states and the same changes.

Bid packages have no status: a package is published once, and its versions (0 the original, 1..
addenda) are append-only rows, never changed, so there is no transition to check.

A new stage adds its enum here (the bid stage: `BidStatus`, ...) with its row in `TRANSITIONS`,
its wording in `_VERBS` and a column typed `StatusType(BidStatus)`; the parametrised test in
tests/foundation/test_status.py then covers every allowed and forbidden change of it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from consortium.errors import NotAllowed


class RoundStatus(StrEnum):
    """A procurement round: drafted, open for demand, closed (demand frozen, ready to optimize)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class JobStatus(StrEnum):
    """A background job (an optimizer run, an award run, a hint job, a member-value job):
    waiting for the worker, working, done with its result, or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# The four job kinds have the same states and changes, so they share one enum; these names read
# better beside the row they describe.
RunStatus = AwardRunStatus = JobStatus


class VendorStatus(StrEnum):
    """A vendor's registration, as the admin decided it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class OutboxStatus(StrEnum):
    """An e-mail in the outbox: queued, being sent, sent, given up, or not sent (no SMTP)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNSENT = "unsent"


# Where each status may go. A status missing from a row's set is forbidden from there.
TRANSITIONS: dict[type[StrEnum], dict[StrEnum, frozenset[StrEnum]]] = {
    RoundStatus: {
        RoundStatus.DRAFT: frozenset({RoundStatus.OPEN}),
        RoundStatus.OPEN: frozenset({RoundStatus.CLOSED}),
        RoundStatus.CLOSED: frozenset(),
    },
    JobStatus: {
        # Failed straight from queued: no worker picked the job up (services.runs.mark_stale_runs).
        # A job's outcome never changes; computing member values again resets their job's row
        # (services.member_value.start_member_values), a new job in the one row a run has.
        JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED}),
        JobStatus.RUNNING: frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED}),
        JobStatus.SUCCEEDED: frozenset(),
        JobStatus.FAILED: frozenset(),
    },
    VendorStatus: {
        VendorStatus.PENDING: frozenset({VendorStatus.APPROVED, VendorStatus.REJECTED}),
        # A decision can be reversed when it was a mistake.
        VendorStatus.APPROVED: frozenset({VendorStatus.REJECTED}),
        VendorStatus.REJECTED: frozenset({VendorStatus.APPROVED}),
    },
    OutboxStatus: {
        OutboxStatus.QUEUED: frozenset({OutboxStatus.SENDING}),
        # After an attempt: sent, back to the queue for a retry, given up, or no SMTP configured.
        OutboxStatus.SENDING: frozenset({OutboxStatus.SENT, OutboxStatus.QUEUED,
                                         OutboxStatus.FAILED, OutboxStatus.UNSENT}),
        OutboxStatus.SENT: frozenset(),
        OutboxStatus.FAILED: frozenset(),
        OutboxStatus.UNSENT: frozenset(),
    },
}

# The words of the refusal: "Only a draft round can be opened; Fleet 2027 is still a draft."
_NOUNS = {RoundStatus: "round", JobStatus: "job", VendorStatus: "vendor", OutboxStatus: "message"}
# Jobs share one enum: their rows name themselves.
_ROW_NOUNS = {"Run": "run", "AwardRun": "award run", "HintJob": "hint job",
              "MemberValueJob": "member-value job"}
_VERBS = {
    RoundStatus.OPEN: "opened", RoundStatus.CLOSED: "closed",
    JobStatus.RUNNING: "started", JobStatus.SUCCEEDED: "finished", JobStatus.FAILED: "failed",
    VendorStatus.APPROVED: "approved", VendorStatus.REJECTED: "rejected",
    OutboxStatus.SENDING: "sent", OutboxStatus.SENT: "marked sent", OutboxStatus.QUEUED: "queued",
    OutboxStatus.FAILED: "marked failed", OutboxStatus.UNSENT: "marked unsent",
}
_STATES = {RoundStatus.DRAFT: "still a draft"}


class ForbiddenTransition(NotAllowed):
    """A status change the table does not allow; the message says what is allowed."""

    def __init__(self, message: str, current: StrEnum, new: StrEnum):
        super().__init__(message)
        self.current, self.new = current, new


def allowed(current: StrEnum | str, new: StrEnum) -> bool:
    """May a row in status `current` change to `new`?"""
    kind = type(new)
    return new in TRANSITIONS[kind].get(kind(current), frozenset())


def sources(new: StrEnum) -> tuple[StrEnum, ...]:
    """The statuses from which `new` may be reached (for conditional UPDATEs)."""
    return tuple(s for s, targets in TRANSITIONS[type(new)].items() if new in targets)


def terminal(kind: type[StrEnum]) -> tuple[StrEnum, ...]:
    """The statuses of `kind` that never change again."""
    return tuple(s for s, targets in TRANSITIONS[kind].items() if not targets)


def live(kind: type[StrEnum]) -> tuple[StrEnum, ...]:
    """The statuses of `kind` that may still change (a run queued or running)."""
    return tuple(s for s, targets in TRANSITIONS[kind].items() if targets)


# Templates see these by name.
ENUMS = {"RoundStatus": RoundStatus, "JobStatus": JobStatus, "RunStatus": RunStatus,
         "AwardRunStatus": AwardRunStatus, "VendorStatus": VendorStatus,
         "OutboxStatus": OutboxStatus}


def refusal(current: StrEnum | str, new: StrEnum, label: str, noun: str | None = None) -> str:
    """Why `label` (a row's name) may not go from `current` to `new`, in words."""
    kind = type(new)
    current = kind(current)
    starts = sources(new)
    noun = noun or _NOUNS.get(kind, kind.__name__.lower())
    state = f"already {new.value}" if current == new else _STATES.get(current, current.value)
    if not starts:
        return f"No {noun} can become {new}; {label} is {state}."
    names = " or ".join(s.value for s in starts)
    article = "an" if names[0] in "aeiou" else "a"
    return f"Only {article} {names} {noun} can be {_VERBS.get(new, new.value)}; {label} is {state}."


def transition(row, new: StrEnum, *, label: str | None = None, field: str = "status") -> None:
    """Set `row.<field>` to `new`, or raise ForbiddenTransition if the table does not allow it."""
    kind = type(new)
    current = kind(getattr(row, field))
    if not allowed(current, new):
        noun = _ROW_NOUNS.get(type(row).__name__) or _NOUNS.get(kind, kind.__name__[:-6].lower())
        label = label or getattr(row, "name", None) or f"{noun.capitalize()} {row.id}"
        raise ForbiddenTransition(refusal(current, new, label, noun), current, new)
    setattr(row, field, new)


class StatusType(TypeDecorator):
    """A status column: stored as its plain string (VARCHAR), read back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, kind: type[StrEnum], length: int):
        super().__init__(length)
        self.kind = kind

    def process_bind_param(self, value, dialect):
        # A plain string binds as itself: filtering by an unknown status finds nothing.
        return None if value is None else str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else self.kind(value)
