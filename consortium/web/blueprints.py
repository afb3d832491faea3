"""The list of blueprints: one per user group or area. Add new ones here; each declares its
guard (`consortium.web.access.guard`) where it is made, and the app refuses to start without."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the app."""
    from consortium.web.access import check_guarded
    from consortium.web.views import (account, admin, api, auth, demand, main, notices,
                                      notifications, packages, results, runs, vendors)
    # Modules that add routes to a blueprint made elsewhere (demand.bp, admin.bp):
    from consortium.web.views import demand_csv  # noqa: F401
    from consortium.web.views.admin import audit, members, products, rounds, vendors  # noqa: F401

    for module in (auth, main, admin, demand, runs, results, packages, vendors, api, account,
                   notifications, notices):
        app.register_blueprint(module.bp)
    check_guarded(app)
