"""Error pages in the app's layout (HTML) or as JSON for the API.

An error page never needs the database: the request's session is rolled back first (a failed
flush leaves it unusable), and when the database cannot be reached the page renders for an
anonymous visitor; if the layout itself fails, a plain page with the same message is sent.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account may not open this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than the server accepts."),
    500: ("Something went wrong", "The error has been logged. Please try again in a moment."),
    503: ("Temporarily unavailable", "The database cannot be reached right now. Nothing was "
                                     "changed; please try again in a few minutes."),
}


def rollback_request_session() -> None:
    """Roll back the request's database session, if any, whatever state it is in."""
    session = g.get("db_session")
    if session is None:
        return
    try:
        session.rollback()
    except Exception:  # the connection is gone: the session is closed at teardown anyway
        log.warning("rollback after an error failed", exc_info=True)


def _plain(code: int, title: str, text: str):
    html = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f" · Consortium</title><link rel=\"stylesheet\" href=\"/static/vendor/pico/pico.min.css\"></head>"
            f"<body><main class=\"container\"><h1>{escape(title)} <small>({code})</small></h1>"
            f"<p>{escape(text)}</p><p><a href=\"/\">Back to the start page</a></p></main>"
            "</body></html>")
    return html, code, {"Content-Type": "text/html; charset=utf-8"}


def render_error(code: int, message: str | None = None):
    """An error response: JSON under /api/, else the error page."""
    title, default = MESSAGES.get(code, ("Error", "Something went wrong."))
    text = message or default
    if request.path.startswith("/api/"):
        return {"error": title, "message": text}, code
    try:
        return render_template("errors/error.html", code=code, title=title, message=text), code
    except Exception:
        log.exception("the error page of a %s could not be rendered", code)
        rollback_request_session()
        return _plain(code, title, text)


def _message(exc: HTTPException) -> str | None:
    """The message given to abort(code, message), if any (not Werkzeug's generic text)."""
    description = getattr(exc, "description", None)
    return description if description and description != type(exc).description else None


def database_error(exc: SQLAlchemyError):
    """The 500 (or 503 when the database is unreachable) page for a database error; rolls back."""
    rollback_request_session()
    unreachable = isinstance(exc, (OperationalError, DisconnectionError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated)
    log.error("database error in %s %s", request.method, request.path, exc_info=exc)
    return render_error(503 if unreachable else 500)


def _server_error(exc):
    rollback_request_session()
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    for code in MESSAGES:
        if code != 500:
            app.register_error_handler(code, lambda e, code=code: render_error(code, _message(e)))
    app.register_error_handler(500, _server_error)
    app.register_error_handler(SQLAlchemyError, database_error)
    app.register_error_handler(
        CSRFError,
        lambda e: render_error(400, "The form expired or was not sent from this site. "
                                    "Reload the page and try again."),
    )
