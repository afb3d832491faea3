"""Error pages in the app's layout (HTML) or as JSON for the API."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: ("Bad request", "The request could not be understood."),
    403: ("Not allowed", "Your account may not open this page."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than the server accepts."),
    500: ("Something went wrong", "The error has been logged. Please try again in a moment."),
}


def render_error(code: int, message: str | None = None):
    """An error response: JSON under /api/, else the error page."""
    title, default = MESSAGES.get(code, ("Error", "Something went wrong."))
    text = message or default
    if request.path.startswith("/api/"):
        return {"error": title, "message": text}, code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    for code in MESSAGES:
        app.register_error_handler(code, lambda e, code=code: render_error(code))
    app.register_error_handler(
        CSRFError,
        lambda e: render_error(400, "The form expired or was not sent from this site. "
                                    "Reload the page and try again."),
    )
