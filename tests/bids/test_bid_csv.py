"""The filled-in price form: every row checked against the package's lots, all or nothing."""

from __future__ import annotations

from decimal import Decimal

from consortium.services.bid_csv import check_price_form
from consortium.services.bids import LotRow

LOTS = [LotRow("LOT-1", "BEB-40", "charging: CCS1", "2027Q1", 12),
        LotRow("LOT-2", "BEB-40", "charging: CCS1", "2027Q2", 30)]
HEADER = "lot_id,product_code,product_name,options,period,quantity,unit,unit_price\r\n"


def _csv(*rows: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + HEADER + "".join(r + "\r\n" for r in rows)).encode()


def test_a_filled_in_form_gives_its_prices_and_empty_rows_are_lots_not_bid_on():
    checked = check_price_form(_csv("LOT-1,BEB-40,Bus,x,2027Q1,12,bus,\"1,050,000.00\"",
                                    "LOT-2,BEB-40,Bus,x,2027Q2,30,bus,", ",,,,,,,", bom=True),
                               LOTS)
    assert checked.valid and checked.prices() == (("LOT-1", Decimal("1050000.00")),)


def test_every_problem_is_listed_with_its_line():
    checked = check_price_form(_csv("LOT-1,BEB-40,Bus,x,2027Q1,12,bus,-5",
                                    "LOT-1,BEB-40,Bus,x,2027Q1,12,bus,10",
                                    "LOT-3,BEB-40,Bus,x,2027Q1,1,bus,10",
                                    "LOT-2,BEB-40,Bus,x,2027Q2,31,bus,1.234"), LOTS)
    messages = [m for row in checked.invalid_rows for m in row.errors]
    assert not checked.valid and messages == [
        "line 2: unit_price must be more than 0",
        "line 3: LOT-1 appears twice",
        "line 4: LOT-3 is not a lot of this package",
        "line 5: LOT-2 has 30 units in the package, not 31; fill in only the unit_price column",
        "line 5: unit_price '1.234' is not an amount in dollars (e.g. 1050000 or 1050000.00)"]


def test_files_that_are_not_the_price_form_are_refused_whole():
    assert "lacks the column(s) unit_price" in check_price_form(b"lot_id,price\r\nLOT-1,5\r\n",
                                                                 LOTS).errors[0]
    assert "not UTF-8" in check_price_form("lot_id,unit_price\r\nLOT-1,5 €\r\n".encode("cp1252"),
                                          LOTS).errors[0]
    assert "No lot has a unit price" in check_price_form(_csv("LOT-1,BEB-40,Bus,x,2027Q1,12,bus,"),
                                                         LOTS).errors[0]
