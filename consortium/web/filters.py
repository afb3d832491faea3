"""Jinja filters for money, dates and countdowns."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask import Flask, url_for

from consortium.db import utcnow
from consortium.models.types import as_utc

# A row id no table reaches (SQLite's and PostgreSQL's integer ids stay below it in practice):
# the place-holder `row_url` builds a URL with once, to cut out the place for each row's id.
_SLOT = 2_147_483_647


def money(value, cents: bool = False) -> str:
    """$1,234,567 (or with cents)."""
    if value is None or value == "":
        return "—"
    if not cents and (type(value) is int or type(value) is float and value.is_integer()):
        # Whole amounts (most figures of a plan) need no Decimal: the same text, faster.
        return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"
    value = Decimal(str(value))
    if value < 0:
        return "-" + money(-value, cents)
    if cents or value != value.to_integral_value():
        return f"${value:,.2f}"
    return f"${value:,.0f}"


def signed_money(value, cents: bool = False) -> str:
    """A difference in money with its sign before the dollar: -$127,250, +$5,000, $0."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value))
    if amount == 0:
        return money(0, cents)
    return ("-" if amount < 0 else "+") + money(abs(amount), cents)


def plural(count, singular: str, many: str | None = None) -> str:
    """"1 line", "2 lines", "1,200 units"; `many` for irregular plurals."""
    word = singular if count == 1 else (many or singular + "s")
    return f"{number(count)} {word}"


def number(value) -> str:
    """1,234."""
    return "—" if value is None else f"{value:,}"


def when(value: datetime | None) -> str:
    """A timestamp in UTC, minute precision."""
    if value is None:
        return "—"
    return as_utc(value).strftime("%Y-%m-%d %H:%M UTC")


def countdown(value: datetime | None) -> str:
    """"3 days 4 hours left", or "passed"."""
    if value is None:
        return "—"
    delta = as_utc(value) - utcnow()
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h left"
    return f"{hours} h {rest // 60} min left"


def row_url(endpoint: str, key: str, **values):
    """`id -> url_for(endpoint, **{key: id}, **values)`, with url_for called once.

    For links in long tables: routing one URL costs about as much as rendering the rest of a
    row. Only for integer ids (they need no quoting).
    """
    prefix, _, suffix = url_for(endpoint, **{key: _SLOT}, **values).partition(str(_SLOT))
    return lambda row_id: f"{prefix}{int(row_id)}{suffix}"


def duration(delta: timedelta | None) -> str:
    """A span of time as people say it: "12 days 3 hours", "5 hours 20 minutes", "4 minutes"."""
    if delta is None:
        return "—"
    minutes = max(0, int(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (mins, "minute")]
    else:
        parts = [(mins, "minute")]
    return " ".join(plural(n, word) for n, word in parts if n or word == parts[0][1])


def version_label(number) -> str:
    """A package version as vendors read it: 0 is "original", 2 is "addendum 2"."""
    if number is None:
        return "—"
    return "original" if number == 0 else f"addendum {number}"


def register_filters(app: Flask) -> None:
    """Make the filters (and the `row_url` helper) available in templates."""
    app.jinja_env.filters.update(money=money, number=number, when=when, countdown=countdown,
                                  signed_money=signed_money, plural=plural,
                                  duration=duration, version_label=version_label)
    app.jinja_env.globals["row_url"] = row_url
    from consortium.models.status import ENUMS, live
    app.jinja_env.globals.update(ENUMS, live_statuses=live)
