"""Admin services: tier rules, quarters, round lifecycle and locks, the problem file."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from consortium.db import commit, utcnow
from consortium.models import AuditEntry, PriceTier, Product, Round
from consortium.services import catalog, rounds
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict, NotAllowed, ServiceError
from consortium.services.problem import build_problem, problem_json
from tests import factories

D = Decimal


def test_valid_tiers_have_no_messages():
    assert catalog.validate_tiers([(1, D(100)), (10, D(95)), (25, D(95))]) == []


@pytest.mark.parametrize("tiers, message", [
    ([], "Add at least one price tier; the first starts at quantity 1."),
    ([(2, D(100))], "Tier 1: the first tier must start at quantity 1 (not 2)."),
    ([(1, D(100)), (10, D(95)), (10, D(90))], "Tier 3: quantities must increase (10 is not above 10)."),
    ([(1, D(100)), (5, D(0))], "Tier 2: the unit price must be above 0."),
    ([(1, D(-1))], "Tier 1: the unit price must be above 0."),
    ([(1, D(100)), (5, D("100.50"))], "Tier 2: prices must never rise (100.50 is above 100 of tier 1)."),
])
def test_each_tier_rule_has_its_message(tiers, message):
    assert catalog.validate_tiers(tiers) == [message]


def test_every_broken_rule_is_listed_at_once():
    messages = catalog.validate_tiers([(3, D(100)), (2, D(120))])
    assert messages == ["Tier 1: the first tier must start at quantity 1 (not 3).",
                        "Tier 2: quantities must increase (2 is not above 3).",
                        "Tier 2: prices must never rise (120 is above 100 of tier 1)."]


def test_quarters_generator():
    assert rounds.quarters("2027Q3", 4) == ["2027Q3", "2027Q4", "2028Q1", "2028Q2"]
    assert rounds.quarters("2027q1", 1) == ["2027Q1"]
    with pytest.raises(ServiceError, match="YEARQn"):
        rounds.quarters("2027-Q5", 2)
    with pytest.raises(ServiceError, match="between 1 and 40"):
        rounds.quarters("2027Q1", 0)


def _product_data(**extra):
    return {"code": "BEB-40", "name": "40-ft bus", "category": "bus", "options": {},
            "min_tranche": 5, "max_per_period": 150, "tranche_cost": D(40000), **extra}


def test_invalid_product_saves_nothing(session, admin):
    with pytest.raises(FieldErrors) as exc:
        catalog.create_product(session, data=_product_data(), tiers=[(1, D(10)), (1, D(20))],
                               actor=admin)
        commit(session)
    assert exc.value.errors["tiers"] == ["Tier 2: quantities must increase (1 is not above 1).",
                                         "Tier 2: prices must never rise (20 is above 10 of tier 1)."]
    session.rollback()
    assert session.exec(select(Product)).all() == []
    assert session.exec(select(PriceTier)).all() == []
    assert session.exec(select(AuditEntry)).all() == []


def test_product_update_refuses_a_stale_version(session, admin):
    product = catalog.create_product(session, data=_product_data(), tiers=[(1, D(100))], actor=admin)
    commit(session)
    seen = catalog.product_version(session, product)
    catalog.update_product(session, product, data={"name": "First save"}, tiers=[(1, D(100))],
                           actor=admin, version=seen)
    commit(session)
    with pytest.raises(Conflict) as exc:
        catalog.update_product(session, product, data={"name": "Second save"},
                               tiers=[(1, D(90))], actor=admin, version=seen)
        commit(session)
    assert exc.value.current["name"] == "First save"
    session.rollback()
    assert session.get(Product, product.id).name == "First save"
    assert [t.unit_price for t in catalog.tiers_of(session, product)] == [D("100.00")]


def _deadline(days=10):
    return utcnow() + timedelta(days=days)


def test_round_lifecycle_draft_open_closed(session, admin):
    round_ = rounds.create_round(session, name="Fleet 2027", periods=rounds.quarters("2027Q1", 4),
                                 deadline=_deadline(), actor=admin)
    commit(session)
    assert (round_.slug, round_.status, round_.closed_at) == ("fleet-2027", "draft", None)
    with pytest.raises(NotAllowed, match="still a draft"):
        rounds.close_round(session, round_, actor=admin)
        commit(session)
    rounds.open_round(session, round_, actor=admin)
    commit(session)
    assert round_.status == "open"
    with pytest.raises(NotAllowed, match="Only a draft round can be opened"):
        rounds.open_round(session, round_, actor=admin)
        commit(session)
    rounds.close_round(session, round_, actor=admin)
    commit(session)
    assert round_.status == "closed" and round_.closed_at is not None
    with pytest.raises(NotAllowed, match="already closed"):
        rounds.close_round(session, round_, actor=admin)
        commit(session)
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "round")
                           .order_by(AuditEntry.id)).all()
    assert actions == ["create", "open", "close"]


def test_round_deadline_must_be_in_the_future(session, admin):
    with pytest.raises(FieldErrors) as exc:
        rounds.create_round(session, name="Late round", periods=["2027Q1"],
                            deadline=utcnow() - timedelta(minutes=1), actor=admin)
        commit(session)
    assert exc.value.errors["deadline"] == ["The demand deadline must be in the future."]
    past = factories.make_round(session, status="draft", deadline=utcnow() - timedelta(days=1))
    with pytest.raises(NotAllowed, match="deadline has passed"):
        rounds.open_round(session, past, actor=admin)
        commit(session)


def test_round_periods_are_validated(session, admin):
    with pytest.raises(FieldErrors) as exc:
        rounds.create_round(session, name="Dup periods", periods=["2027Q1", "2027Q1"],
                            deadline=_deadline(), actor=admin)
        commit(session)
    assert exc.value.errors["periods"] == ["Each delivery period may appear only once."]


def test_periods_are_locked_once_the_round_has_demand(session, admin, member):
    round_ = factories.make_round(session, status="open")
    version = rounds.round_version(round_)
    rounds.update_round(session, round_, data={"periods": ["2027Q1", "2027Q2"]}, actor=admin,
                        version=version)
    commit(session)
    assert round_.periods == ["2027Q1", "2027Q2"]
    factories.make_line(session, round=round_, member=member, product=factories.make_product(session))
    with pytest.raises(FieldErrors) as exc:
        rounds.update_round(session, round_, data={"periods": ["2027Q1", "2027Q2", "2027Q3"]},
                            actor=admin)
        commit(session)
    assert "locked" in exc.value.errors["periods"][0]
    session.rollback()
    assert session.get(Round, round_.id).periods == ["2027Q1", "2027Q2"]
    # Other fields still change.
    rounds.update_round(session, round_, data={"name": "Renamed round"}, actor=admin)
    commit(session)
    assert session.get(Round, round_.id).name == "Renamed round"


def test_round_totals_and_filters(session, member, other_member):
    round_ = factories.make_round(session, periods=["2027Q1", "2027Q2", "2027Q3"])
    bus = factories.make_product(session, "BUS")
    van = factories.make_product(session, "VAN")
    factories.make_line(session, round=round_, member=member, product=bus, quantity=10,
                        earliest="2027Q1", latest="2027Q2")
    factories.make_line(session, round=round_, member=other_member, product=bus, quantity=4,
                        earliest="2027Q2", latest="2027Q3")
    factories.make_line(session, round=round_, member=member, product=van, quantity=3,
                        earliest="2027Q3", latest="2027Q3")
    totals = rounds.round_totals(session, round_)
    assert totals.cells == {("BUS", "2027Q1"): 10, ("BUS", "2027Q2"): 4, ("VAN", "2027Q3"): 3}
    assert totals.by_product == {"BUS": 14, "VAN": 3}
    assert totals.by_period == {"2027Q1": 10, "2027Q2": 4, "2027Q3": 3}
    assert (totals.lines, totals.units) == (3, 17)
    assert totals.chart()["datasets"] == [{"label": "BUS", "data": [10, 4, 0]},
                                          {"label": "VAN", "data": [0, 0, 3]}]
    by_member = rounds.round_totals(session, round_, rounds.DemandFilters(member_id=member.id))
    assert (by_member.lines, by_member.units) == (2, 13)
    # Period filter: lines whose window includes 2027Q2.
    q2 = rounds.round_totals(session, round_, rounds.DemandFilters(period="2027Q2"))
    assert (q2.lines, q2.units) == (2, 14)
    van_q1 = rounds.round_totals(session, round_, rounds.DemandFilters(product_id=van.id,
                                                                        period="2027Q1"))
    assert van_q1.lines == 0


def test_build_problem_matches_the_contract(session, member, other_member):
    round_ = factories.make_round(session, periods=["2027Q1", "2027Q2"])
    bus = factories.make_product(session, "BEB-40", tiers=((1, 1150000), (10, "1115500.50")),
                                 min_tranche=5, max_per_period=150, tranche_cost=D(40000),
                                 name="40-ft bus")
    van = factories.make_product(session, "AVAN", tiers=((1, 50000),), name="Van")
    factories.make_product(session, "UNUSED")
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-1",
                        quantity=12, options={"charging": "CCS1"}, splittable=True,
                        max_unit_price=D(1120000))
    factories.make_line(session, round=round_, member=member, product=van, ref="LA-1",
                        quantity=3, options={}, earliest="2027Q2", latest="2027Q2")
    problem = build_problem(session, round_)
    assert problem == {
        "periods": ["2027Q1", "2027Q2"],
        "products": [
            {"code": "AVAN", "name": "Van", "unit": "each",
             "tiers": [{"min_qty": 1, "unit_price": 50000}], "min_tranche": 1, "tranche_cost": 0},
            {"code": "BEB-40", "name": "40-ft bus", "unit": "each",
             "tiers": [{"min_qty": 1, "unit_price": 1150000},
                       {"min_qty": 10, "unit_price": 1115500.5}],
             "min_tranche": 5, "max_per_period": 150, "tranche_cost": 40000},
        ],
        "demand": [
            {"id": "LA-1", "member": "Los Angeles", "member_id": member.id, "product": "AVAN",
             "quantity": 3,
             "earliest": "2027Q2", "latest": "2027Q2", "options": {}, "splittable": False},
            {"id": "SEA-1", "member": "Seattle", "member_id": other_member.id, "product": "BEB-40",
             "quantity": 12,
             "earliest": "2027Q1", "latest": "2027Q2", "options": {"charging": "CCS1"},
             "splittable": True, "max_unit_price": 1120000},
        ],
    }
    assert problem_json(problem) == problem_json(build_problem(session, round_))


def test_exported_problem_is_accepted_by_the_optimizer(session, member):
    from consortium.optimizer import parse_problem

    round_ = factories.make_round(session)
    product = factories.make_product(session, "BEB-40", min_tranche=2, tranche_cost=D("1500.25"))
    factories.make_line(session, round=round_, member=member, product=product, quantity=4,
                        max_unit_price=D("99999.99"))
    parsed = parse_problem(build_problem(session, round_))
    assert [line.id for line in parsed.demand] == [build_problem(session, round_)["demand"][0]["id"]]
    assert parsed.products[0].tranche_cost == 1500.25
