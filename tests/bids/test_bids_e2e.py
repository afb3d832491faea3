"""In a real browser with CSRF on: a vendor bids by form and gets a receipt, an admin's addendum
makes the bid "must re-confirm", the vendor re-confirms, the deadline passes (moved into the past
by the test), the admin opens the bids and the tabulation shows the price and the receipt."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import BidVersion
from tests.bids.conftest import set_bid_deadline
from tests.e2e.tender import ADMIN, VENDORS, package, sign_in

pytestmark = pytest.mark.e2e


def test_bid_addendum_reconfirm_deadline_tabulation(new_page, published_tender_site):
    server = published_tender_site
    page = new_page()
    beb = package(server, "BEB-40")
    sign_in(page, server, VENDORS["Pacific Coach Works"])
    page.goto(f"{server.url}/vendors/packages/{beb.id}")
    page.get_by_role("link", name="Bid on this package").click()
    page.get_by_label("Unit price for LOT-1").fill("1,050,000")
    page.get_by_label("Unit price for LOT-2").fill("1040000.50")
    page.get_by_label("Most units you can deliver in 2027Q2").fill("30")
    page.get_by_label("Bid valid until").fill((date.today() + timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Seal and submit the bid").click()
    expect(page.get_by_role("heading", name="Bid receipt")).to_be_visible()
    receipt = page.locator("#receipt-hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", receipt)

    # The admin publishes an addendum in the browser (accepting the confirmation dialog).
    admin_page = new_page()
    sign_in(admin_page, server, ADMIN)
    admin_page.goto(f"{server.url}/admin/packages/{beb.id}")
    admin_page.get_by_label("Change note").fill("Battery capacity corrected to 525 kWh")
    admin_page.on("dialog", lambda d: d.accept())
    admin_page.get_by_role("button", name="Publish addendum 1").click()
    expect(admin_page.get_by_text("Published addendum 1")).to_be_visible()

    page.goto(f"{server.url}/bids/packages/{beb.id}")
    expect(page.locator(".bid-status")).to_have_text("must re-confirm")
    page.get_by_role("link", name="Re-confirm my bid").click()
    expect(page.get_by_text("Battery capacity corrected to 525 kWh")).to_be_visible()
    page.get_by_role("button", name="Re-confirm my bid").click()
    expect(page.get_by_text("Your bid is re-confirmed")).to_be_visible()
    expect(page.locator(".bid-status")).to_have_text("sealed (valid)")

    # Before the deadline the admin sees no price and cannot open.
    admin_page.goto(f"{server.url}/bids/packages/{beb.id}/tabulation")
    expect(admin_page.get_by_text("sealed until the bid deadline")).to_be_visible()
    expect(admin_page.get_by_text("1,050,000")).to_have_count(0)

    set_bid_deadline(server.app.extensions["consortium.engine"], beb,
                     utcnow() - timedelta(minutes=1))
    page.goto(f"{server.url}/bids/packages/{beb.id}")
    expect(page.get_by_text("has passed").first).to_be_visible()
    expect(page.locator("#bid-form")).to_have_count(0)

    admin_page.goto(f"{server.url}/bids/packages/{beb.id}/tabulation")
    admin_page.get_by_role("button", name="Open the bids now").click()
    expect(admin_page.get_by_text("Opened 1 valid bid(s)")).to_be_visible()
    table = admin_page.locator("table.tabulation")
    expect(table.get_by_role("columnheader", name="Pacific Coach Works")).to_be_visible()
    expect(table.get_by_text("$1,050,000.00")).to_be_visible()
    expect(table.get_by_text("$1,040,000.50")).to_be_visible()
    expect(admin_page.get_by_text(receipt)).to_be_visible()

    page.goto(f"{server.url}/bids/packages/{beb.id}/tabulation")
    expect(page.get_by_text(receipt)).to_be_visible()
    with Session(server.app.extensions["consortium.engine"]) as session:
        kinds = [v.kind for v in session.exec(select(BidVersion).order_by(BidVersion.id)).all()]
    assert kinds == ["submit", "reconfirm"]
