"""The line form and the CSV import in a real browser with CSRF on: htmx swaps the product's
options and updates the indicative price while typing, and no page breaks the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from tests import factories
from tests.e2e.conftest import console, live_server, sign_in  # noqa: F401  (fixtures by name)

pytestmark = pytest.mark.e2e


@pytest.fixture
def browser_context_args(live_server):
    """This module's own live server. Not `base_url`: pytest-playwright caches its session-wide
    context arguments, and tests/e2e must keep theirs pointing at their server."""
    return {"base_url": live_server.url}


@pytest.fixture(scope="module")
def demand_round(live_server):
    with Session(live_server.app.extensions["consortium.engine"], expire_on_commit=False) as s:
        factories.make_product(s, "BEB-40", name="40-ft battery-electric bus",
                               options={"charging": ["CCS1", "SAE-J3105"]})
        factories.make_product(s, "VAN-E", name="Electric cargo van",
                               options={"roof": ["low", "high"]}, tiers=((1, 50000),))
        return factories.make_round(s, name="Browser round", slug="browser-2027")


def test_fleet_manager_adds_a_line_with_live_price_and_imports_a_csv(page, console, demand_round):
    sign_in(page, "fleet@e2e.example")
    page.goto(f"/demand/rounds/{demand_round.id}/lines/new")
    page.get_by_label("Product").select_option("BEB-40")
    charging = page.get_by_label("charging")
    expect(charging).to_be_visible()  # swapped in by htmx
    expect(page.get_by_label("roof")).to_have_count(0)
    charging.select_option("CCS1")
    page.get_by_label("Quantity").fill("12")
    indicative = page.locator("#indicative")
    expect(indicative).to_contain_text("Indicative unit price: $95,000")
    expect(indicative).to_contain_text("13 more units")
    page.get_by_label("Quantity").fill("9")
    expect(indicative).to_contain_text("Indicative unit price: $100,000")
    page.get_by_label("Product").select_option("VAN-E")
    expect(page.get_by_label("roof")).to_be_visible()
    page.get_by_label("roof").select_option("high")
    page.get_by_role("button", name="Save line").click()
    expect(page.get_by_role("status").first).to_contain_text("Line POR-browser-2027-001 added")

    page.get_by_role("button", name="Upload CSV").click()
    csv = ("product,quantity,earliest,latest,options\n"
           "BEB-40,30,2027Q1,2027Q2,charging=SAE-J3105\n").encode()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "lines.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("The row is valid")).to_be_visible()
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.get_by_text("Imported 1 line (30 units)")).to_be_visible()
    expect(page.locator("table.demand-lines tbody tr")).to_have_count(2)
    assert console.csp_violations() == []
