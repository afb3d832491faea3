"""Column types shared by the tables."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """A money amount as a Decimal rounded to cents (accepts int, float, str, Decimal)."""
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_json(value: Decimal | None) -> int | float | None:
    """A money amount as the problem file writes it: an integer when whole, else a float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class Money(TypeDecorator):
    """Money in Python as Decimal (cents), in the database as whole cents (BigInteger).

    Integer cents keep sums exact on SQLite and PostgreSQL alike, without SQLite's Decimal warning.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int(to_money(value) * 100)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)
