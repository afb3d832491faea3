"""The web side of the access policy: the request's session, the guard each blueprint declares,
and the one helper that loads a row by id.

Who may do what is decided in `consortium.policy`; this module only applies it to requests:

- `guard(bp, AUDIENCE, view=OTHER_AUDIENCE, ...)`, called once where a blueprint is made, names
  who may open its pages (visitors are sent to sign in, other users get 403). An endpoint of a
  blueprint without a guard makes `create_app` fail (`check_guarded`).
- Every view that loads a row by id goes through `load_or_404`, so a user asking for a row that is
  not theirs gets the same 404 as for a row that does not exist.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, Flask, abort, current_app, g, request
from flask_login import current_user
from flask_login.config import EXEMPT_METHODS
from sqlmodel import Session, SQLModel

from consortium import policy
from consortium.policy import Audience

T = TypeVar("T", bound=SQLModel)
DB_INT_MAX = 2**31 - 1  # as consortium.web.guard

# {blueprint name: (its audience, {endpoint: another audience})}
_GUARDS: dict[str, tuple[Audience, dict[str, Audience]]] = {}
_APP_ENDPOINTS = {"static": policy.PUBLIC}  # Flask's own


def db() -> Session:
    """The session of the current request (one per request, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = Session(current_app.extensions["consortium.engine"], expire_on_commit=False)
    return g.db_session


def close_db(_exc=None) -> None:
    """Close the request's session, if one was opened."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def guard(bp: Blueprint, audience: Audience, **views: Audience) -> None:
    """Declare who may open `bp`'s pages: `audience`, except the views named as keywords
    (their function names), which are for the audience given with them."""
    if bp.name in _GUARDS:
        raise ValueError(f"the blueprint {bp.name} already has a guard")
    _GUARDS[bp.name] = (audience, {f"{bp.name}.{view}": a for view, a in views.items()})
    bp.before_request(_enforce)


def audience_of(endpoint: str) -> Audience | None:
    """The audience of an endpoint, as its blueprint's guard declares it (None: no guard)."""
    if endpoint in _APP_ENDPOINTS:
        return _APP_ENDPOINTS[endpoint]
    declared = _GUARDS.get(endpoint.rpartition(".")[0])
    if declared is None:
        return None
    default, views = declared
    return views.get(endpoint, default)


def check_guarded(app: Flask) -> None:
    """Refuse to build an app with an endpoint no guard covers, or a guard naming no view."""
    endpoints = set(app.view_functions)
    unguarded = sorted(e for e in endpoints if audience_of(e) is None)
    if unguarded:
        raise RuntimeError(f"endpoints without a guard (consortium.web.access.guard): {unguarded}")
    named = {e for _default, views in _GUARDS.values() for e in views}
    unknown = sorted(named - endpoints)
    if unknown:
        raise RuntimeError(f"guards name views that do not exist: {unknown}")


def _enforce():
    """Before every view of a guarded blueprint: sign in first, or 403, or on to the view."""
    audience = audience_of(request.endpoint or "")
    if audience is None:  # not reachable once check_guarded passed; deny rather than guess
        abort(403)
    verdict = policy.admits(audience, current_user, db())
    if verdict.allowed:
        return None
    if verdict.sign_in:
        if request.method in EXEMPT_METHODS:
            return None
        return current_app.login_manager.unauthorized()
    if verdict.not_found:
        abort(404)
    if verdict.reason:
        from consortium.web.errors import render_error
        return render_error(403, verdict.reason)
    abort(403)


def load_or_404(model: type[T], row_id, *, user=None, change: bool = False) -> T:
    """The `model` row with id `row_id` if the current user may see it (and, with `change`,
    change it), else abort: 404 when it is not theirs to see, 403 when they may only see it."""
    user = user or current_user
    try:
        row_id = int(row_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < row_id <= DB_INT_MAX:  # past the database's integer range: no such row
        abort(404)
    session = db()
    row = session.get(model, row_id)
    if row is None or not policy.can_see(user, row, session):
        abort(404)
    if change and not policy.can_change(user, row, session):
        abort(403)
    return row
