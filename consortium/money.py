"""The one parser of money typed by people (forms and CSV): whole cents, bounded, finite.

Stored amounts are whole cents in a BIGINT (models.types.Money), so an amount with fractions of
a cent (0.001) is refused rather than rounded to $0.00, and amounts are bounded far below the
column's range (1e30 or 10**20 get a message, not a database error). '$' and thousands commas
are accepted everywhere an amount is typed (catalog, demand line form, CSV); commas are read only
as thousands separators (groups of three digits), so '1,5' is refused rather than read as 15.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MONEY_MAX = Decimal("1000000000000")  # $1 trillion: beyond any vehicle price or tranche cost
CENT = Decimal("0.01")


def parse_money(text, *, max_value: Decimal = MONEY_MAX) -> Decimal:
    """`text` ('$1,150,000.50', '1 150 000', '1150000') as a Decimal of whole cents; ValueError
    with a message a person can act on."""
    raw = "" if text is None else str(text)
    if len(raw) > 40:
        raise ValueError("is too long to be an amount")
    not_an_amount = f"{raw!r} is not an amount; write e.g. 1150000 or 1,150,000.00"
    cleaned = raw.replace("$", "").replace(" ", "").replace("\u00a0", "").strip()
    whole, _dot, fraction = cleaned.partition(".")
    if "," in fraction:
        raise ValueError(not_an_amount)
    if "," in whole:
        groups = whole.lstrip("-").split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise ValueError(not_an_amount)
    try:
        value = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        raise ValueError(not_an_amount) from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not an amount")
    if abs(value) > max_value:
        raise ValueError(f"must be at most {max_value:,}")
    if value != value.quantize(CENT):
        raise ValueError("must be in whole cents (at most 2 decimals)")
    return value
