"""The request's transaction: committed once after the view, or rolled back once.

Views and services only add and flush through `db()`. When the view has returned, the request
commits its session if the response is not an error (status below 400), then runs the callbacks
registered with `consortium.db.after_commit` (queueing a job that must see the committed rows);
an error response or an exception rolls everything back. A failed commit is logged, rolled back
and answered with the error page instead of the view's response; a callback that refuses after
the commit (a `ServiceError`, e.g. the job queue is down) has its message flashed on the page the
view sends the user to.

A view that shows a refusal from a service (a `ServiceError`) answers with an error status (409,
422, 429...), so that nothing the service may have flushed is kept; one that redirects after a
refusal calls `rollback_only()` first, for the same end.
"""

from __future__ import annotations

import logging

from flask import Flask, flash, g
from sqlalchemy.exc import SQLAlchemyError

from consortium.db import commit
from consortium.services.errors import ServiceError

log = logging.getLogger(__name__)


def rollback_only() -> None:
    """Roll the request's transaction back whatever the response (a refusal answered by a
    redirect)."""
    g.rollback_only = True


def finish_request(response):
    """Commit the request's session (success) or roll it back (error response, or a request
    marked `rollback_only`)."""
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400 or g.pop("rollback_only", False):
        session.rollback()
        return response
    try:
        commit(session)
    except SQLAlchemyError as exc:
        from consortium.web.errors import database_error
        return database_error(exc)
    except ServiceError as exc:  # committed; a follow-up step (after_commit) refused
        flash(str(exc), "error")
    return response


def init_app(app: Flask) -> None:
    """Register the commit-or-rollback step. Call it after the blueprints are registered: Flask
    runs after-request functions last-registered first, so the commit comes before any other
    after-request hook (the notifications blueprint hands committed emails to the queue)."""
    app.after_request(finish_request)
