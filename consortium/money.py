"""The one parser of money typed by people (forms and CSV): whole cents, bounded, finite.

Stored amounts are whole cents in a BIGINT (models.types.Money), so an amount with fractions of
a cent (0.001) is refused rather than rounded to $0.00, and amounts are bounded far below the
column's range (1e30 or 10**20 get a message, not a database error).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MONEY_MAX = Decimal("1000000000000")  # $1 trillion: beyond any vehicle price or tranche cost
CENT = Decimal("0.01")


def parse_money(text, *, symbols: bool = True, max_value: Decimal = MONEY_MAX) -> Decimal:
    """`text` ('$1,150,000.50', '1150000') as a Decimal of whole cents; ValueError with a
    message a person can act on. `symbols=False` refuses $ and thousands commas (CSV cells)."""
    raw = "" if text is None else str(text)
    if len(raw) > 40:
        raise ValueError("is too long to be an amount")
    if not symbols and ("$" in raw or "," in raw):
        raise ValueError("write a plain number without $ or commas, e.g. 1120000 or 31250.50")
    cleaned = raw.replace("$", "").replace(",", "").replace(" ", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{raw[:40]!r} is not an amount; write e.g. 1150000 or 1150000.50") from None
    if not value.is_finite():
        raise ValueError(f"{raw[:40]!r} is not an amount")
    if abs(value) > max_value:
        raise ValueError(f"must be at most {max_value:,}")
    if value != value.quantize(CENT):
        raise ValueError("must be in whole cents (at most 2 decimals)")
    return value.quantize(CENT) if value.as_tuple().exponent < -2 else value
