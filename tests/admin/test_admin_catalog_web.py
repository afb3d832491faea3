"""Admin web: catalog products with tiers, options, vendor terms and the price curve."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlmodel import select

from consortium.models import AuditEntry, PriceTier, Product
from consortium.services.catalog import product_version, tiers_of
from tests import factories


def _form(tiers=(("1", "1,150,000"), ("10", "$1,115,500"), ("25", "1092500")), **fields):
    data = {"code": "BEB-40", "name": "40-ft battery-electric bus", "category": "bus",
            "unit": "each", "classification_scheme": "UNSPSC", "classification_code": "25101503",
            "classification_description": "Buses", "specification": "Low floor.",
            "options": "charging: CCS1, SAE-J3105\nlength: 40", "vendor_id": "",
            "min_tranche": "5", "max_per_period": "150", "tranche_cost": "40,000", "active": "y"}
    data.update(fields)
    for n, (qty, price) in enumerate(tiers):
        data[f"tiers-{n}-min_qty"] = qty
        data[f"tiers-{n}-unit_price"] = price
    return data


def test_create_product_with_tiers_options_and_terms(admin_client, session, admin):
    vendor = factories.make_vendor(session, "Bus Works")
    response = admin_client.post("/admin/products/new", data=_form(vendor_id=str(vendor.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    product = session.exec(select(Product).where(Product.code == "BEB-40")).one()
    assert product.options == {"charging": ["CCS1", "SAE-J3105"], "length": ["40"]}
    assert (product.min_tranche, product.max_per_period, product.tranche_cost) == (5, 150, Decimal("40000.00"))
    assert product.vendor_id == vendor.id and product.classification_code == "25101503"
    assert [(t.min_qty, t.unit_price) for t in tiers_of(session, product)] == [
        (1, Decimal("1150000.00")), (10, Decimal("1115500.00")), (25, Decimal("1092500.00"))]
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.entity == "product")).all()
    assert entry.action == "create" and entry.user_id == admin.id
    assert entry.after["tiers"] == [[1, 1150000], [10, 1115500], [25, 1092500]]


def test_each_tier_rule_is_shown_beside_the_tiers_and_nothing_is_saved(admin_client, session):
    cases = {
        (("2", "100"),): "Tier 1: the first tier must start at quantity 1 (not 2).",
        (("1", "100"), ("10", "95"), ("10", "90")): "Tier 3: quantities must increase (10 is not above 10).",
        (("1", "100"), ("5", "0")): "Tier 2: the unit price must be above 0.",
        (("1", "100"), ("5", "120")): "Tier 2: prices must never rise (120 is above 100 of tier 1).",
        (): "Add at least one price tier; the first starts at quantity 1.",
        (("1", "abc"),): "Row 1: &#39;abc&#39; is not an amount",
        (("1", ""),): "Row 1: give both a quantity and a unit price.",
    }
    for tiers, message in cases.items():
        response = admin_client.post("/admin/products/new", data=_form(tiers=tiers))
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert message in page, (tiers, message)
        assert 'id="tiers-error"' in page
        assert "Nothing was saved" in page
    assert session.exec(select(Product)).all() == []
    assert session.exec(select(PriceTier)).all() == []
    assert session.exec(select(AuditEntry)).all() == []


def test_bad_options_and_terms_are_refused_beside_their_fields(admin_client, session):
    response = admin_client.post("/admin/products/new", data=_form(
        options="charging CCS1\nlength:", min_tranche="0", tranche_cost="-5"))
    page = response.get_data(as_text=True)
    assert "Line 1: write the option as &#39;name: value1, value2&#39;." in page
    assert "Line 2: list at least one allowed value for length." in page
    assert "The cost per tranche cannot be negative." in page
    assert session.exec(select(Product)).all() == []


def test_duplicate_code_is_refused(admin_client, session):
    factories.make_product(session, "BEB-40")
    response = admin_client.post("/admin/products/new", data=_form())
    assert "The code BEB-40 is already used by" in response.get_data(as_text=True)
    assert len(session.exec(select(Product)).all()) == 1


def test_edit_product_replaces_tiers_and_is_audited(admin_client, session):
    product = factories.make_product(session, "BEB-40")
    page = admin_client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert 'value="charging: CCS1, SAE-J3105"' in page or "charging: CCS1, SAE-J3105" in page
    assert 'id="price-curve"' in page
    island = page.split('id="price-curve-data">')[1].split("</script>")[0]
    assert json.loads(island) == {"tiers": [{"min_qty": 1, "unit_price": 100000},
                                            {"min_qty": 10, "unit_price": 95000},
                                            {"min_qty": 25, "unit_price": 90000}]}
    response = admin_client.post(f"/admin/products/{product.id}", data=_form(
        code=product.code, tiers=(("1", "99000"), ("20", "88000")), max_per_period="",
        options="charging: CCS1", version=product_version(session, product)))
    assert response.status_code == 302
    session.refresh(product)
    assert product.max_per_period is None and product.options == {"charging": ["CCS1"]}
    assert [(t.min_qty, t.unit_price) for t in tiers_of(session, product)] == [
        (1, Decimal("99000.00")), (20, Decimal("88000.00"))]
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert entry.before["tiers"] == [[1, 100000], [10, 95000], [25, 90000]]
    assert entry.after["tiers"] == [[1, 99000], [20, 88000]]
    fields = entry.summary.split(": ", 1)[1].split(", ")
    assert "tiers" in fields and "min_tranche" in fields and "code" not in fields


def test_stale_product_form_is_refused_with_the_newer_values(admin_client, session):
    product = factories.make_product(session, "BEB-40")
    stale = product_version(session, product)
    first = admin_client.post(f"/admin/products/{product.id}",
                              data=_form(code="BEB-40", name="Saved first", version=stale))
    assert first.status_code == 302
    second = admin_client.post(f"/admin/products/{product.id}",
                               data=_form(code="BEB-40", name="Saved second", version=stale,
                                          tiers=(("1", "5"),)))
    page = second.get_data(as_text=True)
    assert "Someone else changed this product" in page and "Saved first" in page
    session.refresh(product)
    assert product.name == "Saved first"
    assert [t.min_qty for t in tiers_of(session, product)] == [1, 10, 25]


def test_catalog_list_filters_and_empty_state(admin_client, session):
    assert "The catalog is empty" in admin_client.get("/admin/products").get_data(as_text=True)
    factories.make_product(session, "BUS-1", category="bus")
    factories.make_product(session, "VAN-1", category="van", tiers=((1, 40000), (5, 38000)))
    page = admin_client.get("/admin/products?category=van").get_data(as_text=True)
    assert "VAN-1" in page and "BUS-1" not in page
    assert "$40,000" in page and "$38,000" in page
    ordered = admin_client.get("/admin/products?sort=-code").get_data(as_text=True)
    assert ordered.index("VAN-1") < ordered.index("BUS-1")


def test_product_of_a_rejected_vendor_can_still_be_saved(admin_client, session):
    rejected = factories.make_vendor(session, "Gone Motors", status="rejected")
    factories.make_vendor(session, "Other Rejected", status="rejected")
    product = factories.make_product(session, "OLD-1", vendor_id=rejected.id)
    page = admin_client.get(f"/admin/products/{product.id}").get_data(as_text=True)
    assert "Gone Motors" in page and "Other Rejected" not in page
    response = admin_client.post(f"/admin/products/{product.id}", data=_form(
        code="OLD-1", vendor_id=str(rejected.id), version=product_version(session, product)))
    assert response.status_code == 302
    session.refresh(product)
    assert product.vendor_id == rejected.id and product.name == "40-ft battery-electric bus"
