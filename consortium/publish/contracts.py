"""A member's contract with one vendor, as a PDF and a CSV file, each with its SHA-256.

Same standards as the bid package: reportlab's invariant mode and no clock read here, so the same
input gives the same bytes (`published_at` is the caller's); the CSV goes through
`consortium.csv_safety` (no cell starts a spreadsheet formula), UTF-8, CRLF line endings.
The CSV has one `line` row per lot, one `discount` row per set-discount share (a negative
amount) and a final `net` row, so the `amount` column adds up to the net.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.platypus import SimpleDocTemplate, Spacer

from consortium.csv_safety import write_rows
from consortium.publish.award_inputs import MemberContract, cents
from consortium.publish.inputs import CURRENCY, ConsortiumInfo, human
from consortium.publish.pdf import NumberedCanvas, _p, _styles, _table

CSV_COLUMNS = ("contract", "member", "vendor", "row", "lot", "product", "period", "units",
               "unit_price", "amount", "currency")


@dataclass(frozen=True)
class ContractInput:
    """Everything one contract file says. `published_at` is fixed by the caller, never "now"."""

    consortium: ConsortiumInfo
    reference: str                  # the contract's reference, printed on every page
    round_name: str
    award_reference: str            # which award it comes from, e.g. "award 3 of 2027-fleet"
    published_at: datetime
    contract: MemberContract
    delivery_address: str = ""
    vendor_address: str = ""
    product_names: tuple[tuple[str, str], ...] = field(default=())  # (code, name)

    def product(self, code: str) -> str:
        """"Battery-electric bus 40 ft (BEB-40)", or the code when its name is not given."""
        names = dict(self.product_names)
        return f"{names[code]} ({code})" if code in names else code


@dataclass(frozen=True)
class ContractFiles:
    """The two files of a contract and their SHA-256 (hex)."""

    pdf: bytes
    csv: bytes

    @property
    def pdf_sha256(self) -> str:
        """SHA-256 of the PDF bytes."""
        return hashlib.sha256(self.pdf).hexdigest()

    @property
    def csv_sha256(self) -> str:
        """SHA-256 of the CSV bytes."""
        return hashlib.sha256(self.csv).hexdigest()


def _usd(value: Decimal) -> str:
    return f"${cents(value):,.2f}"


def contract_csv(inp: ContractInput) -> bytes:
    """The contract as CSV rows: lines, discount shares, net."""
    c = inp.contract
    head = (inp.reference, c.member, c.vendor)
    rows = [(*head, "line", line.lot, line.product, line.period, line.units, line.unit_price,
             cents(line.gross), CURRENCY) for line in c.lines]
    rows += [(*head, "discount", " ".join(d.lots), "", "", "", "", -cents(d.share), CURRENCY)
             for d in c.discounts]
    rounding = c.net - (cents(c.gross) - sum((cents(d.share) for d in c.discounts), Decimal(0)))
    if rounding:
        # Shares rounded one by one can miss the rounded net by a cent: say so, so that the
        # amount column still adds up to the net.
        rows.append((*head, "rounding", "", "", "", "", "", rounding, CURRENCY))
    rows.append((*head, "net", "", "", "", c.units, "", c.net, CURRENCY))
    return write_rows(CSV_COLUMNS, rows).encode("utf-8")


def _summary(inp: ContractInput, s) -> list:
    c, k = inp.contract, inp.consortium
    facts = [["Contract reference", inp.reference], ["Round", inp.round_name],
             ["Award", inp.award_reference], ["Issued", human(inp.published_at)],
             ["Buyer (member)", c.member],
             ["Delivery address", inp.delivery_address or "to be confirmed with the buyer"],
             ["Supplier (vendor)", c.vendor + (f", {inp.vendor_address}" if inp.vendor_address
                                               else "")],
             ["Procuring entity", f"{k.name} ({k.email})"],
             ["Units", f"{c.units:,}"], ["Gross value", _usd(c.gross)],
             ["Discount share", _usd(c.discount)], ["Net value", _usd(c.net)]]
    return [_p(k.name, s["h2"]), _p("Member contract", s["title"]),
            _p(f"{c.member} - {c.vendor}", s["h1"]), Spacer(1, 0.15 * inch),
            _table(["Item", "Detail"], facts, [1.8, 4.7], s["cell"])]


def _lines(inp: ContractInput, s) -> list:
    c = inp.contract
    rows = [[line.lot, inp.product(line.product), line.period, f"{line.units:,}",
             _usd(line.unit_price), _usd(line.gross)] for line in c.lines]
    rows.append(["Total", "", "", f"{c.units:,}", "", _usd(c.gross)])
    per_period: dict[str, int] = defaultdict(int)
    for line in c.lines:
        per_period[line.period] += line.units
    periods = [[p, f"{n:,}"] for p, n in per_period.items()]
    return [_p("1. Lots and prices", s["h1"]),
            _p("The lots awarded to the supplier of which the buyer receives units, at the "
               "awarded unit price (delivery to the buyer's address included).", s["body"]),
            _table(["Lot", "Product", "Period", "Units", "Unit price", "Gross"], rows,
                   [1.2, 1.9, 0.7, 0.5, 1.2, 1.3], s["cell"], num_cols=(3, 4, 5)),
            _p("2. Units per delivery period", s["h1"]),
            _table(["Delivery period", "Units"], periods, [2.0, 1.5], s["cell"], num_cols=(1,))]


def _discounts(inp: ContractInput, s) -> list:
    c = inp.contract
    out = [_p("3. Set discounts", s["h1"])]
    if not c.discounts:
        return out + [_p("No set discount of the supplier applies to these lots.", s["body"])]
    rows = [[d.bid, ", ".join(d.lots), _usd(d.amount), _usd(cents(d.share))] for d in c.discounts]
    return out + [
        _p("A set discount applies because the supplier won every lot of the set; it is shared "
           "among the members receiving those lots in proportion to their gross in them.",
           s["body"]),
        _table(["Bid", "Lots", "Discount", "Buyer's share"], rows, [0.9, 3.0, 1.2, 1.2],
               s["cell"], num_cols=(2, 3))]


def _totals(inp: ContractInput, s) -> list:
    c = inp.contract
    rows = [["Gross", _usd(c.gross)], ["Less discount share", _usd(c.discount)],
            ["Net value", _usd(c.net)]]
    terms = ("The buyer signs its own purchase order for these units under this contract and pays "
             "for what it receives.",
             "Unit prices are firm as bid; units are delivered in the periods above.",
             "The SHA-256 of this file is published with it; a copy with another hash is not "
             "this contract.")
    return ([_p("4. Contract value", s["h1"]),
             _table(["", "USD"], rows, [3.0, 1.5], s["cell"], num_cols=(1,)),
             _p("5. Terms", s["h1"])] + [_p(f"- {t}", s["body"]) for t in terms])


def contract_pdf(inp: ContractInput) -> bytes:
    """The contract as PDF bytes (deterministic)."""
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1,
                            title=f"Contract {inp.reference}", author=inp.consortium.name,
                            subject=inp.reference, creator="Consortium",
                            leftMargin=0.75 * inch, rightMargin=0.75 * inch,
                            topMargin=0.75 * inch, bottomMargin=0.9 * inch)
    story = _summary(inp, s) + _lines(inp, s) + _discounts(inp, s) + _totals(inp, s)
    footer = f"{inp.reference} - {inp.contract.member} / {inp.contract.vendor}"

    class Footer(NumberedCanvas):
        footer_text = footer

    doc.build(story, canvasmaker=Footer)
    return buffer.getvalue()


def contract_files(inp: ContractInput) -> ContractFiles:
    """Both files of the contract."""
    return ContractFiles(pdf=contract_pdf(inp), csv=contract_csv(inp))
