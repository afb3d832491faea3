"""The progress partial that a job's page polls with htmx while the job is queued or running."""

from __future__ import annotations

from flask import Response, render_template, request


def progress_partial(template: str, done: bool, **context) -> Response:
    """`template` rendered with `context`; once the job is `done`, htmx is told to reload the
    page, which then shows the outcome."""
    response = Response(render_template(template, **context), mimetype="text/html")
    if done and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"
    return response
