"""The admin pages in a real browser with CSRF on: the tier form and price curve, the round
lifecycle with confirmation dialogs, the demand chart, and no CSP violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.models import Member, Round
from tests import factories
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_admin_adds_a_product_with_tiers_and_sees_the_price_curve(admin_page, admin_console):
    page = admin_page
    sign_in(page, "admin@e2e.example")
    page.goto("/admin/products/new")
    page.locator("#code").fill("E2E-BUS")
    page.locator("#name").fill("Browser bus")
    page.get_by_label("Options and allowed values").fill("charging: CCS1, SAE-J3105")
    page.get_by_label("Tier 1 from quantity").fill("1")
    page.get_by_label("Tier 1 unit price").fill("1,000,000")
    page.get_by_label("Tier 2 from quantity").fill("10")
    page.get_by_label("Tier 2 unit price").fill("1,050,000")
    page.get_by_role("button", name="Add product").click()
    expect(page.locator("#tiers-error")).to_have_text(
        "Tier 2: prices must never rise (1,050,000 is above 1,000,000 of tier 1).")
    page.get_by_label("Tier 2 unit price").fill("950000")
    page.get_by_role("button", name="Add product").click()
    expect(page.get_by_role("status")).to_contain_text("Added E2E-BUS to the catalog.")
    expect(page.locator("#price-curve")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('price-curve')")
    points = page.evaluate("() => Chart.getChart('price-curve').data.datasets[0].data.length")
    assert points == 3  # two tiers plus the extension of the last step
    assert admin_console.csp_violations() == []


def test_admin_opens_and_closes_a_round_with_confirmation(admin_page, admin_console, live_server):
    engine = live_server.app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as s:
        member = s.exec(select(Member).where(Member.name == "Portland")).one()
        product = factories.make_product(s, "E2E-VAN", tiers=((1, 50000),))
    page = admin_page
    sign_in(page, "admin@e2e.example")
    page.goto("/admin/rounds/new")
    page.locator("#name").fill("Browser round 2030")
    page.get_by_label("First delivery quarter").fill("2030Q1")
    page.get_by_label("Number of quarters").fill("2")
    page.get_by_role("button", name="Create round").click()
    expect(page.get_by_role("heading", name="Browser round 2030")).to_be_visible()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Open for demand").click()
    expect(page.get_by_role("status")).to_contain_text("is open")
    with Session(engine, expire_on_commit=False) as s:
        round_ = s.exec(select(Round).where(Round.slug == "browser-round-2030")).one()
        factories.make_line(s, round=round_, member=member, product=product, quantity=9)
    page.get_by_role("button", name="Demand overview").click()
    expect(page.locator("#demand-chart")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('demand-chart')")
    totals = page.evaluate("() => Chart.getChart('demand-chart').data.datasets[0].data")
    assert totals == [9, 0]
    page.go_back()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_role("status")).to_contain_text("is closed")
    assert dialogs[0].startswith("Open Browser round 2030?")
    assert dialogs[1].startswith("Close Browser round 2030 ") and "before its deadline" in dialogs[1]
    assert admin_console.csp_violations() == []
