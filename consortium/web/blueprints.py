"""The list of blueprints: one per user group or area. Add new ones here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the app."""
    from consortium.web.views import admin, api, auth, demand, main, packages, results, runs, vendors
    from consortium.web.views import notices

    for module in (auth, main, admin, demand, runs, results, packages, vendors, api, notices):
        app.register_blueprint(module.bp)
