"""Helpers shared by the admin edit use cases: field errors and the optimistic version check.

Members, vendors, products and rounds have no version column, so an edit form carries a
fingerprint of the row as it was shown; a save whose fingerprint no longer matches is refused
with the newer values, and nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import ValidationError

from consortium.services.audit import _json_safe
from consortium.services.errors import Conflict, ServiceError


class FieldErrors(ServiceError):
    """Bad input: `errors` maps a field name to its messages, for display beside the field."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {k: list(v) for k, v in errors.items() if v}
        text = "; ".join(m for messages in self.errors.values() for m in messages)
        super().__init__(f"Please correct the form: {text}")


def fingerprint(state: dict) -> str:
    """A short, stable hash of a row's state (its snapshot), used as the edit form's version."""
    text = json.dumps(_json_safe(state), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_version(expected: str | None, state: dict, what: str) -> None:
    """Refuse the save (Conflict, with the newer values) if the row changed since `expected`."""
    if expected and expected != fingerprint(state):
        raise Conflict(
            f"Someone else changed this {what} after you opened the form. Your changes were not "
            "saved; the newer values are shown below. Review them and save again.",
            current=_json_safe(state))


def field_errors_from(exc: ValidationError) -> FieldErrors:
    """Pydantic validation errors as FieldErrors keyed by field name."""
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err.get("loc") else "__all__"
        errors.setdefault(name, []).append(err["msg"])
    return FieldErrors(errors)
