"""The navigation bar per role; an entry shows only once its view exists."""

from __future__ import annotations

from flask import Flask, current_app, url_for
from flask_login import current_user

NAV = {
    "admin": [
        ("admin.rounds", "Rounds"),
        ("admin.members", "Members"),
        ("admin.products", "Catalog"),
        ("admin.vendors", "Vendors"),
        ("packages.admin_index", "Packages"),
        ("admin.audit", "Audit log"),
        ("notifications.outbox", "Outbox"),
    ],
    "fleet_manager": [
        ("demand.dashboard", "My demand"),
        ("results.index", "Results"),
    ],
    "vendor": [
        ("vendors.packages", "Bid packages"),
    ],
}


def has_view(endpoint: str) -> bool:
    """Whether the app has a view for `endpoint`."""
    return endpoint in current_app.view_functions


def link(endpoint: str, **values) -> str | None:
    """url_for(endpoint) when that view exists, else None (templates skip the link)."""
    return url_for(endpoint, **values) if has_view(endpoint) else None


def _may_open(endpoint: str) -> bool:
    """Show an entry only when its page's guard lets the user in (a vendor not yet approved
    would get a 403 from the vendor portal)."""
    from consortium import policy
    from consortium.web.access import audience_of, db
    audience = audience_of(endpoint)
    return audience is not None and policy.admits(audience, current_user, db()).allowed


def init_app(app: Flask) -> None:
    """Give templates the role's navigation and the `link` helper."""
    @app.context_processor
    def _nav():
        items = []
        if current_user.is_authenticated:
            items = [(url_for(e), label, e) for e, label in NAV.get(current_user.role, [])
                     if has_view(e) and _may_open(e)]
        return {"nav_items": items, "link": link, "has_view": has_view}
