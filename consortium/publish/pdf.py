"""The bid package PDF (reportlab): cover, notice, lots, delivery schedule, specifications,
price form, evaluation criteria and terms, with "Page X of Y" on every page.

Deterministic: reportlab's invariant mode fixes the creation date and document id, and nothing
here reads the clock, so the same input gives the same bytes.
"""

from __future__ import annotations

import io
from collections import defaultdict
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from consortium.publish.inputs import PackageInput, human

SECTIONS = ("1. Notice and instructions to bidders", "2. Lots", "3. Delivery schedule by member",
            "4. Technical specifications", "5. Price form", "6. Evaluation criteria", "7. Terms")


class NumberedCanvas(Canvas):
    """Two passes: keep every page's state, then stamp "Page X of Y" once the total is known."""

    footer_text = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_pages = []

    def showPage(self):  # noqa: N802 (reportlab's name)
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        """Stamp the footer on every saved page, then write the document."""
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawString(0.75 * inch, 0.5 * inch, self.footer_text)
            self.drawRightString(LETTER[0] - 0.75 * inch, 0.5 * inch,
                                 f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def _styles():
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("T", parent=base["Title"], fontSize=22, leading=28),
        # keepWithNext: the page template moves a heading to the next page with the paragraph or
        # table that follows it, so no page ends with a heading.
        "h1": ParagraphStyle("H1", parent=base["Heading1"], fontSize=15, spaceBefore=6,
                             keepWithNext=1),
        "h2": ParagraphStyle("H2", parent=base["Heading2"], fontSize=12, keepWithNext=1),
        "body": ParagraphStyle("B", parent=base["BodyText"], fontSize=9.5, leading=13),
        "cell": ParagraphStyle("C", parent=base["BodyText"], fontSize=8.5, leading=10.5),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _table(header: list[str], rows: list[list], widths: list[float], style, num_cols=()) -> Table:
    data = [[_p(h, style) for h in header]] + [[_p(c, style) for c in row] for row in rows]
    table = Table(data, colWidths=[w * inch for w in widths], repeatRows=1)
    commands = [("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP")]
    commands += [("ALIGN", (c, 1), (c, -1), "RIGHT") for c in num_cols]
    table.setStyle(TableStyle(commands))
    return table


def _cover(pkg: PackageInput, s) -> list:
    c = pkg.consortium
    facts = [["Reference", pkg.ocid], ["Round", pkg.round_name],
             ["Product", f"{pkg.product.name} ({pkg.product.code})"],
             ["Lots", str(len(pkg.lots))],
             ["Total quantity", f"{pkg.total_units:,} {pkg.product.unit}"],
             ["Version", f"{pkg.version} ("
                         + ("original" if pkg.version == 0 else f"addendum {pkg.version}") + ")"],
             ["Published", human(pkg.published_at)],
             ["Questions deadline", human(pkg.questions_deadline)],
             ["Bid deadline", human(pkg.bid_deadline)]]
    out = [Spacer(1, 1.2 * inch), _p(c.name, s["h2"]), _p("Invitation to bid", s["title"]),
           _p(pkg.title, s["h1"]), Spacer(1, 0.3 * inch),
           _table(["Item", "Detail"], facts, [1.8, 4.7], s["cell"])]
    if pkg.version:
        out += [Spacer(1, 0.2 * inch), _p(f"Addendum {pkg.version}: {pkg.change_note}", s["body"])]
    return out + [PageBreak()]


def _notice(pkg: PackageInput, s) -> list:
    c = pkg.consortium
    schedule = [["Package published", human(pkg.published_at)],
                ["Questions deadline", human(pkg.questions_deadline)],
                ["Bid deadline", human(pkg.bid_deadline)]]
    addenda = [[str(a.number), human(a.date), a.note] for a in pkg.amendments]
    out = [_p(SECTIONS[0], s["h1"]),
           _p(f"{c.name} invites bids for the lots below on behalf of its member cities. Vendors "
              "may bid on one or more lots; each lot is awarded separately.", s["body"]),
           _p("Schedule", s["h2"]),
           _table(["Event", "Date and time"], schedule, [2.5, 4.0], s["cell"]),
           _p("Questions", s["h2"]),
           _p(f"Ask questions on this package's page in the vendor portal ({c.public_url}) "
              f"before the questions deadline, or write to {c.email} quoting the reference "
              f"{pkg.ocid}. Every answer is published to all approved vendors and on the public "
              "notice, without the name of the company that asked.", s["body"]),
           _p("Addenda", s["h2"]),
           _p("Corrections are published as numbered addenda on the vendor portal; each "
              "addendum is a new version of this package and replaces the earlier version. Bids "
              "must follow the latest version.", s["body"])]
    if addenda:
        out.append(_table(["Addendum", "Published", "Change"], addenda, [0.9, 1.6, 4.0], s["cell"]))
    else:
        out.append(_p("No addenda have been published.", s["body"]))
    out += [_p("Submission", s["h2"]),
            _p("Complete the price form (section 5, also provided as a CSV file) and submit it "
               "with the signed certifications before the bid deadline. Late bids are not "
               "considered.", s["body"])]
    return out


def _lots(pkg: PackageInput, s) -> list:
    rows = [[lot.id, lot.options_text, lot.period, f"{lot.quantity:,}", pkg.product.unit]
            for lot in pkg.lots]
    rows.append(["Total", "", "", f"{pkg.total_units:,}", pkg.product.unit])
    return [_p(SECTIONS[1], s["h1"]),
            _p(f"One lot per configuration and delivery period of {pkg.product.name}.", s["body"]),
            _table(["Lot", "Options", "Delivery period", "Quantity", "Unit"], rows,
                   [0.8, 2.6, 1.2, 0.9, 1.0], s["cell"], num_cols=(3,))]


def _schedule(pkg: PackageInput, s) -> list:
    by_member = defaultdict(list)
    for row in pkg.deliveries:
        by_member[row.member].append(row)
    out = [_p(SECTIONS[2], s["h1"]),
           _p("Units each member city receives, per delivery period and lot, at its delivery "
              "address.", s["body"])]
    for member in sorted(by_member):
        rows = by_member[member]
        block = [_p(f"{member}: {sum(r.units for r in rows):,} {pkg.product.unit}", s["h2"]),
                 _p("Delivery address: " + (rows[0].delivery_address or "to be confirmed"),
                    s["body"]),
                 _table(["Period", "Lot", "Units"],
                        [[r.period, r.lot_id, f"{r.units:,}"] for r in rows], [2.0, 2.0, 1.5],
                        s["cell"], num_cols=(2,))]
        out.append(KeepTogether(block))
    return out


def _specifications(pkg: PackageInput, s) -> list:
    p = pkg.product
    out = [_p(SECTIONS[3], s["h1"]), _p("Catalog specification (applies to every lot)", s["h2"]),
           _p(p.specification or "No further specification.", s["body"]),
           _p(f"Classification: {p.classification_scheme} {p.classification_code} "
              f"{p.classification_description}".strip(), s["body"])]
    for lot in pkg.lots:
        out += [_p(f"{lot.id}: {p.name}", s["h2"]),
                _p(f"Options: {lot.options_text}. Quantity: {lot.quantity:,} {p.unit}. "
                   f"Delivery period: {lot.period}.", s["body"])]
    return out


def _price_form(pkg: PackageInput, s) -> list:
    p = pkg.product
    rows = [[lot.id, lot.options_text, lot.period, f"{lot.quantity:,}", "", ""] for lot in pkg.lots]
    out = [_p(SECTIONS[4], s["h1"]),
           _p("Quote an all-inclusive unit price in US dollars for each lot you bid on "
              "(delivery to each member's address included). Leave lots you do not bid on empty.",
              s["body"]),
           _table(["Lot", "Options", "Period", "Quantity", "Unit price (USD)", "Lot total (USD)"],
                  rows, [0.7, 2.1, 0.9, 0.8, 1.2, 1.2], s["cell"], num_cols=(3,))]
    if p.tiers:
        tiers = [[f"{t.min_qty:,}+", f"${t.unit_price:,}"] for t in p.tiers]
        out += [_p("Reference price schedule (catalog tiers, for information)", s["h2"]),
                _table(["Units per lot", "Unit price"], tiers, [2.0, 2.0], s["cell"],
                       num_cols=(1,))]
    return out


def _evaluation_and_terms(pkg: PackageInput, s) -> list:
    p = pkg.product
    criteria = [["Price (total evaluated cost per lot)", "60%"],
                ["Technical compliance with the specification", "25%"],
                ["Delivery schedule and capacity", "10%"],
                ["Warranty and service network", "5%"]]
    terms = [
        f"Contract period: deliveries run over {', '.join(pkg.periods)}; each lot's contract ends "
        "when its last unit is accepted.",
        "Each member city signs its own purchase order for its units under the consortium contract "
        "and pays for what it receives.",
        f"Minimum order per lot: {p.min_tranche:,} {p.unit}"
        + (f"; most per delivery period: {p.max_per_period:,}." if p.max_per_period else "."),
        "Options for further units at the contracted unit price may be exercised by members during "
        "the contract period.",
        "Required certifications: Buy America compliance, non-collusion affidavit, debarment "
        "certification.",
        "Prices are firm for 180 days after the bid deadline.",
    ]
    return [_p(SECTIONS[5], s["h1"]),
            _table(["Criterion", "Weight"], criteria, [4.5, 1.0], s["cell"], num_cols=(1,)),
            _p("Each lot is evaluated and awarded separately.", s["body"]),
            _p(SECTIONS[6], s["h1"])] + [_p(f"- {t}", s["body"]) for t in terms]


def package_pdf(pkg: PackageInput) -> bytes:
    """The bid package as PDF bytes."""
    s = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1, title=pkg.title,
                            author=pkg.consortium.name, subject=pkg.ocid, creator="Consortium",
                            leftMargin=0.75 * inch, rightMargin=0.75 * inch,
                            topMargin=0.75 * inch, bottomMargin=0.9 * inch)
    story = (_cover(pkg, s) + _notice(pkg, s) + _lots(pkg, s) + [PageBreak()] + _schedule(pkg, s)
             + [PageBreak()] + _specifications(pkg, s) + _price_form(pkg, s)
             + [PageBreak()] + _evaluation_and_terms(pkg, s))
    footer = f"{pkg.ocid} - version {pkg.version}"

    class Footer(NumberedCanvas):
        footer_text = footer

    doc.build(story, canvasmaker=Footer)
    return buffer.getvalue()
