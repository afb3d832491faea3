"""Accounts: creating users, signing in with failure limits, vendor sign-up."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import func, update
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from consortium.db import utcnow
from consortium.models import ROLES, LoginAttempt, Member, User, Vendor
from consortium.services import audit, throttle
from consortium.services.errors import ServiceError

MIN_PASSWORD_LENGTH = 10
# scrypt is Werkzeug's default slow KDF; naming it keeps hashes stable across Werkzeug releases.
PASSWORD_METHOD = "scrypt"


class TooManyAttempts(ServiceError):
    """Sign-in refused because of too many recent failures."""


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def create_user(session: Session, *, email: str, password: str, role: str, name: str = "",
                member: Member | None = None, vendor: Vendor | None = None,
                actor: User | None = None, commit: bool = True) -> User:
    """Create a user with a role; fleet managers belong to a member, vendors to a vendor."""
    email = normalize_email(email)
    if role not in ROLES:
        raise ServiceError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if role == "fleet_manager" and member is None:
        raise ServiceError("A fleet manager must belong to a member.")
    if role == "vendor" and vendor is None:
        raise ServiceError("A vendor user must belong to a vendor.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if session.exec(select(User).where(User.email == email)).first():
        raise ServiceError(f"A user with the email {email} already exists.")
    user = User.model_validate({
        "email": email, "name": name, "role": role,
        "member_id": member.id if role == "fleet_manager" else None,
        "vendor_id": vendor.id if role == "vendor" else None,
    }, update={"password_hash": hash_password(password)})
    session.add(user)
    session.flush()
    audit.record(session, user=actor, action="create", entity="user", entity_id=user.id,
                 summary=f"created {role} {email}", after={"email": email, "role": role,
                                                           "member_id": user.member_id,
                                                           "vendor_id": user.vendor_id})
    if commit:
        session.commit()
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember-me cookie of `user` (sign-out, password change, reset).

    The user's session version is part of each cookie (User.get_id) and checked on every
    request, so bumping it makes all earlier cookies invalid. Flushed; the caller commits.
    """
    session.execute(update(User).where(User.id == user.id)
                    .values(session_version=User.session_version + 1)
                    .execution_options(synchronize_session=False))
    session.flush()
    session.refresh(user)


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password (same length rule as at creation); ends the user's sessions."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session, user)
    session.commit()


def _recent_failures(session: Session, column, value: str, since) -> int:
    query = select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    return session.exec(query).one()


def login_key(email: str, ip: str) -> str:
    """The throttle key of sign-ins to one account from one client address."""
    return f"{normalize_email(email)[:254]}|{ip[:64]}"


def authenticate(session: Session, *, email: str, password: str, ip: str, max_per_account: int,
                 max_per_ip: int, window_minutes: int, delay_seconds: float = 30.0,
                 now=None) -> User | None:
    """The user for these credentials, or None; raises TooManyAttempts when throttled.

    Throttled per account and client address: `max_per_account` attempts are free, then each
    further attempt waits a delay that doubles (from `delay_seconds`); a success clears it. So
    failures from elsewhere never lock the real user out, and simultaneous guesses are each
    counted (services.throttle). A client address with `max_per_ip` failures in the window
    (over any accounts) is refused too. Every attempt is recorded.
    """
    email = normalize_email(email)
    now = now or utcnow()
    window = timedelta(minutes=window_minutes)
    if _recent_failures(session, LoginAttempt.ip, ip, now - window) >= max_per_ip:
        raise TooManyAttempts(
            f"Too many failed sign-ins from your network. Try again in {window_minutes} minutes.")
    policy = throttle.Policy(free=max_per_account, window=window, base=delay_seconds)
    key = login_key(email, ip)
    try:
        throttle.attempt(session, "login", key, policy, now=now)
    except throttle.Throttled as exc:
        raise TooManyAttempts(f"Too many sign-in attempts for this account from your address. "
                              f"{exc}") from None
    user = session.exec(select(User).where(User.email == email)).first()
    ok = bool(user and user.active and check_password_hash(user.password_hash, password))
    if not user:
        # Hash anyway so that response time does not reveal which emails exist.
        check_password_hash(_dummy_hash(), password)
    session.add(LoginAttempt(ip=ip[:64], email=email[:254], success=ok, at=now))
    if ok:
        throttle.reset(session, "login", key)
        user.last_login_at = now
        session.add(user)
    session.commit()
    return user if ok else None


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-0")
