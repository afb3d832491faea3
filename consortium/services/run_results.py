"""Reading a stored plan: tranche rows, a member's results, chart data and run comparison.

A run's stored problem and plan are read once, through the optimizer's own types (`problem_of`,
`plan_of`): a document that is not in the contract's shape (docs/problem-format.md) raises a
clear error instead of showing empty tables. The functions below take those dataclasses; no
database. Members are matched by their stable id (`member_id`, which the app writes into every
problem it builds); plans stored before the id existed are matched by name.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Protocol

from consortium.optimizer import (
    Plan,
    PlanError,
    Problem,
    ProblemError,
    parse_problem,
    plan_from_dict,
)
from consortium.optimizer.problem import Product
from consortium.services.errors import ServiceError

TOTAL_KEYS = (
    ("status", "Status"), ("placed_units", "Placed units"), ("total_cost", "Total cost"),
    ("gap", "Gap"), ("standalone_cost", "Stand-alone cost"),
    ("consortium_cost", "Consortium cost"), ("savings", "Savings"),
    ("savings_pct", "Savings %"), ("fairness_cost", "Fairness cost"),
)


class StoredDocumentError(ServiceError):
    """A run's stored problem or plan is not in the contract's shape."""


class _HasPlan(Protocol):
    id: int | None
    plan: dict | None
    problem: dict | None


class _MemberLike(Protocol):
    id: int | None
    name: str


def plan_of(run: _HasPlan) -> Plan | None:
    """The run's plan as the optimizer's `Plan` (None while it has none); a stored plan with a
    missing, renamed or mistyped field raises `StoredDocumentError` naming it."""
    if not run.plan:
        return None
    try:
        return plan_from_dict(run.plan)
    except PlanError as exc:
        raise StoredDocumentError(f"The stored plan of run {run.id} cannot be read: "
                                  f"{exc}") from None


def problem_of(run: _HasPlan) -> Problem | None:
    """The problem the run solved, as the optimizer's `Problem` (None when it has none)."""
    if not run.problem:
        return None
    try:
        return parse_problem(run.problem)
    except ProblemError as exc:
        raise StoredDocumentError(f"The stored problem of run {run.id} cannot be read: "
                                  f"{exc}") from None


def is_members(entry, member: _MemberLike) -> bool:
    """Whether a plan entry (allocation, unplaced line, member's savings) is `member`'s: by the
    stable id when the plan has one, by name only in plans stored before ids existed."""
    if entry.member_id is not None:
        return entry.member_id == member.id
    return entry.member == member.name


def _products(problem: Problem | None) -> dict[str, Product]:
    return {p.code: p for p in problem.products} if problem else {}


def line_ref(demand_id: str, member_name: str) -> str:
    """The member's own ref of the line that a problem file's `id` (a plan's `demand`) names:
    ids of lines whose ref other members share are "<ref>@<member>" (services.problem)."""
    suffix = f"@{member_name}"
    return demand_id[:-len(suffix)] if demand_id.endswith(suffix) else demand_id


def tier_reached(product: Product | None, quantity: int) -> dict | None:
    """The tier a tranche of `quantity` units is priced at: number (1-based), min_qty, price."""
    if not product:
        return None
    reached = None
    tiers = sorted(product.tiers, key=lambda t: t.min_qty)
    for number, tier in enumerate(tiers, 1):
        if quantity >= tier.min_qty:
            reached = {"number": number, "min_qty": tier.min_qty, "unit_price": tier.unit_price,
                       "of": len(tiers)}
    return reached


def options_label(options: dict | None) -> str:
    """`charging: CCS1, length: 40 ft` (or an em dash when there are none)."""
    return ", ".join(f"{k}: {v}" for k, v in sorted((options or {}).items())) or "—"


def tranche_rows(problem: Problem | None, plan: Plan) -> list[dict]:
    """The plan's tranches with the tier reached and each member's quantity, for the table."""
    products = _products(problem)
    rows = []
    for tranche in plan.tranches:
        members: dict[str, int] = defaultdict(int)
        for alloc in tranche.allocations:
            members[alloc.member] += alloc.quantity
        product = products.get(tranche.product)
        rows.append({"id": tranche.id, "product": tranche.product,
                     "options": dict(tranche.options), "period": tranche.period,
                     "quantity": tranche.quantity, "unit_price": tranche.unit_price,
                     "tranche_cost": tranche.tranche_cost, "total_cost": tranche.total_cost,
                     "product_name": (product.name if product else None) or tranche.product,
                     "options_label": options_label(tranche.options),
                     "tier": tier_reached(product, tranche.quantity),
                     "members": sorted(members.items())})
    return rows


def member_results(plan: Plan, member: _MemberLike, problem: Problem | None) -> dict:
    """One member's part of a plan: its allocations (with the tranche's period, unit price and
    id, and its share of the tranche cost), its unplaced lines, and its costs and savings.
    Lines are named by the member's own refs (`demand`; `demand_id` is the id in the plan, whose
    qualifier is the member's name when the problem was built)."""
    lines = {d.id: d for d in problem.demand} if problem else {}
    allocations = []
    for tranche in plan.tranches:
        for alloc in tranche.allocations:
            if not is_members(alloc, member):
                continue
            share = tranche.tranche_cost * alloc.quantity / tranche.quantity
            line = lines.get(alloc.demand)
            allocations.append({
                "demand": line_ref(alloc.demand, alloc.member), "demand_id": alloc.demand,
                "product": tranche.product,
                "options_label": options_label(tranche.options),
                "window": f"{line.earliest if line else '?'}–{line.latest if line else '?'}",
                "period": tranche.period, "quantity": alloc.quantity,
                "unit_price": tranche.unit_price, "tranche": tranche.id,
                "tranche_quantity": tranche.quantity, "tranche_cost_share": round(share, 2),
                "cost": round(alloc.quantity * tranche.unit_price + share, 2),
            })
    allocations.sort(key=lambda a: (a["demand"], a["period"]))
    totals = next((m for m in plan.members if is_members(m, member)), None)
    unplaced = [{"demand": line_ref(u.demand, u.member), "demand_id": u.demand,
                 "member": u.member, "quantity": u.quantity, "reason": u.reason,
                 "member_id": u.member_id}
                for u in plan.unplaced if is_members(u, member)]
    standalone = totals.standalone_cost if totals else 0
    savings = totals.savings if totals else 0
    return {
        "member": member.name, "allocations": allocations, "unplaced": unplaced,
        "placed_units": sum(a["quantity"] for a in allocations),
        "standalone_cost": standalone,
        "consortium_cost": totals.consortium_cost if totals else 0,
        "savings": savings,
        "savings_pct": round(100 * savings / standalone, 2) if standalone else 0.0,
    }


def chart_data(problem: Problem | None, plan: Plan) -> dict:
    """Data for the run page's charts: savings per member, units per period per product, and
    each product's price curve with its tranches on it."""
    periods = list(problem.periods if problem else sorted({t.period for t in plan.tranches}))
    units: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(periods, 0))
    points: dict[str, list[dict]] = defaultdict(list)
    for tranche in plan.tranches:
        units[tranche.product][tranche.period] = (
            units[tranche.product].get(tranche.period, 0) + tranche.quantity)
        points[tranche.product].append({"x": tranche.quantity, "y": tranche.unit_price,
                                        "label": f"{tranche.id} {tranche.period}"})
    products = _products(problem)
    curves = []
    for code in sorted(points):
        product = products.get(code)
        tiers = sorted(product.tiers, key=lambda t: t.min_qty) if product else []
        top = max([p["x"] for p in points[code]] + [t.min_qty for t in tiers] + [1])
        steps = [{"x": t.min_qty, "y": t.unit_price} for t in tiers]
        if steps:
            steps.append({"x": max(top + 1, round(top * 1.15)), "y": steps[-1]["y"]})
        curves.append({"product": code, "name": (product.name if product else None) or code,
                       "tiers": steps, "tranches": points[code]})
    return {
        "members": [{"member": m.member, "savings": m.savings,
                     "standalone": m.standalone_cost, "consortium": m.consortium_cost}
                    for m in plan.members],
        "periods": periods,
        "units": [{"product": code, "values": [units[code].get(p, 0) for p in periods]}
                  for code in sorted(units)],
        "curves": curves,
    }


def _totals(plan: Plan | None) -> dict:
    if plan is None:
        return {key: None for key, _label in TOTAL_KEYS}
    t = plan.totals
    return {"status": plan.status, "placed_units": plan.placed_units,
            "total_cost": plan.total_cost, "gap": plan.gap,
            "standalone_cost": t.standalone_cost, "consortium_cost": t.consortium_cost,
            "savings": t.savings, "savings_pct": t.savings_pct, "fairness_cost": t.fairness_cost}


def _tranche_key(tranche) -> tuple[str, str, str]:
    return (tranche.product, json.dumps(dict(tranche.options), sort_keys=True), tranche.period)


def compare_runs(a: Plan | None, b: Plan | None) -> dict:
    """Two plans side by side: each total in both (with b - a for numbers), and the tranche
    changes per (product, options, period): added in b, removed from a, or changed quantity
    or unit price. Lists are sorted by product, period, options."""
    ta, tb = _totals(a), _totals(b)
    totals = []
    for key, label in TOTAL_KEYS:
        va, vb = ta[key], tb[key]
        numeric = isinstance(va, (int, float)) and isinstance(vb, (int, float))
        totals.append({"key": key, "label": label, "a": va, "b": vb,
                       "diff": round(vb - va, 6) if numeric else None})
    left = {_tranche_key(t): t for t in (a.tranches if a else ())}
    right = {_tranche_key(t): t for t in (b.tranches if b else ())}
    changes = []
    for key in sorted(set(left) | set(right), key=lambda k: (k[0], k[2], k[1])):
        ta_, tb_ = left.get(key), right.get(key)
        if ta_ and tb_ and (ta_.quantity, ta_.unit_price) == (tb_.quantity, tb_.unit_price):
            continue
        kind = "added" if ta_ is None else "removed" if tb_ is None else "changed"
        changes.append({
            "change": kind, "product": key[0], "options": json.loads(key[1]),
            "options_label": options_label(json.loads(key[1])), "period": key[2],
            "a_quantity": ta_.quantity if ta_ else None,
            "b_quantity": tb_.quantity if tb_ else None,
            "a_unit_price": ta_.unit_price if ta_ else None,
            "b_unit_price": tb_.unit_price if tb_ else None,
        })
    return {"totals": totals, "changes": changes, "members": compare_members(a, b)}


def _member_key(entry) -> tuple:
    return ("id", entry.member_id) if entry.member_id is not None else ("name", entry.member)


def compare_members(a: Plan | None, b: Plan | None) -> list[dict]:
    """Each member's consortium cost and savings in both plans, with b - a (None where the
    member is not in a plan), sorted by member name (the newer plan's name for a renamed one)."""
    left = {_member_key(m): m for m in (a.members if a else ())}
    right = {_member_key(m): m for m in (b.members if b else ())}
    rows = []
    for key in set(left) | set(right):
        ma, mb = left.get(key), right.get(key)
        row = {"member": (mb or ma).member}
        for field in ("consortium_cost", "savings"):
            va = getattr(ma, field) if ma else None
            vb = getattr(mb, field) if mb else None
            row[f"a_{field}"], row[f"b_{field}"] = va, vb
            row[f"{field}_diff"] = round(vb - va, 2) if va is not None and vb is not None else None
        rows.append(row)
    return sorted(rows, key=lambda r: r["member"])
