"""The append-only audit log: every change records who, when, what, before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event
from sqlmodel import Session, SQLModel

from consortium.models import AuditEntry, User


def snapshot(row: SQLModel, fields: tuple[str, ...] | None = None) -> dict:
    """The row's column values as JSON-safe data, for the `before`/`after` of an entry."""
    data = row.model_dump(include=set(fields) if fields else None)
    return {key: _json_safe(value) for key, value in data.items()}


def _json_safe(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def record(session: Session, *, user: User | None, action: str, entity: str, entity_id: int | None,
           summary: str = "", before: dict | None = None, after: dict | None = None,
           round_id: int | None = None, member_id: int | None = None) -> AuditEntry:
    """Add an audit entry to the session; the caller's use case commits it with the change."""
    entry = AuditEntry(
        user_id=user.id if user else None, user_email=user.email if user else "system",
        action=action, entity=entity, entity_id=entity_id, summary=summary[:500],
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        round_id=round_id, member_id=member_id,
    )
    session.add(entry)
    return entry


def changed_fields(before: dict, after: dict) -> list[str]:
    """The keys whose values differ between two snapshots."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, _flush_context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


# Entries are hash-chained when their transaction commits (the session hooks live there).
from consortium.services import audit_chain  # noqa: E402,F401
