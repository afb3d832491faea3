"""The list of blueprints: one per user group or area. Add new ones here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the app."""
    from consortium.web.views import (account, admin, api, auth, demand, main, member_value,
                                      notices, notifications, packages, results, runs,
                                      scenarios, vendors)

    for module in (auth, main, admin, demand, runs, results, packages, vendors, api, account,
                   notifications, notices, scenarios, member_value):
        app.register_blueprint(module.bp)
