"""The optional `member_id` extra: accepted, checked, carried into the plan; and a plan document in
another shape is refused with the field named."""

from __future__ import annotations

import copy

import pytest

from consortium.optimizer import PlanError, ProblemError, optimize, parse_problem, plan_from_dict
from tests.optimizer.checker import check_plan

PROBLEM = {
    "periods": ["P1", "P2"],
    "products": [{"code": "BUS", "tiers": [{"min_qty": 1, "unit_price": 100},
                                           {"min_qty": 10, "unit_price": 90}],
                  "min_tranche": 5, "tranche_cost": 10}],
    "demand": [
        {"id": "A", "member": "Los Angeles", "member_id": 4, "product": "BUS", "quantity": 6,
         "earliest": "P1", "latest": "P2"},
        {"id": "B", "member": "Seattle", "member_id": 9, "product": "BUS", "quantity": 6,
         "earliest": "P2", "latest": "P2"},
        {"id": "C", "member": "Seattle", "member_id": 9, "product": "BUS", "quantity": 2,
         "earliest": "P1", "latest": "P1", "options": {"x": "y"}},
    ],
}


def _without_ids(problem: dict) -> dict:
    plain = copy.deepcopy(problem)
    for line in plain["demand"]:
        line.pop("member_id")
    return plain


def test_member_ids_round_trip_and_reach_every_part_of_the_plan():
    problem = parse_problem(PROBLEM)
    assert [d.member_id for d in problem.demand] == [4, 9, 9]
    assert [d["member_id"] for d in problem.to_dict()["demand"]] == [4, 9, 9]
    assert parse_problem(problem.to_dict()) == problem
    plan = optimize(problem).to_dict()
    check_plan(PROBLEM, plan, fairness=True)  # the outside checker ignores the extra field
    [tranche] = plan["tranches"]
    assert {(a["member"], a["member_id"]) for a in tranche["allocations"]} == {
        ("Los Angeles", 4), ("Seattle", 9)}
    assert [(u["demand"], u["member_id"]) for u in plan["unplaced"]] == [("C", 9)]
    assert [(m["member"], m["member_id"]) for m in plan["members"]] == [
        ("Los Angeles", 4), ("Seattle", 9)]
    assert plan_from_dict(plan).to_dict() == plan


def test_without_member_ids_the_plan_is_as_before():
    plain = _without_ids(PROBLEM)
    assert "member_id" not in str(parse_problem(plain).to_dict())
    with_ids = optimize(parse_problem(PROBLEM)).to_dict()
    without = optimize(parse_problem(plain)).to_dict()
    assert "member_id" not in str(without)
    assert without["members"] == [{k: v for k, v in m.items() if k != "member_id"}
                                  for m in with_ids["members"]]


@pytest.mark.parametrize("value", [0, -3, "4", 4.0, True])
def test_a_member_id_must_be_a_positive_integer(value):
    bad = copy.deepcopy(PROBLEM)
    bad["demand"][0]["member_id"] = value
    with pytest.raises(ProblemError) as info:
        parse_problem(bad)
    assert [path for path, _ in info.value.errors] == ["demand[0].member_id"]


def test_one_member_one_id():
    two_ids = copy.deepcopy(PROBLEM)
    two_ids["demand"][2]["member_id"] = 5  # Seattle with a second id
    shared = copy.deepcopy(PROBLEM)
    shared["demand"][1]["member_id"] = 4  # Seattle with Los Angeles's id
    for bad in (two_ids, shared):
        with pytest.raises(ProblemError, match="one member, one id"):
            parse_problem(bad)


@pytest.mark.parametrize("breakage, field", [
    (lambda p: p.pop("members"), "plan has no field 'members'"),
    (lambda p: p["tranches"][0].pop("period"), "tranches[0] has no field 'period'"),
    (lambda p: p["tranches"][0]["allocations"][0].pop("quantity"),
     "tranches[0].allocations[0] has no field 'quantity'"),
    (lambda p: p["unplaced"][0].pop("reason"), "unplaced[0] has no field 'reason'"),
    (lambda p: p["totals"].update(saving=p["totals"].pop("savings")), "totals"),
    (lambda p: p.update(tranches=None), "plan"),
])
def test_a_plan_in_another_shape_is_refused_with_the_field_named(breakage, field):
    plan = optimize(parse_problem(PROBLEM)).to_dict()
    breakage(plan)
    with pytest.raises(PlanError) as info:
        plan_from_dict(plan)
    assert field in str(info.value)
