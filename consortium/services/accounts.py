"""Accounts: creating users, signing in with failure limits, changing and resetting passwords."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import func, update
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from consortium.db import session_scope, utcnow
from consortium.models import (
    ROLES,
    LoginAttempt,
    Member,
    PasswordResetRequest,
    PasswordResetToken,
    User,
    Vendor,
)
from consortium.services import audit, notifications, throttle
from consortium.services.errors import ServiceError

MIN_PASSWORD_LENGTH = 10
RESET_LINK_LIFETIME = timedelta(hours=1)
# "Forgot password" requests per hour, counted by address typed (known or not) and by IP.
MAX_RESETS_PER_EMAIL = 3
MAX_RESETS_PER_IP = 10
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
                actor: User | None = None) -> User:
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
    return user


def check_password_strength(password: str) -> None:
    """The one password rule, as at creation: at least MIN_PASSWORD_LENGTH characters."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")


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
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    session.add(user)
    password_changed(session, user)


def password_changed(session: Session, user: User, *, by_admin: bool = False) -> None:
    """Everything that follows a password change: every session and remember-me cookie of the
    user ends, unused reset links end, the person is told.

    Called wherever a password changes (own change, reset link, admin's temporary password).
    """
    end_sessions(session, user)
    for token in session.exec(select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))).all():
        token.used_at = utcnow()
        session.add(token)
    who = "A consortium admin set a temporary password" if by_admin else "Your password was changed"
    notifications.notify(session, [user], kind="password_changed", in_app=False,
                         subject="Your Consortium password was changed", link="/login",
                         body=f"{who} for {user.email}. If this was not you, use \"Forgot your "
                              "password?\" on the sign-in page and tell the consortium.")


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """The user changes their own password; the current one is required (audited)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError("The current password is not right.")
    check_password_strength(new)
    if check_password_hash(user.password_hash, new):
        raise ServiceError("Choose a new password, not the current one.")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    audit.record(session, user=user, action="change_password", entity="user", entity_id=user.id,
                 member_id=user.member_id, summary=f"{user.email} changed their password")
    password_changed(session, user)
    session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(session: Session, *, email: str, ip: str,
                           now: datetime | None = None) -> None:
    """Send a single-use reset link to `email` if an active account has it; the same for any
    address (no way to learn which exist). Raises TooManyAttempts past the hourly limits.
    """
    now = now or utcnow()
    email = normalize_email(email)[:254]
    since = now - timedelta(hours=1)
    for column, value, limit in ((PasswordResetRequest.ip, ip[:64], MAX_RESETS_PER_IP),
                                 (PasswordResetRequest.email, email, MAX_RESETS_PER_EMAIL)):
        recent = session.exec(select(func.count()).select_from(PasswordResetRequest).where(
            column == value, PasswordResetRequest.at >= since)).one()
        if recent >= limit:
            raise TooManyAttempts("Too many password reset requests; try again in an hour.")
    session.add(PasswordResetRequest(at=now, ip=ip[:64], email=email))
    user = session.exec(select(User).where(User.email == email)).first()
    if user is not None and user.active:
        token = secrets.token_urlsafe(32)
        session.add(PasswordResetToken(user_id=user.id, token_hash=_token_hash(token),
                                       created_at=now, expires_at=now + RESET_LINK_LIFETIME))
        minutes = int(RESET_LINK_LIFETIME.total_seconds() // 60)
        notifications.notify(session, [user], kind="password_reset", in_app=False,
                             subject="Reset your Consortium password",
                             link=f"/reset-password/{token}",
                             body=f"Someone asked to reset the password of {user.email}. Open "
                                  f"the link below within {minutes} minutes to choose a new "
                                  "one; it works once. If it was not you, ignore this message.")
    session.flush()


def reset_token_user(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user a reset link belongs to, if the link is unused, unexpired and the user active."""
    row = session.exec(select(PasswordResetToken).where(
        PasswordResetToken.token_hash == _token_hash(token or ""))).first()
    if row is None or row.used_at is not None:
        return None
    if row.expires_at <= (now or utcnow()):
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def reset_password_with_token(session: Session, token: str, new: str,
                              now: datetime | None = None) -> User:
    """Set a new password through a reset link, which then no longer works (audited)."""
    user = reset_token_user(session, token, now)
    if user is None:
        raise ServiceError("This reset link is not valid: it was used already, has expired or "
                           "was never issued. Ask for a new one.")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    session.add(user)
    audit.record(session, user=user, action="reset_password", entity="user", entity_id=user.id,
                 member_id=user.member_id, summary=f"{user.email} reset their password by email link")
    password_changed(session, user)  # marks this link (and any other) used
    session.flush()
    return user


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
    counted (services.throttle). A client address is refused too once `max_per_ip` attempts
    (over any accounts) failed or were refused in its window: each attempt is counted against
    the address before its password is checked, atomically, and uncounted when it succeeds, so
    simultaneous guesses cannot all slip under the limit. Every checked attempt is recorded.
    """
    email = normalize_email(email)
    now = now or utcnow()
    window = timedelta(minutes=window_minutes)
    engine = session.get_bind()
    # The attempt is checked, counted and recorded in short transactions of its own, kept
    # whatever the request does next (a failed sign-in answers 401 and rolls back); the request's
    # own session is used only for a success, each step holding one connection at a time.
    if throttle.count(session, "login-ip", ip, window, now=now) > max_per_ip:
        raise TooManyAttempts(
            f"Too many failed sign-ins from your network. Try again in {window_minutes} minutes.")
    policy = throttle.Policy(free=max_per_account, window=window, base=delay_seconds)
    key = login_key(email, ip)
    try:
        throttle.attempt(session, "login", key, policy, now=now)
    except throttle.Throttled as exc:
        raise TooManyAttempts(f"Too many sign-in attempts for this account from your address. "
                              f"{exc}") from None
    with session_scope(engine) as own:
        found = own.exec(select(User.id, User.active, User.password_hash)
                         .where(User.email == email)).first()
    ok = bool(found and found.active and check_password_hash(found.password_hash, password))
    if not found:
        # Hash anyway so that response time does not reveal which emails exist.
        check_password_hash(_dummy_hash(), password)
    with session_scope(engine) as own:
        own.add(LoginAttempt(ip=ip[:64], email=email[:254], success=ok, at=now))
    if not ok:
        return None
    throttle.count(session, "login-ip", ip, window, step=-1, now=now)  # not a failure
    throttle.reset(session, "login", key)
    user = session.get(User, found.id)
    user.last_login_at = now
    session.add(user)
    return user


@cache
def _dummy_hash() -> str:
    return hash_password("not-a-real-password-0")
