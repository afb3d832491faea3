"""Reading amounts people type: one parser for the admin catalog and the demand lines."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def parse_money(text: str) -> Decimal:
    """'$1,150,000.50', '1 150 000' or '1150000' as a Decimal; ValueError with a readable message.

    Commas are read only as thousands separators (groups of three digits), so '1,5' is refused
    rather than read as 15.
    """
    raw = "" if text is None else str(text)
    cleaned = raw.replace("$", "").replace(" ", "").replace("\u00a0", "").strip()
    whole, _dot, _cents = cleaned.partition(".")
    if "," in whole:
        groups = whole.lstrip("-").split(",")
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise ValueError(f"{raw!r} is not an amount; write e.g. 1150000 or 1,150,000.00")
    cleaned = cleaned.replace(",", "") if "," not in cleaned.partition(".")[2] else cleaned
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount; write e.g. 1150000 or 1,150,000.00") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not an amount")
    return value
