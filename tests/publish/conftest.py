"""A demo-like round for the bid package tests: the demo catalog and members, and an approved run
whose plan is written by hand (figures checked against the demo tiers)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from consortium.db import commit, utcnow
from consortium.models import Member, PriceTier, Product, Run
from tests import factories

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
PRODUCT_FIELDS = ("code", "name", "category", "unit", "classification_scheme", "classification_code",
                  "classification_description", "specification", "options", "min_tranche",
                  "max_per_period", "tranche_cost")


def _tranche(tid, product, options, period, unit_price, tranche_cost, allocations):
    quantity = sum(q for _, q in allocations)
    return {"id": tid, "product": product, "options": options, "period": period, "quantity": quantity,
            "unit_price": unit_price, "tranche_cost": tranche_cost,
            "total_cost": quantity * unit_price + tranche_cost,
            "allocations": [{"demand": f"{tid}-{n}", "member": m, "quantity": q}
                            for n, (m, q) in enumerate(allocations, start=1)]}


def demo_plan() -> dict:
    """Five tranches of two products; unit prices are the demo tiers for each quantity."""
    tranches = [
        _tranche("T1", "BEB-40", {"charging": "CCS1", "battery": "450 kWh"}, "2027Q1", 1092500, 40000,
                 [("Los Angeles", 8), ("Long Beach", 4)]),
        _tranche("T2", "BEB-40", {"charging": "SAE-J3105", "battery": "525 kWh"}, "2027Q2", 1058000,
                 40000, [("Los Angeles", 20), ("San Diego", 10)]),
        _tranche("T3", "BEB-40", {"charging": "CCS1", "battery": "450 kWh"}, "2027Q3", 1115500, 40000,
                 [("Seattle", 6)]),
        _tranche("T4", "SEDAN-EV", {"charging": "J3400-NACS"}, "2027Q1", 31490, 1500,
                 [("Seattle", 15), ("Portland", 25)]),
        _tranche("T5", "SEDAN-EV", {"charging": "CCS1"}, "2027Q2", 30485, 1500,
                 [("Denver", 35), ("Los Angeles", 25)]),
    ]
    return factories.plan_dict(tranches=tranches)


def load_demo_catalog(session) -> dict:
    """The demo members and products (with their tiers) as rows; returns the products by code."""
    for m in json.loads((DEMO / "members.json").read_text())["members"]:
        session.add(Member.model_validate(m))
    products = {}
    for p in json.loads((DEMO / "products.json").read_text())["products"]:
        product = Product.model_validate({k: p[k] for k in PRODUCT_FIELDS if k in p})
        session.add(product)
        session.flush()
        for tier in p["tiers"]:
            session.add(PriceTier(product_id=product.id, min_qty=tier["min_qty"],
                                  unit_price=Decimal(tier["unit_price"])))
        products[product.code] = (product, p["tiers"])
    session.commit()
    return products


def make_approved_run(session, round_, plan: dict, problem: dict | None = None) -> Run:
    """A succeeded run with `plan`, marked as the round's approved run."""
    run = Run(round_id=round_.id, status="succeeded", stage="done", problem=problem or {},
              plan=plan, finished_at=utcnow(), approved_at=utcnow())
    session.add(run)
    session.commit()
    round_.approved_run_id = run.id
    session.add(round_)
    session.commit()
    return run


@pytest.fixture
def demo_round(session):
    """A closed round of the demo consortium with an approved, hand-written plan."""
    products = load_demo_catalog(session)
    round_ = factories.make_round(session, status="closed", name="2027 Clean Fleet Round",
                                  slug="2027-clean-fleet", deadline=utcnow() - timedelta(days=2))
    problem = {"periods": list(round_.periods),
               "products": [{"code": code, "name": p.name, "unit": p.unit, "tiers": tiers}
                            for code, (p, tiers) in products.items()],
               "demand": []}
    run = make_approved_run(session, round_, demo_plan(), problem)
    return round_, run


@pytest.fixture
def deadlines():
    """Questions in 21 days, bids in 30 (UTC, whole minutes)."""
    now = utcnow().replace(second=0, microsecond=0)
    return {"questions_deadline": now + timedelta(days=21), "bid_deadline": now + timedelta(days=30)}


@pytest.fixture
def published(session, admin, demo_round, deadlines):
    """The demo round, published: {product code: BidPackage}."""
    from consortium.services.publishing import publish_round
    packages = publish_round(session, demo_round[1], admin, **deadlines)
    commit(session)
    from consortium.models import Product as P
    return {session.get(P, p.product_id).code: p for p in packages}
