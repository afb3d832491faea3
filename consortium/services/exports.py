"""CSV downloads: every CSV the app writes goes through `csv_text`, so cell neutralisation and
the encoding are decided in one place.

`csv_text` is the seam where spreadsheet-formula neutralisation of cells is applied; the demand
line export keeps its own reversible guard on notes (see `csv_import._guard`) so that its files
import back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def cell(value) -> str:
    """One cell as text: None is empty; everything else as str()."""
    return "" if value is None else str(value)


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """`header` and `rows` as CSV text with a BOM, so spreadsheets read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(c) for c in header])
    writer.writerows([cell(c) for c in row] for row in rows)
    return "\ufeff" + out.getvalue()


def amount(value) -> str:
    """A money amount for a CSV cell: plain digits, at most two decimals, no $ or commas."""
    if value is None or value == "":
        return ""
    text = f"{float(value):.2f}" if not isinstance(value, int) else str(value)
    return text[:-3] if text.endswith(".00") else text
