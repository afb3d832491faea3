"""Admin: the audit log, filterable by round, entity and user, with before/after differences."""

from __future__ import annotations

from flask import render_template, request
from sqlmodel import select

from consortium.models import AuditEntry, Round, User
from consortium.services.audit import changed_fields
from consortium.services.audit_chain import verify
from consortium.web.access import db
from consortium.web.pagination import paginate, sorted_query
from consortium.web.views.admin import bp

HIDDEN = {"updated_at", "password_hash"}
CHAIN_CHECKED = 2000  # the page checks the newest entries' chain; `consortium audit verify` all


def entry_changes(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for each field the entry changed (all fields of a create)."""
    before, after = entry.before or {}, entry.after or {}
    if before and after:
        keys = changed_fields(before, after)
    else:
        keys = sorted(before or after)
    return [(k, before.get(k) if before else None, after.get(k) if after else None)
            for k in keys if k not in HIDDEN]


@bp.route("/audit")
def audit():
    """Every recorded change, newest first; filter by round, entity, user or member."""
    session = db()
    query = select(AuditEntry)
    args = request.args
    if args.get("round", "").isdigit():
        query = query.where(AuditEntry.round_id == int(args["round"]))
    if entity := args.get("entity", ""):
        query = query.where(AuditEntry.entity == entity)
    if args.get("entity_id", "").isdigit():
        query = query.where(AuditEntry.entity_id == int(args["entity_id"]))
    if args.get("member", "").isdigit():
        query = query.where(AuditEntry.member_id == int(args["member"]))
    if user := args.get("user", "").strip():
        query = query.where(AuditEntry.user_email.ilike(f"%{user}%"))
    query = sorted_query(query, {"at": AuditEntry.at, "entity": AuditEntry.entity,
                                 "user": AuditEntry.user_email, "action": AuditEntry.action}, "-at")
    query = query.order_by(AuditEntry.id.desc())
    page = paginate(session, query)
    entities = session.exec(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    rounds = session.exec(select(Round).order_by(Round.deadline.desc())).all()
    users = {u.id: u for u in session.exec(select(User).where(
        User.id.in_({e.user_id for e in page.items if e.user_id})))} if page.items else {}
    return render_template("admin/audit.html", page=page, entities=entities, rounds=rounds,
                           rounds_by_id={r.id: r for r in rounds}, users=users,
                           changes={e.id: entry_changes(e) for e in page.items},
                           chain=verify(session.connection(), newest=CHAIN_CHECKED))
