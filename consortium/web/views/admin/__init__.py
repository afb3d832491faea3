"""The admin blueprint: members, catalog, vendors, rounds, demand overview and the audit log.

Every page in the package is for admins (the guard below); the modules share this Blueprint and
are imported by web/blueprints.py, which registers it.
"""

from __future__ import annotations

from flask import Blueprint, flash

from consortium.policy import ADMIN
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict
from consortium.web.access import guard

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, ADMIN)


def show_field_errors(form, exc: FieldErrors) -> None:
    """Put a service's field errors beside the form's fields (others as a flash message)."""
    aliases = {"periods": ("periods", "first_quarter")}
    for name, messages in exc.errors.items():
        if name == "tiers" and hasattr(form, "tier_errors"):
            form.tier_errors = list(form.tier_errors or []) + messages
            continue
        target = next((getattr(form, n) for n in aliases.get(name, (name,)) if hasattr(form, n)), None)
        if target is None or name == "version":
            flash(f"{name.replace('_', ' ').capitalize()}: {' '.join(messages)}", "error")
        else:
            target.errors = list(target.errors or []) + messages
    flash("Nothing was saved: please correct the fields marked below.", "error")


def show_conflict(form, exc: Conflict, version: str) -> dict:
    """Refuse a stale save: keep the person's input, show the newer values, arm the new version."""
    flash(str(exc), "error")
    form.version.data = version
    return {k: v for k, v in exc.current.items() if k not in ("updated_at",)}
