"""Every CSV the app writes goes through `csv_cell`: no cell may start a spreadsheet formula.

Excel and LibreOffice run a cell that begins with = + - @ (or a tab or carriage return before
one) as a formula, e.g. =HYPERLINK(...). Such a text cell is written with a leading apostrophe,
which spreadsheets show as text. `csv_uncell` undoes it when the app reads its own CSV back, so
a round trip keeps every text exactly (a note that itself begins with an apostrophe followed by
one of these characters gets a second apostrophe on the way out).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def csv_uncell(text: str) -> str:
    """A cell's text as it was before `csv_cell` (unchanged when it was not guarded)."""
    if text[:1] == QUOTE and text[1:2] and (text[1] in FORMULA_START or text[1] == QUOTE):
        return text[1:]
    return text


def csv_cell(value):
    """`value` safe for a spreadsheet: text that would start a formula gets a leading apostrophe.

    Numbers and other non-text values are returned unchanged (a negative number is data).
    """
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_START or csv_uncell(value) != value:
        return QUOTE + value
    return value


def csv_row(values: Iterable) -> list:
    """One row with every cell through `csv_cell`."""
    return [csv_cell(v) for v in values]


def write_rows(header: Iterable[str], rows: Iterable[Iterable], *, lineterminator: str = "\r\n",
               bom: bool = False) -> str:
    """CSV text of `header` and `rows`, every cell neutralised by `csv_cell`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(csv_row(header))
    writer.writerows(csv_row(row) for row in rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()
