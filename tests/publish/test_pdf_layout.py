"""Bid package PDF layout: no page ends with a heading (each heading is kept with what follows)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from consortium.publish import pdf
from consortium.services.publishing_inputs import package_inputs

PUBLISHED = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)
QUESTIONS = datetime(2026, 12, 22, 17, 0, tzinfo=timezone.utc)
BIDS = datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)
# Specification lengths (in sentences) that move the later sections down the page line by line;
# with 31 to 36 sentences the old layout ended page 4 with the "Reference price schedule" heading
# and put its table on page 5.
SPEC_LENGTHS = range(24, 42)
SENTENCE = "The vehicle meets every requirement of this section as ordered. "


@pytest.fixture
def bus_package(session, demo_round):
    """The demo round's BEB-40 package input (three lots, four members)."""
    round_, run = demo_round
    packages = {p.product.code: p for p in package_inputs(
        session, round_, run, bid_deadline=BIDS, questions_deadline=QUESTIONS,
        published_at=PUBLISHED)}
    return packages["BEB-40"]


def _with_specification(pkg, sentences: int):
    return replace(pkg, product=replace(pkg.product, specification=SENTENCE * sentences))


def _text_runs(content: bytes) -> list[list[tuple[str, str, float]]]:
    """Per page, the text drawn on it in order: (text, font name, font size), footer excluded."""
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        runs: list[tuple[str, str, float]] = []

        def visit(text, cm, tm, font, size, runs=runs):
            if not text.strip() or font is None:
                return
            name = str(font.get("/BaseFont", ""))
            # The page number and reference footer are 8 pt grey text under the frame.
            if size * tm[0] <= 8.01 and (text.startswith("Page ") or " - version " in text):
                return
            runs.append((text.strip(), name, size * tm[0]))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def stranded_headings(content: bytes) -> list[tuple[int, str]]:
    """(page number, heading) for every page whose last text is a heading (bold, 12 pt or more)."""
    out = []
    pages = _text_runs(content)
    for number, runs in enumerate(pages[:-1], start=1):
        if not runs:
            continue
        # A heading may wrap: take the trailing bold runs together.
        tail = []
        for text, font, size in reversed(runs):
            if "Bold" in font and size >= 11.5:
                tail.insert(0, text)
            else:
                break
        if tail:
            out.append((number, " ".join(tail)))
    return out


def _without_keep_with_next(monkeypatch):
    """The layout as it was: headings free to end a page."""
    styles = pdf._styles

    def loose():
        s = styles()
        for key in ("h1", "h2"):
            s[key].keepWithNext = 0
        return s

    monkeypatch.setattr(pdf, "_styles", loose)


def test_the_check_finds_a_stranded_heading_in_the_old_layout(bus_package, monkeypatch):
    """Without keepWithNext, some of these packages end a page with a heading: the test below
    therefore checks layouts that really would strand one."""
    _without_keep_with_next(monkeypatch)
    found = {n: stranded_headings(pdf.package_pdf(_with_specification(bus_package, n)))
             for n in SPEC_LENGTHS}
    assert any(found.values()), "no layout strands a heading; widen SPEC_LENGTHS"


def test_no_page_ends_with_a_heading(bus_package):
    for n in SPEC_LENGTHS:
        content = pdf.package_pdf(_with_specification(bus_package, n))
        assert stranded_headings(content) == [], f"specification of {n} sentences"


def test_headings_stay_with_their_table_and_the_pdf_stays_deterministic(bus_package):
    pkg = _with_specification(bus_package, 33)
    first, second = pdf.package_pdf(pkg), pdf.package_pdf(pkg)
    assert first == second
    pages = _text_runs(first)
    # Every section heading is on a page that also shows what follows it.
    for heading in pdf.SECTIONS:
        page = next(runs for runs in pages if any(text == heading for text, _, _ in runs))
        texts = [text for text, _, _ in page]
        assert texts.index(heading) < len(texts) - 1
    # The heading that used to end page 4 now opens the page of its tier table.
    tiers = "Reference price schedule (catalog tiers, for information)"
    page = next(runs for runs in pages if any(text == tiers for text, _, _ in runs))
    texts = [text for text, _, _ in page]
    assert texts[texts.index(tiers) + 1:texts.index(tiers) + 3] == ["Units per lot", "Unit price"]
