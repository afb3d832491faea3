"""Random tiny problems: every plan obeys the contract and is optimal against brute force."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.optimizer.checker import brute_optimum, check_plan, exact
from tests.optimizer.helpers import solve

PERIODS = ["P1", "P2", "P3"]


@st.composite
def tiny_problems(draw) -> dict:
    n_periods = draw(st.integers(1, 3))
    periods = PERIODS[:n_periods]
    products = []
    for code in draw(st.sampled_from([["A"], ["A", "B"]])):
        n_tiers = draw(st.integers(1, 3))
        qtys = sorted(draw(st.sets(st.integers(2, 8), min_size=n_tiers - 1,
                                   max_size=n_tiers - 1)))
        price = draw(st.integers(50, 100))
        tiers = [{"min_qty": 1, "unit_price": price}]
        for q in qtys:
            price -= draw(st.integers(0, 15))
            tiers.append({"min_qty": q, "unit_price": max(price, 1)})
        product = {"code": code, "tiers": tiers,
                   "min_tranche": draw(st.integers(1, 4)),
                   "tranche_cost": draw(st.sampled_from([0, 0, 7, 25]))}
        if draw(st.booleans()):
            product["max_per_period"] = draw(st.integers(3, 12))
        products.append(product)
    demand = []
    for i in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, n_periods - 1))
        end = draw(st.integers(start, n_periods - 1))
        split = draw(st.booleans())
        p = draw(st.sampled_from(products))
        line = {"id": f"L{i}", "member": draw(st.sampled_from(["M1", "M2", "M3"])),
                "product": p["code"], "quantity": draw(st.integers(1, 4 if split else 7)),
                "earliest": periods[start], "latest": periods[end], "splittable": split,
                "options": draw(st.sampled_from([{}, {}, {"c": "x"}]))}
        if draw(st.integers(0, 3)) == 0:
            prices = [t["unit_price"] for t in p["tiers"]]
            line["max_unit_price"] = draw(st.sampled_from(prices)) - draw(st.sampled_from([0, 1]))
        demand.append(line)
    return {"periods": periods, "products": products, "demand": demand}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_plans_obey_the_contract_and_are_optimal(data):
    plan = solve(data, fairness=False, check=False)
    check_plan(data, plan, fairness=False)
    units, cost = brute_optimum(data)
    assert plan["status"] == "optimal"
    assert plan["placed_units"] == units
    assert exact(plan["total_cost"]) == cost


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_fair_plans_keep_units_and_say_what_fairness_cost(data):
    plan = solve(data, fairness=True, check=False)
    check_plan(data, plan, fairness=True)
    units, cost = brute_optimum(data)
    assert plan["placed_units"] == units
    assert exact(plan["total_cost"]) >= cost
    assert exact(plan["totals"]["fairness_cost"]) == exact(plan["total_cost"]) - cost
    assert exact(plan["lower_bound"]) <= exact(plan["total_cost"])
    assert Fraction(0) <= exact(plan["totals"]["fairness_cost"])
