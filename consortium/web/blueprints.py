"""The list of blueprints: one per user group or area. Add new ones here; each declares its
guard (`consortium.web.access.guard`) where it is made, and the app refuses to start without."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

# Modules that add routes to a blueprint made in another module (demand.bp, admin.bp): imported
# here, not by the blueprint's module, so that no two modules import each other.
ROUTE_MODULES = ("demand_csv", "admin.audit", "admin.members", "admin.products", "admin.rounds",
                 "admin.vendors", "bids_csv", "tabulation")


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the app."""
    from consortium.web.access import check_guarded
    from consortium.web.views import (account, admin, api, auth, award_notices, awards, bids,
                                      demand, hints, main, member_value, notices, notifications,
                                      packages, questions, results, runs, scenarios, vendors)
    for name in ROUTE_MODULES:
        import_module(f"consortium.web.views.{name}")

    for module in (auth, main, admin, demand, runs, hints, results, packages, vendors, bids, api,
                   account, notifications, notices, scenarios, member_value, questions, awards,
                   award_notices):
        app.register_blueprint(module.bp)
    check_guarded(app)
