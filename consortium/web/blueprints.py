"""The list of blueprints: one per user group or area. Add new ones here."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every blueprint of the app."""
    from consortium.web.views import auth, main, results, runs

    for module in (auth, main, runs, results):
        app.register_blueprint(module.bp)
