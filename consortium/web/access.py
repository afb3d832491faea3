"""Who may see what: the request's session, role checks and the one object-access helper.

Every view that loads a row by id goes through `load_or_404`, so a user asking for a row that is
not theirs gets the same 404 as for a row that does not exist.
"""

from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort, current_app, g
from flask_login import current_user, login_required
from sqlmodel import Session, SQLModel

from consortium.models import (
    AuditEntry,
    BidPackage,
    DemandLine,
    Download,
    Member,
    Notification,
    PackageFile,
    PackageVersion,
    PriceTier,
    Product,
    Round,
    Run,
    User,
    Vendor,
)

T = TypeVar("T", bound=SQLModel)
DB_INT_MAX = 2**31 - 1  # as consortium.web.guard


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


def roles_required(*roles: str):
    """View decorator: signed in, and with one of `roles` (else 403)."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def admin_or_404(view):
    """View decorator for admin pages whose very existence is not for other roles (scenarios,
    member values): signed in, and an admin, else 404 as for a row that does not exist."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(404)
        return view(*args, **kwargs)
    return wrapped


def _package_published(session: Session, package_id: int) -> bool:
    from sqlmodel import select
    return session.exec(select(PackageVersion.id).where(PackageVersion.package_id == package_id)).first() is not None


def can_see(user: User, row: SQLModel, session: Session) -> bool:
    """Whether `user` may see `row`. Admins see everything; others only what is theirs."""
    if isinstance(row, Notification):  # personal, even for admins
        return row.user_id == user.id
    if user.is_admin:
        return True
    if user.is_fleet_manager:
        if isinstance(row, (DemandLine, AuditEntry)):
            return row.member_id == user.member_id
        if isinstance(row, Member):
            return row.id == user.member_id
        if isinstance(row, User):
            return row.id == user.id
        if isinstance(row, (Round, Product, PriceTier)):
            return not isinstance(row, Round) or row.status != "draft"
        if isinstance(row, Run):
            # Fleet managers see only the approved plan of a round, through their own views.
            round_ = session.get(Round, row.round_id)
            return round_ is not None and round_.approved_run_id == row.id
        return False
    if user.is_vendor:
        if isinstance(row, Vendor):
            return row.id == user.vendor_id
        if isinstance(row, User):
            return row.id == user.id
        if isinstance(row, Download):
            return row.vendor_id == user.vendor_id
        if isinstance(row, BidPackage):
            return _package_published(session, row.id)
        if isinstance(row, (PackageVersion, PackageFile)):
            return True  # versions and files exist only once published
        if isinstance(row, Product):
            return True
        return False
    return False


def load_or_404(model: type[T], row_id, *, user: User | None = None) -> T:
    """The `model` row with id `row_id` if the current user may see it, else abort with 404."""
    user = user or current_user
    try:
        row_id = int(row_id)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < row_id <= DB_INT_MAX:  # past the database's integer range: no such row
        abort(404)
    session = db()
    row = session.get(model, row_id)
    if row is None or not getattr(user, "is_authenticated", False) or not can_see(user, row, session):
        abort(404)
    return row
