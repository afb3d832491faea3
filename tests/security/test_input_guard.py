"""Hostile input gets a clear 4xx on both databases, never a 500 (failure 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import AuditEntry, DemandLine, PriceTier, Product, Round, Run
from tests import factories
from tests.conftest import login
from tests.admin.test_admin_catalog_web import _form as product_form
from tests.demand.conftest import form_data as line_form
from tests.runs.conftest import closed_round  # noqa: F401  (fixture)

TOO_BIG = 2**31  # one past PostgreSQL's integer


def _id_urls(app) -> list[tuple[str, set[str]]]:
    """Every rule with an <int:...> part, the ids replaced by TOO_BIG."""
    urls = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items()
                if conv.__class__.__name__ == "BoundedIntConverter"]
        if not ints:
            continue
        url = rule.rule
        for name in ints:
            url = url.replace(f"<int:{name}>", str(TOO_BIG))
        if "<" not in url:
            urls.append((url, rule.methods - {"HEAD", "OPTIONS"}))
    return urls


@pytest.mark.parametrize("who", ["admin_client", "fleet_client", "vendor_client"])
def test_ids_past_the_integer_range_are_404_everywhere(app, who, request):
    client = request.getfixturevalue(who)
    urls = _id_urls(app)
    assert len(urls) >= 20
    for url, methods in urls:
        for method in methods:
            response = client.open(url, method=method, data={})
            assert response.status_code in (400, 403, 404, 405), (method, url, response.status_code)
    assert client.get("/demand/lines/2147483648/edit").status_code in (403, 404)


def test_nul_bytes_without_signing_in(client, session):
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x" * 12})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    response = client.post("/vendors/register", data={
        "company": "Evil\x00Co", "contact_name": "E", "email": "e@evil.example.com",
        "password": "a long password 1", "password2": "a long password 1"})
    assert response.status_code == 400
    response = client.get("/api/packages/%00/ocds.json")
    assert response.status_code == 400 and response.get_json()["error"] == "Bad request"
    assert client.get("/api/packages/x/ocds.json?version=99999999999").status_code == 400
    assert client.get("/api/packages/x/ocds.json?version=-99999999999").status_code == 400
    assert session.exec(select(AuditEntry)).all() == []


def test_nul_bytes_and_odd_digits_signed_in(app, admin, fleet_client, session, bus, round_):
    admin_client = app.test_client()
    login(admin_client, admin)
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=line_form(notes="bad\x00note"))
    assert response.status_code == 400
    assert session.exec(select(DemandLine)).all() == []
    assert fleet_client.get(f"/demand/rounds/{round_.id}?product=B\x00").status_code == 400
    assert fleet_client.get(f"/demand/rounds/{round_.id}/options?product=%00").status_code == 400
    assert admin_client.get("/admin/audit?round=²").status_code == 400
    assert admin_client.get("/admin/audit?round=99999999999").status_code == 400
    assert admin_client.get("/admin/audit?entity=a%00b").status_code == 400
    assert admin_client.get("/admin/audit?round=1").status_code == 200
    response = fleet_client.post(f"/demand/rounds/{round_.id}/indicative",
                                 data={"product": "BEB-40", "quantity": "²", "opt.charging": "CCS1"})
    assert response.status_code == 200
    response = fleet_client.post(f"/demand/rounds/{round_.id}/indicative",
                                 data={"line_id": str(TOO_BIG), "product": "BEB-40"})
    assert response.status_code == 404


@pytest.mark.parametrize("fields,tiers,message", [
    ({"min_tranche": "100000000000000000000"}, None, "Number must be between"),
    ({"max_per_period": "10000000000"}, None, "Number must be between"),
    ({"tranche_cost": "1e30"}, None, "must be at most"),
    ({"tranche_cost": "1e17"}, None, "must be at most"),
    ({"tranche_cost": "0.001"}, None, "whole cents"),
    ({}, (("1", "1e30"),), "must be at most"),
    ({}, (("1", str(10**20)),), "must be at most"),
    ({}, (("1", "0.001"),), "whole cents"),
    ({}, (("1", "100"), ("100000000000000000000", "90")), "whole number of units"),
    ({}, (("1", "sNaN"),), "is not an amount"),
])
def test_product_form_refuses_huge_and_sub_cent_amounts(admin_client, session, fields, tiers,
                                                        message):
    data = product_form(**fields) if tiers is None else product_form(tiers=tiers, **fields)
    response = admin_client.post("/admin/products/new", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert session.exec(select(Product)).all() == [] and session.exec(select(PriceTier)).all() == []


@pytest.mark.parametrize("price", ["0.001", "1e30", "sNaN", "10" * 15])
def test_line_price_is_refused_rather_than_rounded(fleet_client, session, bus, round_, price):
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=line_form(max_unit_price=price))
    assert response.status_code in (200, 422)
    assert "max" in response.get_data(as_text=True)
    assert session.exec(select(DemandLine)).all() == []


@pytest.mark.parametrize("field,value", [("time_limit", "sNaN"), ("gap", "sNaN"),
                                         ("time_limit", "NaN"), ("gap", "Infinity"),
                                         ("time_limit", "1e999999999")])
def test_run_parameters_refuse_nan(admin_client, session, closed_round, field, value):
    data = {"time_limit": "60", "gap": "0.01", "solver": "highs", "fairness": "y", field: value}
    response = admin_client.post(f"/admin/rounds/{closed_round.id}/runs", data=data)
    assert response.status_code in (200, 422)
    assert session.exec(select(Run)).all() == []


def test_round_periods_longer_than_the_column_are_refused(admin_client, session):
    deadline = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    response = admin_client.post("/admin/rounds/new", data={
        "name": "Long periods", "periods": "2027Q1\n" + "P" * 21, "deadline": deadline})
    assert "at most 20 characters" in response.get_data(as_text=True)
    assert session.exec(select(Round)).all() == []


def test_a_line_can_be_added_in_a_round_with_20_character_periods(fleet_client, session, bus):
    periods = ["A" * 20, "B" * 20]
    round_ = factories.make_round(session, periods=periods)
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=line_form(earliest=periods[0], latest=periods[1]))
    assert response.status_code == 302
    assert len(session.exec(select(DemandLine)).all()) == 1
