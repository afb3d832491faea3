"""The contract files (pure): deterministic bytes and hashes, figures that add up, safe CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from consortium.publish.award_inputs import bidder_outcomes, lot_outcomes, member_contracts, money
from consortium.publish.contracts import CSV_COLUMNS, contract_csv, contract_files, contract_pdf
from tests.award_publish.samples import contract_input, solved


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_contracts_match_the_award_file_figure_for_figure():
    data, award = solved()
    mine = [(c.member, c.vendor, c.units, c.gross, c.discount, c.net)
            for c in member_contracts(data, award)]
    theirs = [(c["member"], c["vendor"], c["units"], money(c["gross"]), money(c["discount"]),
               money(c["net"])) for c in award["contracts"]]
    assert mine == theirs


def test_nets_add_up_to_the_award_total_within_a_cent_per_contract():
    data, award = solved()
    contracts = member_contracts(data, award)
    total = sum((c.net for c in contracts), Decimal(0))
    assert abs(total - money(award["total_cost"])) <= Decimal("0.01") * len(contracts)
    # Hand check: the $1,000 set discount is shared 1050000.33 : 2110000.33 : 4230000.33.
    shares = {c.member: c.discount for c in contracts if c.vendor == "Pacific Coach Works"}
    assert shares == {"=HYPERLINK(1)": Decimal("142.08"), "Long Beach": Decimal("285.52"),
                      "Los Angeles": Decimal("572.40")}


def test_outcomes_say_which_lots_each_bid_won_and_lost():
    data, award = solved()
    by_lot = {o.lot: o for o in lot_outcomes(data, award)}
    assert by_lot["CAB/LOT-1"].reason == "no bid priced it" and not by_lot["CAB/LOT-1"].awarded
    assert by_lot["SEDAN-EV/LOT-1"].unit_price == Decimal("31000.5")
    bidders = {b.bid: b for b in bidder_outcomes(data, award)}
    assert [o.lot for o in bidders["BID-7"].won] == ["BEB-40/LOT-1", "BEB-40/LOT-2"]
    assert bidders["BID-7"].value == Decimal("7389000.99")
    assert bidders["BID-8"].won == () and bidders["BID-8"].lost == ("BEB-40/LOT-1", "BEB-40/LOT-2")
    assert bidders["BID-10"].lost == ("SEDAN-EV/LOT-1",)


def test_same_input_same_bytes_and_hashes():
    first, second = contract_files(contract_input()), contract_files(contract_input())
    assert first.pdf == second.pdf and first.csv == second.csv
    assert first.pdf_sha256 == hashlib.sha256(first.pdf).hexdigest() == second.pdf_sha256
    assert first.csv_sha256 == hashlib.sha256(first.csv).hexdigest()
    assert first.pdf.startswith(b"%PDF")


def test_any_change_changes_the_hash():
    base = contract_files(contract_input())
    other = contract_files(contract_input(delivery_address="1 Other St"))
    assert base.pdf_sha256 != other.pdf_sha256
    assert base.csv_sha256 == other.csv_sha256  # the CSV carries no address


def test_csv_amounts_add_up_to_the_net():
    inp = contract_input()
    rows = _rows(contract_csv(inp))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["row"] for r in rows] == ["line", "line", "discount", "net"]
    assert [(r["lot"], r["units"], r["unit_price"]) for r in rows[:2]] == [
        ("BEB-40/LOT-1", "1", "1050000.33"), ("BEB-40/LOT-2", "3", "1060000")]
    body = sum(Decimal(r["amount"]) for r in rows[:-1])
    assert body == Decimal(rows[-1]["amount"]) == inp.contract.net == Decimal("4229427.93")
    assert rows[2]["amount"] == "-572.40"  # a negative number stays a number
    assert contract_csv(inp).count(b"\r\n") == len(rows) + 1


@pytest.mark.parametrize("member", ["=HYPERLINK(1)"])
def test_csv_neutralises_formulas(member):
    rows = _rows(contract_csv(contract_input(member=member)))
    assert {r["member"] for r in rows} == {"'" + member}


def _text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (a wrapped cell) as one space."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_pdf_says_who_what_and_how_much():
    text = _text(contract_pdf(contract_input()))
    for expected in ("Member contract", "Los Angeles", "Pacific Coach Works", "BEB-40/LOT-2",
                     "Battery-electric bus 40 ft (BEB-40)", "$1,060,000.00", "$572.40",
                     "$4,229,427.93", "200 N Spring St", "2027Q4", "C-TEST-Los",
                     "Page 1 of"):
        assert expected in text, expected


def test_a_contract_without_discount_says_so():
    inp = contract_input(vendor="Transit Motors")
    assert "No set discount" in _text(contract_pdf(inp))
    assert [r["row"] for r in _rows(contract_csv(inp))] == ["line", "net"]
