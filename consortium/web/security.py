"""Security headers on every response and the user loader for Flask-Login."""

from __future__ import annotations

from flask import Flask

from consortium.models import User
from consortium.web.access import db
from consortium.web.extensions import login_manager

# No inline script anywhere: every script is a static file. Chart.js sets canvas sizes through
# the CSSOM, which style-src does not restrict.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user of a session cookie, if it still exists and is active."""
    try:
        user = db().get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


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
