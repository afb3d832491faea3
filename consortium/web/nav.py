"""The navigation bar per role; an entry shows only once its view exists.

Every page links the same stylesheets, scripts and menu entries: their URLs are built once per
app and script root (`fixed_url`) rather than routed again on each request. They hold no user
data: which entries a user sees is still decided per request.
"""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

NAV = {
    "admin": [
        ("admin.rounds", "Rounds"),
        ("admin.members", "Members"),
        ("admin.products", "Catalog"),
        ("admin.vendors", "Vendors"),
        ("packages.admin_index", "Packages"),
        ("award_notices.contracts", "Contracts"),
        ("admin.audit", "Audit log"),
        ("notifications.outbox", "Outbox"),
    ],
    "fleet_manager": [
        ("demand.dashboard", "My demand"),
        ("results.index", "Results"),
        ("award_notices.contracts", "Contracts"),
    ],
    "vendor": [
        ("vendors.packages", "Bid packages"),
        ("bids.mine", "My bids"),
        ("award_notices.vendor_results", "Award results"),
        ("award_notices.contracts", "Contracts"),
    ],
}


def has_view(endpoint: str) -> bool:
    """Whether the app has a view for `endpoint`."""
    return endpoint in current_app.view_functions


def link(endpoint: str, **values) -> str | None:
    """url_for(endpoint) when that view exists, else None (templates skip the link)."""
    return url_for(endpoint, **values) if has_view(endpoint) else None


def fixed_url(endpoint: str, filename: str | None = None) -> str:
    """url_for(endpoint) of a view without arguments (or of a static file), built once."""
    cache = current_app.extensions.setdefault("consortium.fixed_urls", {})
    key = (request.script_root, endpoint, filename)
    url = cache.get(key)
    if url is None:
        url = cache[key] = (url_for(endpoint, filename=filename) if filename is not None
                            else url_for(endpoint))
    return url


def static_url(filename: str) -> str:
    """url_for("static", filename=filename), built once."""
    return fixed_url("static", filename)


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
            items = [(fixed_url(e), label, e) for e, label in NAV.get(current_user.role, [])
                     if has_view(e) and _may_open(e)]
        return {"nav_items": items, "link": link, "has_view": has_view, "fixed_url": fixed_url,
                "static_url": static_url}
