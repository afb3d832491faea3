"""Small builders for hand-checkable problems."""

from __future__ import annotations

from consortium.optimizer import optimize, parse_problem
from tests.optimizer.checker import check_plan

QUARTERS = ["2027Q1", "2027Q2", "2027Q3", "2027Q4"]


def product(code="BUS", tiers=((1, 100), (10, 90)), **extra) -> dict:
    out = {"code": code, "tiers": [{"min_qty": q, "unit_price": p} for q, p in tiers]}
    out.update(extra)
    return out


def line(id, member, qty, earliest="2027Q1", latest=None, product="BUS", **extra) -> dict:
    out = {"id": id, "member": member, "product": product, "quantity": qty,
           "earliest": earliest, "latest": latest or earliest}
    out.update(extra)
    return out


def problem(products, demand, periods=QUARTERS) -> dict:
    return {"periods": list(periods), "products": list(products), "demand": list(demand)}


def solve(data: dict, *, fairness: bool = True, check: bool = True, **kwargs) -> dict:
    """Optimize a problem dict and return the plan dict, checked against the contract."""
    plan = optimize(parse_problem(data), fairness=fairness, **kwargs).to_dict()
    if check:
        check_plan(data, plan, fairness=fairness)
    return plan


def member(plan: dict, name: str) -> dict:
    return next(m for m in plan["members"] if m["member"] == name)


def reasons(plan: dict) -> dict[str, str]:
    return {u["demand"]: u["reason"] for u in plan["unplaced"]}
