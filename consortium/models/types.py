"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import AfterValidator
from sqlalchemy import BigInteger, DateTime, Interval
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


def as_utc(value: datetime | None) -> datetime | None:
    """`value` as an aware UTC datetime; a naive value is taken to be UTC already.

    The one conversion of the code base: columns use it through `UTCDateTime`, and forms and the
    command line use it for what people type (always UTC, as the pages say).
    """
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A moment in time: stored in UTC, read back timezone-aware in UTC on SQLite and PostgreSQL.

    The DDL is a TIMESTAMP WITH TIME ZONE (what the tables have had since revision 0001); SQLite,
    which has no time zones, stores the UTC wall time. A naive value is taken to be UTC, where the
    generic type would refuse it. Fields are annotated `UTCMoment`, so a row made with
    `model_validate` holds aware values before it is written too.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def coerce_compared_value(self, op, value):
        # `column - timedelta` stays an interval expression.
        return Interval() if isinstance(value, timedelta) else self

    def process_bind_param(self, value, dialect):
        return as_utc(value)

    def process_result_value(self, value, dialect):
        return as_utc(value)


# The annotation of every datetime field (with `sa_type=UTCDateTime`): validation makes it aware.
UTCMoment = Annotated[datetime, AfterValidator(as_utc)]
