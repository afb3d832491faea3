"""The CSV files of a package: the price form (one row per lot) and the delivery schedule.

UTF-8 without a byte-order mark, RFC 4180 line endings (CRLF) throughout; no cell starts a
spreadsheet formula (consortium.csv_safety).
"""

from __future__ import annotations

from consortium.csv_safety import write_rows
from consortium.publish.inputs import PackageInput

PRICE_FORM_COLUMNS = ("lot_id", "product_code", "product_name", "options", "period", "quantity",
                      "unit", "unit_price")
SCHEDULE_COLUMNS = ("member", "delivery_address", "period", "lot_id", "product_code", "options",
                    "units")


def _write(header: tuple[str, ...], rows) -> bytes:
    # Vendors open these in spreadsheets: every cell goes through csv_safety.csv_cell.
    return write_rows(header, rows).encode("utf-8")


def price_form_csv(package: PackageInput) -> bytes:
    """One row per lot with an empty `unit_price` column for the vendor to fill in."""
    product = package.product
    return _write(PRICE_FORM_COLUMNS, (
        (lot.id, product.code, product.name, lot.options_text, lot.period, lot.quantity,
         product.unit, "")
        for lot in package.lots))


def delivery_schedule_csv(package: PackageInput) -> bytes:
    """Units per member, period and lot, with the member's delivery address."""
    options = {lot.id: lot.options_text for lot in package.lots}
    return _write(SCHEDULE_COLUMNS, (
        (row.member, row.delivery_address, row.period, row.lot_id, package.product.code,
         options[row.lot_id], row.units)
        for row in package.deliveries))
