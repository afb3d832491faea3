"""Reading a filled-in price form (the package's own `price-form.csv`): every row checked, every
error listed, all or nothing. Lots left without a unit price are simply not bid on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from consortium.csv_safety import csv_uncell
from consortium.publish.csv_forms import PRICE_FORM_COLUMNS
from consortium.services.bids import LotRow, parse_money

MAX_ROWS = 2000


@dataclass
class PriceRow:
    """One data row of the uploaded form (line = its line in the file)."""

    line: int
    lot_id: str
    unit_price: str
    errors: list[str] = field(default_factory=list)


@dataclass
class PriceFormCheck:
    """The checked file: its rows, file-level errors, and the prices when everything is valid."""

    rows: list[PriceRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """No error anywhere."""
        return not self.errors and not any(r.errors for r in self.rows)

    @property
    def invalid_rows(self) -> list[PriceRow]:
        """The rows with errors."""
        return [r for r in self.rows if r.errors]

    def prices(self) -> tuple[tuple[str, Decimal], ...]:
        """(lot, unit price) for every priced row, in the file's order (only when valid)."""
        return tuple((r.lot_id, parse_money(r.unit_price)) for r in self.rows
                     if r.unit_price.strip())


def _check_row(row: dict, line: int, lots: dict[str, LotRow], seen: set[str]) -> PriceRow:
    lot_id = csv_uncell((row.get("lot_id") or "").strip())
    result = PriceRow(line=line, lot_id=lot_id, unit_price=(row.get("unit_price") or "").strip())
    lot = lots.get(lot_id)
    if lot is None:
        result.errors.append(f"line {line}: {lot_id or '(empty)'} is not a lot of this package")
    elif lot_id in seen:
        result.errors.append(f"line {line}: {lot_id} appears twice")
    else:
        quantity = (row.get("quantity") or "").strip()
        if quantity and quantity != str(lot.quantity):
            result.errors.append(f"line {line}: {lot_id} has {lot.quantity} units in the package, "
                                 f"not {quantity}; fill in only the unit_price column")
    seen.add(lot_id)
    if result.unit_price:
        price = parse_money(result.unit_price)
        if price is None:
            result.errors.append(f"line {line}: unit_price {result.unit_price!r} is not an amount "
                                 "in dollars (e.g. 1050000 or 1050000.00)")
        elif price <= 0:
            result.errors.append(f"line {line}: unit_price must be more than 0")
    return result


def check_price_form(data: bytes, lots: list[LotRow]) -> PriceFormCheck:
    """Check an uploaded price form against the package's lots."""
    check = PriceFormCheck()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        check.errors.append("The file is not UTF-8 text; save it as CSV (UTF-8) and upload again.")
        return check
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [csv_uncell((h or "").strip()) for h in (reader.fieldnames or [])]
    missing = [c for c in ("lot_id", "unit_price") if c not in header]
    if missing:
        check.errors.append(f"The file lacks the column(s) {', '.join(missing)}; upload the "
                            f"package's price form ({', '.join(PRICE_FORM_COLUMNS)}) filled in.")
        return check
    reader.fieldnames = header
    by_id = {lot.id: lot for lot in lots}
    seen: set[str] = set()
    for n, row in enumerate(reader, start=2):
        if n - 1 > MAX_ROWS:
            check.errors.append(f"The file has more than {MAX_ROWS} rows; the package has "
                                f"{len(lots)} lots.")
            break
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # a blank line
        check.rows.append(_check_row(row, n, by_id, seen))
    if not check.errors and not any(r.unit_price for r in check.rows):
        check.errors.append("No lot has a unit price: fill in the unit_price column for the lots "
                            "you bid on.")
    return check
