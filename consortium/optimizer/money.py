"""Exact money: costs are computed as Fractions from integer quantities and the tier prices.

A float price is read as the decimal it was written as (1092500.5 -> 2185001/2), so sums are exact.
Reported figures are integers when exact integers, otherwise rounded half-up to cents.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

Money = int | float


def exact(value: float | Fraction) -> Fraction:
    """The exact value of a price or cost as written in the problem file."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(Decimal(repr(value)))


def report(value: Fraction) -> Money:
    """A reported figure: an int when exact, else the value rounded half-up to cents."""
    if value.denominator == 1:
        return int(value.numerator)
    cents = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)
    if cents == cents.to_integral_value():
        return int(cents)
    return float(cents)


def dollars(value: float | Fraction) -> str:
    """`$1,092,500` or `$1,092,500.50`, for reasons and summaries."""
    figure = report(exact(value))
    if isinstance(figure, int):
        return f"${figure:,}"
    return f"${figure:,.2f}"
