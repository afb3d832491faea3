"""One request-level guard against input the database cannot store or compare.

- Ids in URLs are matched by a bounded `int` converter: an id past the database's integer range
  (e.g. /demand/lines/2147483648/edit) is a 404 like any id that does not exist.
- A NUL byte anywhere in the path, the query string or a form field (PostgreSQL refuses NUL in
  text) and an integer query value past that range (?version=99999999999) or made of other
  digits than 0-9 (?round=²) get a 400 with a clear message before any view runs.
"""

from __future__ import annotations

import re

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1  # PostgreSQL `integer`; ids and counts fit it on both databases
_ASCII_INT = re.compile(r"\s*[+-]?[0-9]+\s*")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` bounded to the database's integer range (larger ids do not match: 404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=DB_INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BadInput(ValueError):
    """Request input the application refuses as a whole."""


def check_value(name: str, value: str, *, numeric: bool = False) -> None:
    """Raise BadInput for a NUL byte, or (`numeric`) a number the database cannot hold."""
    if "\x00" in value or "\x00" in name:
        raise BadInput(f"The field {name[:40]!r} contains a NUL character, which is not allowed.")
    if not numeric:
        return
    text = value.strip().lstrip("+-")
    if text.isdigit() and not text.isascii():
        raise BadInput(f"{name[:40]} must be written with the digits 0-9.")
    if _ASCII_INT.fullmatch(value) and abs(int(value)) > DB_INT_MAX:
        raise BadInput(f"{name[:40]} is too large.")


def check_request() -> None:
    """The guard (before every request): abort(400, message) for refused input."""
    try:
        if "\x00" in request.path:
            raise BadInput("The address contains a NUL character.")
        for name, value in request.args.items(multi=True):
            check_value(name, value, numeric=True)
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if request.method in ("POST", "PUT", "PATCH") and not (
                limit and (request.content_length or 0) > limit):
            for name, value in request.form.items(multi=True):
                check_value(name, value)
            for name, upload in request.files.items(multi=True):
                check_value(name, upload.filename or "")
    except BadInput as exc:
        abort(400, str(exc))


def init_app(app: Flask) -> None:
    """Install the bounded id converter (before the blueprints) and the input check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(check_request)
