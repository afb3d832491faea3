"""Security headers on every response and the user loader for Flask-Login."""

from __future__ import annotations

from flask import Flask, g
from flask_login import AnonymousUserMixin
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from consortium.models import User
from consortium.web.access import db
from consortium.web.guard import DB_INT_MAX
from consortium.web.extensions import login_manager

# No inline script anywhere: every script is a static file. Chart.js sets canvas sizes through
# the CSSOM, which style-src does not restrict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")

# The signed-in user's query, built once with the id bound per request: every request of a
# signed-in user runs it, and building it cost more than running it (session.get builds one).
# The session is new for each request, so this reads the row as session.get would.
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user of a session or remember-me cookie ("<id>.<session version>"), if the
    user still exists, is active and has not ended the session since (sign-out, password
    change or reset bump the version: services.accounts.end_sessions)."""
    try:
        raw_id, raw_version = str(user_id).split(".", 1)
        ident, version = int(raw_id), int(raw_version)
    except (TypeError, ValueError):
        return None
    if not (0 < ident <= DB_INT_MAX and 0 <= version <= DB_INT_MAX):
        return None
    try:
        user = db().execute(_USER_BY_ID, {"user_id": ident}).scalars().first()
    except SQLAlchemyError:
        # The database is unreachable: the rest of this request (its error page included)
        # sees an anonymous visitor rather than asking the database again.
        from consortium.web.errors import rollback_request_session
        rollback_request_session()
        g._login_user = AnonymousUserMixin()
        raise
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""
    app.after_request(_headers)
