"""In a real browser with CSRF on: a vendor bids by the package's own price-form CSV (download it,
fill it in, upload it with mistakes and see every row's error with nothing saved, upload it right,
see the preview, seal the bid, get the receipt); and on a 375 px phone the vendor's bid pages and
the tabulation never widen the page: their tables scroll inside their own box."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import commit, utcnow
from consortium.models import Bid, BidVersion, User
from consortium.services import bid_opening, bids
from tests.bids.conftest import contents, set_bid_deadline
from tests.e2e.tender import ADMIN, VENDORS, package, sign_in
from tests.e2e.test_e2e_accessibility import AXE, _report, duplicate_ids, serious_violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


def _filled(form: str, prices: dict[str, str], changes: dict | None = None,
            extra: tuple[dict, ...] = ()) -> bytes:
    """The downloaded price form with `prices` in its unit_price column; `changes` maps a lot to
    {column: value} to spoil its row, `extra` adds rows."""
    changes = changes or {}
    rows = list(csv.DictReader(io.StringIO(form)))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        row["unit_price"] = prices.get(row["lot_id"], "")
        row.update(changes.get(row["lot_id"], {}))
        writer.writerow(row)
    for row in extra:
        writer.writerow({**rows[0], **row})
    return out.getvalue().encode("utf-8")


def _upload(page, name: str, data: bytes) -> None:
    page.get_by_label("Filled-in price form (CSV)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.get_by_role("button", name="Check the file").click()


def _bids(server) -> list[Bid]:
    with Session(server.engine) as session:
        return list(session.exec(select(Bid)).all())


def test_a_vendor_bids_by_the_price_form_csv(new_page, published_tender_site, tmp_path):
    server, page = published_tender_site, new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    beb = package(server, "BEB-40")
    sign_in(page, server, VENDORS["Cascade EV Fleet Sales"])
    page.goto(f"{server.url}/vendors/packages/{beb.id}")
    with page.expect_download() as info:
        page.get_by_role("link", name="price-form.csv").click()
    saved = tmp_path / "price-form.csv"
    info.value.save_as(saved)
    form = Path(saved).read_text(encoding="utf-8-sig")
    assert [r["lot_id"] for r in csv.DictReader(io.StringIO(form))] == ["LOT-1", "LOT-2", "LOT-3"]
    page.get_by_role("link", name="Bid on this package").click()

    # A file with three mistakes: every row's error is listed, no price is used, nothing is saved.
    bad = _filled(form, {"LOT-1": "1,045,000", "LOT-2": "about a million", "LOT-3": "1095000"},
                  {"LOT-3": {"quantity": "7"}}, extra=({"lot_id": "LOT-9", "unit_price": "5"},))
    _upload(page, "prices-draft.csv", bad)
    expect(page.get_by_role("alert").first).to_contain_text("none of its prices were used")
    preview = page.locator("table.csv-preview")
    expect(preview.locator("tr.invalid")).to_have_count(3)
    expect(page.get_by_text("3 of 4 rows have errors. Nothing was saved")).to_be_visible()
    expect(page.locator("ul.csv-errors li")).to_have_count(3)  # readable without scrolling
    expect(preview).to_contain_text("line 3: unit_price 'about a million' is not an amount")
    expect(preview).to_contain_text("line 4: LOT-3 has 6 units in the package, not 7")
    expect(preview).to_contain_text("line 5: LOT-9 is not a lot of this package")
    for lot in ("LOT-1", "LOT-2", "LOT-3"):
        expect(page.get_by_label(f"Unit price for {lot}")).to_have_value("")
    assert _bids(server) == []

    # The corrected file: the preview shows its rows and fills the form; still nothing saved.
    good = _filled(form, {"LOT-1": "1,045,000", "LOT-3": "$1,095,000.50"})
    _upload(page, "prices.csv", good)
    expect(page.get_by_role("status").first).to_contain_text(
        "All 3 rows are valid: 2 lot(s) priced")
    expect(preview.locator("tbody tr")).to_have_count(3)
    expect(preview.locator("tr.invalid")).to_have_count(0)
    expect(page.get_by_label("Unit price for LOT-1")).to_have_value("1045000.00")
    expect(page.get_by_label("Unit price for LOT-2")).to_have_value("")
    expect(page.get_by_label("Unit price for LOT-3")).to_have_value("1095000.50")
    assert _bids(server) == []

    page.get_by_label("Bid valid until").fill((date.today() + timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Seal and submit the bid").click()
    expect(page.get_by_role("heading", name="Bid receipt")).to_be_visible()
    receipt = page.locator("#receipt-hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", receipt)
    with Session(server.engine) as session:
        [row] = session.exec(select(BidVersion)).all()
        assert (row.receipt_sha256, row.kind) == (receipt, "submit")
        assert b"1045000" not in bytes(row.sealed)  # sealed, not readable
    page.get_by_role("link", name="View my bid").click()
    table = page.locator("table").first
    expect(table).to_contain_text("$1,045,000.00")
    expect(table).to_contain_text("$1,095,000.50")
    expect(table).not_to_contain_text("LOT-2")
    assert [m for m in messages if "Content Security Policy" in m] == []


def _page_width(page) -> int:
    """The document's width once its style sheets are in (measured earlier, it is the raw
    HTML's)."""
    page.wait_for_load_state("load")
    return page.evaluate("() => document.documentElement.scrollWidth")


def _phone(new_page):
    """A page at 375 px with axe-core loaded in every document."""
    page = new_page()
    page.set_viewport_size(PHONE)
    page.context.add_init_script(path=str(AXE))
    return page


def _fits(page, url: str) -> None:
    """The page at `url` is no wider than the phone, every table sits in a .table-wrap, and
    axe-core finds no serious or critical problem (nor an id used twice)."""
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    assert _page_width(page) <= PHONE["width"], (url, _page_width(page))
    loose = page.evaluate("() => Array.from(document.querySelectorAll('main table'))"
                          ".filter(t => !t.closest('.table-wrap')).length")
    assert loose == 0, f"{url}: a table outside its scroll box"
    violations = serious_violations(page)
    assert not violations, _report(url, violations)
    assert duplicate_ids(page) == {}, url


def _scrolls_in_its_box(wrap) -> None:
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert wrap.evaluate("el => el.scrollLeft > 0")


def test_bid_pages_and_the_tabulation_fit_a_375_px_phone(new_page, published_tender_site):
    """Three vendors bid on the sedan package (Pacific by the browser, with capacity and a
    discount), the deadline passes, the bids are opened: every page fits the phone."""
    server = published_tender_site
    sedans = package(server, "SEDAN-EV")
    sealer = server.app.extensions["consortium.sealer"]
    with Session(server.engine, expire_on_commit=False) as session:
        for name, prices in (("Cascade EV Fleet Sales", (("LOT-1", "31250.75"),)),
                             ("Evergreen Bus", (("LOT-1", 31100), ("LOT-2", "30999.99")))):
            user = session.exec(select(User).where(User.email == VENDORS[name])).one()
            bids.submit_bid(session, sedans, user, contents(*prices), sealer=sealer)
        commit(session)

    page = _phone(new_page)
    sign_in(page, server, VENDORS["Pacific Coach Works"])
    _fits(page, f"{server.url}/bids/packages/{sedans.id}")
    page.get_by_label("Unit price for LOT-1").fill("31,000")
    page.get_by_label("Unit price for LOT-2").fill("30,500.25")
    page.get_by_label("Most units you can deliver in 2027Q2").fill("60")
    page.locator("#discount_lots_0-0").check()
    page.locator("#discount_lots_0-1").check()
    page.get_by_label("Discount 1: amount off (dollars)").fill("12,500")
    page.get_by_label("Bid valid until").fill((date.today() + timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Seal and submit the bid").click()
    expect(page.get_by_role("heading", name="Bid receipt")).to_be_visible()
    receipt_url = page.url
    assert _page_width(page) <= PHONE["width"]
    box = page.locator("#receipt-hash").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.get_by_role("link", name="View my bid").click()
    own_url = page.url
    for url in (receipt_url, own_url, f"{own_url}/withdraw", f"{own_url}/reconfirm",
                f"{server.url}/bids/",
                f"{server.url}/vendors/packages/{sedans.id}",
                f"{server.url}/bids/packages/{sedans.id}/tabulation"):
        _fits(page, url)
    withdraw = page.get_by_role("link", name="Withdraw my bid")
    page.goto(own_url)
    withdraw.scroll_into_view_if_needed()
    box = withdraw.bounding_box()
    assert box and 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"]

    # The price form's preview at phone width, with an error in every row.
    page.goto(f"{server.url}/bids/packages/{sedans.id}")
    bad = ("lot_id,product_code,product_name,options,period,quantity,unit,unit_price\r\n"
           "LOT-1,SEDAN-EV,sedan,charging: J3400-NACS,2027Q1,41,vehicle,abc\r\n"
           "LOT-7,SEDAN-EV,sedan,charging: CCS1,2027Q2,60,vehicle,-5\r\n").encode()
    _upload(page, "prices.csv", bad)
    expect(page.locator("table.csv-preview tr.invalid")).to_have_count(2)
    assert _page_width(page) <= PHONE["width"]
    assert not serious_violations(page) and duplicate_ids(page) == {}

    # After the deadline: the admin opens the bids; the tabulation fits and scrolls in its box.
    set_bid_deadline(server.engine, sedans, utcnow() - timedelta(minutes=1))
    admin = _phone(new_page)
    sign_in(admin, server, ADMIN)
    tabulation = f"{server.url}/bids/packages/{sedans.id}/tabulation"
    _fits(admin, tabulation)
    admin.get_by_role("button", name="Open the bids now").click()
    expect(admin.get_by_text("Opened 3 valid bid(s)")).to_be_visible()
    assert _page_width(admin) <= PHONE["width"]
    table = admin.locator("table.tabulation")
    for vendor in VENDORS:
        expect(table.get_by_role("columnheader", name=vendor)).to_be_attached()
    expect(table).to_contain_text("$30,999.99")
    wrap = admin.locator(".table-wrap", has=table)
    _scrolls_in_its_box(wrap)  # scrolled to its far end: the lot column stays in view
    lot = table.locator("tbody th").first
    assert abs(lot.bounding_box()["x"] - wrap.bounding_box()["x"]) < 1
    lines = lot.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el);"
                         " return r.getClientRects().length; }")
    assert lines == 1  # "LOT-1" on one line
    admin.get_by_text("Canonical JSON").first.click()  # an opened canonical JSON stays in its box
    assert _page_width(admin) <= PHONE["width"]
    for url in (tabulation, own_url, f"{server.url}/bids/packages/{sedans.id}"):
        _fits(page, url)
    expect(page.get_by_text("has passed").first).to_be_visible()
    with Session(server.engine) as session:
        assert bid_opening.opening_of(session, sedans) is not None
