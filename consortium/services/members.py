"""Members (cities, agencies) and their fleet managers: create, edit, deactivate, invite."""

from __future__ import annotations

import secrets

from pydantic import ValidationError
from sqlmodel import Session, select

from consortium.models import Member, MemberBase, User
from consortium.services import accounts, audit, notifications
from consortium.services.editing import FieldErrors, check_version, field_errors_from, fingerprint
from consortium.services.errors import NotAllowed, ServiceError

MEMBER_FIELDS = ("name", "state", "country", "delivery_address", "contact_email", "active")


def member_state(member: Member) -> dict:
    """The member's fields, for the audit log and the edit form's version."""
    return audit.snapshot(member, MEMBER_FIELDS)


def member_version(member: Member) -> str:
    """The edit form's version token for `member`."""
    return fingerprint(member_state(member))


def _check(session: Session, data: dict, member: Member | None) -> dict:
    data = {**data, "name": (data.get("name") or "").strip()}
    try:
        clean = MemberBase.model_validate(data).model_dump(include=set(MEMBER_FIELDS))
    except ValidationError as exc:
        raise field_errors_from(exc) from exc
    clash = session.exec(select(Member).where(Member.name == clean["name"])).first()
    if clash is not None and (member is None or clash.id != member.id):
        raise FieldErrors({"name": [f"A member named {clean['name']} already exists."]})
    return clean


def create_member(session: Session, *, data: dict, actor: User | None) -> Member:
    """Add a member (city or agency) to the consortium (audited)."""
    member = Member.model_validate(_check(session, data, None))
    session.add(member)
    session.flush()
    audit.record(session, user=actor, action="create", entity="member", entity_id=member.id,
                 member_id=member.id, summary=f"created member {member.name}",
                 after=member_state(member))
    return member


def update_member(session: Session, member: Member, *, data: dict, actor: User | None,
                  version: str | None = None) -> Member:
    """Change a member's details; refused if someone saved it since `version`."""
    before = member_state(member)
    check_version(version, before, "member")
    clean = _check(session, {**before, **data}, member)
    for key, value in clean.items():
        setattr(member, key, value)
    session.add(member)
    after = member_state(member)
    audit.record(session, user=actor, action="update", entity="member", entity_id=member.id,
                 member_id=member.id, before=before, after=after,
                 summary=f"updated member {member.name}: "
                         f"{', '.join(audit.changed_fields(before, after)) or 'no change'}")
    return member


def member_users(session: Session, member: Member) -> list[User]:
    """The member's users (fleet managers), by email."""
    return list(session.exec(select(User).where(User.member_id == member.id).order_by(User.email)))


def set_member_active(session: Session, member: Member, *, active: bool, actor: User | None) -> Member:
    """Deactivate (or reactivate) a member; its fleet managers' sign-in follows (audited).

    Demand lines stay: past rounds keep their history.
    """
    if member.active == active:
        raise NotAllowed(f"{member.name} is already {'active' if active else 'inactive'}.")
    before = member_state(member)
    member.active = active
    session.add(member)
    for user in member_users(session, member):
        if user.active != active:
            user_before = audit.snapshot(user, ("email", "role", "active"))
            user.active = active
            session.add(user)
            audit.record(session, user=actor, action="update", entity="user", entity_id=user.id,
                         member_id=member.id, before=user_before,
                         after=audit.snapshot(user, ("email", "role", "active")),
                         summary=f"{'reactivated' if active else 'deactivated'} {user.email} "
                                 f"with member {member.name}")
    audit.record(session, user=actor, action="activate" if active else "deactivate",
                 entity="member", entity_id=member.id, member_id=member.id, before=before,
                 after=member_state(member),
                 summary=f"{'reactivated' if active else 'deactivated'} member {member.name}")
    return member


def temporary_password() -> str:
    """A random password to hand over once (the person should change it)."""
    return secrets.token_urlsafe(12)


def create_fleet_manager(session: Session, member: Member, *, email: str, name: str = "",
                         password: str | None = None, actor: User | None) -> tuple[User, str]:
    """A fleet manager for `member`, with `password` or a temporary one; returns (user, password)."""
    if not member.active:
        raise NotAllowed(f"{member.name} is inactive; reactivate it before adding users.")
    password = password or temporary_password()
    try:
        user = accounts.create_user(session, email=email, password=password, role="fleet_manager",
                                    name=name, member=member, actor=actor)
    except ServiceError as exc:
        field = "password" if "password" in str(exc) else "email"
        raise FieldErrors({field: [str(exc)]}) from exc
    # accounts.create_user records the entry without the member; add the member's own trace.
    audit.record(session, user=actor, action="invite", entity="user", entity_id=user.id,
                 member_id=member.id, summary=f"added fleet manager {user.email} to {member.name}",
                 after=audit.snapshot(user, ("email", "name", "role", "member_id", "active")))
    user.must_change_password = True  # the admin knows it: the person chooses their own first
    session.add(user)
    notifications.account_created(session, user, temporary_password=True)
    return user, password


def reset_password(session: Session, member: Member, user: User, *,
                   actor: User | None) -> str:
    """Give one of the member's users a new temporary password (audited, never recorded)."""
    if user.member_id != member.id:
        raise NotAllowed(f"{user.email} is not a user of {member.name}.")
    password = temporary_password()
    user.password_hash = accounts.hash_password(password)
    user.must_change_password = True
    session.add(user)
    accounts.end_sessions(session, user)  # the old password's sessions end with it
    audit.record(session, user=actor, action="reset_password", entity="user", entity_id=user.id,
                 member_id=member.id, summary=f"set a new temporary password for {user.email}")
    accounts.password_changed(session, user, by_admin=True)
    return password
