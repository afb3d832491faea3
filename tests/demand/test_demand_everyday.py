"""Smaller things a fleet manager tripped over: prices typed as "$1,200,000", required fields
marked, plurals, the option values on the upload page, no template for a closed round."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from consortium.models import DemandLine
from consortium.money import parse_money
from consortium.web.filters import duration, plural, signed_money, version_label
from tests import factories
from tests.demand.conftest import form_data


@pytest.mark.parametrize("text, value", [
    ("$1,200,000", Decimal("1200000")), ("1200000", Decimal("1200000")),
    (" $31,250.50 ", Decimal("31250.50")), ("1 200 000", Decimal("1200000")),
])
def test_one_money_parser_reads_what_people_type(text, value):
    assert parse_money(text) == value


@pytest.mark.parametrize("text", ["1,20", "12,00,000", "$", "abc", "NaN", "1.2.3"])
def test_money_parser_refuses_ambiguous_amounts(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_filters():
    assert [plural(1, "line"), plural(2, "line"), plural(1200, "unit")] == ["1 line", "2 lines",
                                                                           "1,200 units"]
    assert [signed_money(-127250), signed_money(5000), signed_money(0)] == ["-$127,250", "+$5,000", "$0"]
    assert [version_label(0), version_label(2)] == ["original", "addendum 2"]
    assert duration(timedelta(days=1, hours=2, minutes=3)) == "1 day 2 hours"
    assert duration(timedelta(minutes=61)) == "1 hour 1 minute"


def test_the_line_form_accepts_a_price_with_dollar_and_commas(fleet_client, session, bus, round_):
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=form_data(max_unit_price="$1,200,000"))
    assert response.status_code == 302
    assert session.exec(select(DemandLine)).one().max_unit_price == 1200000


def test_required_fields_are_marked(fleet_client, bus, round_):
    page = fleet_client.get(f"/demand/rounds/{round_.id}/lines/new?product=BEB-40").get_data(as_text=True)
    for name in ("product", "quantity", "earliest", "latest"):
        tag = page.split(f'name="{name}"', 1)[0].rsplit("<", 1)[1] + page.split(f'name="{name}"', 1)[1].split(">", 1)[0]
        assert 'aria-required="true"' in tag, name
    assert 'for="quantity">Quantity <span aria-hidden="true">*</span>' in page
    assert 'for="notes">Notes (optional)</label>' in page
    assert "Fields marked" in page


def test_upload_page_lists_option_values_and_closed_rounds_offer_no_template(
        fleet_client, session, bus, van, round_, member):
    page = html.unescape(fleet_client.get(f"/demand/rounds/{round_.id}/upload").get_data(as_text=True))
    assert "<code>charging</code>: <code>CCS1</code>, <code>SAE-J3105</code>" in page
    assert "<code>roof</code>: <code>low</code>, <code>high</code>" in page
    factories.make_line(session, round=round_, member=member, product=bus, quantity=2)
    lines = fleet_client.get(f"/demand/rounds/{round_.id}").get_data(as_text=True)
    assert "template.csv" in lines and "<strong>1</strong> line</article>" in lines
    closed = factories.make_round(session, status="closed")
    factories.make_line(session, round=closed, member=member, product=bus)
    page = fleet_client.get(f"/demand/rounds/{closed.id}").get_data(as_text=True)
    assert "template.csv" not in page and "lines.csv" in page
    response = fleet_client.get(f"/demand/rounds/{closed.id}/template.csv")
    assert response.status_code == 302
    upload = fleet_client.get(f"/demand/rounds/{closed.id}/upload").get_data(as_text=True)
    assert "template.csv" not in upload
