"""The plan: frozen dataclasses mirroring the contract's plan file, and JSON in/out.

Money fields hold the reported figures (ints when exact, else rounded to cents); they are
computed exactly in `consortium.optimizer.assemble`. `Plan.to_dict()` is the plan file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

Money = int | float


class PlanError(ValueError):
    """A plan document that is not in the plan file's shape (a field missing, renamed or of the
    wrong type): reading it fails loudly instead of showing an empty plan."""


@dataclass(frozen=True)
class Allocation:
    """Units of one demand line in one tranche."""

    demand: str
    member: str
    quantity: int
    member_id: int | None = None         # extra: the problem line's member_id, when it had one


@dataclass(frozen=True)
class Tranche:
    """One (product, options, period) purchase."""

    id: str
    product: str
    options: dict[str, Any]
    period: str
    quantity: int
    unit_price: Money
    tranche_cost: Money
    total_cost: Money
    allocations: tuple[Allocation, ...]
    tier_min_qty: int | None = None      # extra: the min_qty of the tier that sets the price


@dataclass(frozen=True)
class Unplaced:
    """A demand line left out in full, with the reason."""

    demand: str
    member: str
    quantity: int
    reason: str
    member_id: int | None = None         # extra, as in Allocation


@dataclass(frozen=True)
class MemberSavings:
    """A member's stand-alone cost, consortium cost and savings."""

    member: str
    standalone_cost: Money
    consortium_cost: Money
    savings: Money
    member_id: int | None = None         # extra, as in Allocation


@dataclass(frozen=True)
class Totals:
    """Sums over members; savings_pct = savings / standalone_cost * 100 (0 when that is 0)."""

    standalone_cost: Money
    consortium_cost: Money
    savings: Money
    savings_pct: float
    fairness_cost: Money


@dataclass(frozen=True)
class SolverInfo:
    """How the plan was found. `extra` holds the added fields (time limit, subproblems, ...)."""

    name: str
    build_seconds: float
    solve_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A plan in the contract's shape."""

    status: str
    placed_units: int
    total_cost: Money
    lower_bound: Money
    gap: float
    tranches: tuple[Tranche, ...]
    unplaced: tuple[Unplaced, ...]
    members: tuple[MemberSavings, ...]
    totals: Totals
    solver: SolverInfo

    def to_dict(self) -> dict[str, Any]:
        """The plan file's JSON object."""
        return plan_to_dict(self)


def _with_member_id(out: dict[str, Any], member_id: int | None) -> dict[str, Any]:
    if member_id is not None:
        out["member_id"] = member_id
    return out


def _tranche_dict(t: Tranche) -> dict[str, Any]:
    out = {
        "id": t.id, "product": t.product, "options": dict(t.options), "period": t.period,
        "quantity": t.quantity, "unit_price": t.unit_price, "tranche_cost": t.tranche_cost,
        "total_cost": t.total_cost,
        "allocations": [_with_member_id({"demand": a.demand, "member": a.member,
                                         "quantity": a.quantity}, a.member_id)
                        for a in t.allocations],
    }
    if t.tier_min_qty is not None:
        out["tier_min_qty"] = t.tier_min_qty
    return out


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan file's JSON object (field order as in the contract)."""
    totals = plan.totals
    return {
        "status": plan.status,
        "placed_units": plan.placed_units,
        "total_cost": plan.total_cost,
        "lower_bound": plan.lower_bound,
        "gap": plan.gap,
        "tranches": [_tranche_dict(t) for t in plan.tranches],
        "unplaced": [_with_member_id({"demand": u.demand, "member": u.member,
                                      "quantity": u.quantity, "reason": u.reason}, u.member_id)
                     for u in plan.unplaced],
        "members": [_with_member_id({"member": m.member, "standalone_cost": m.standalone_cost,
                                     "consortium_cost": m.consortium_cost,
                                     "savings": m.savings}, m.member_id)
                    for m in plan.members],
        "totals": {"standalone_cost": totals.standalone_cost,
                   "consortium_cost": totals.consortium_cost, "savings": totals.savings,
                   "savings_pct": totals.savings_pct, "fairness_cost": totals.fairness_cost},
        "solver": {"name": plan.solver.name, "build_seconds": plan.solver.build_seconds,
                   "solve_seconds": plan.solver.solve_seconds, **plan.solver.extra},
    }


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """A `Plan` from a plan file's JSON object (as written by `plan_to_dict`).

    Raises `PlanError` naming the first field that is missing or of the wrong shape.
    """
    where = "plan"
    try:
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        solver, raw_tranches = data["solver"], data["tranches"]
        raw_unplaced, raw_members, raw_totals = data["unplaced"], data["members"], data["totals"]
        where = "solver"
        solver = dict(solver)
        name, build, solve = (solver.pop("name"), solver.pop("build_seconds"),
                              solver.pop("solve_seconds"))
        tranches = []
        for i, t in enumerate(raw_tranches):
            where = f"tranches[{i}]"
            allocations = []
            for j, a in enumerate(t["allocations"]):
                where = f"tranches[{i}].allocations[{j}]"
                allocations.append(Allocation(a["demand"], a["member"], a["quantity"],
                                              a.get("member_id")))
            where = f"tranches[{i}]"
            tranches.append(Tranche(t["id"], t["product"], dict(t["options"]), t["period"],
                                    t["quantity"], t["unit_price"], t["tranche_cost"],
                                    t["total_cost"], tuple(allocations), t.get("tier_min_qty")))
        unplaced = []
        for i, u in enumerate(raw_unplaced):
            where = f"unplaced[{i}]"
            unplaced.append(Unplaced(u["demand"], u["member"], u["quantity"], u["reason"],
                                     u.get("member_id")))
        members = []
        for i, m in enumerate(raw_members):
            where = f"members[{i}]"
            members.append(MemberSavings(m["member"], m["standalone_cost"], m["consortium_cost"],
                                         m["savings"], m.get("member_id")))
        where = "totals"
        totals = Totals(**raw_totals)
        where = "plan"
        return Plan(
            status=data["status"], placed_units=data["placed_units"],
            total_cost=data["total_cost"], lower_bound=data["lower_bound"], gap=data["gap"],
            tranches=tuple(tranches), unplaced=tuple(unplaced), members=tuple(members),
            totals=totals, solver=SolverInfo(name, build, solve, solver))
    except KeyError as exc:
        raise PlanError(f"not a plan in the plan file's shape: {where} has no field "
                        f"{exc.args[0]!r}") from None
    except (TypeError, AttributeError, ValueError) as exc:
        raise PlanError(f"not a plan in the plan file's shape: {where}: {exc}") from None


def dump_plan(plan: Plan, stream: TextIO) -> None:
    """Write the plan file's JSON to an open text stream."""
    json.dump(plan_to_dict(plan), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write the plan file."""
    with open(path, "w", encoding="utf-8") as fh:
        dump_plan(plan, fh)


def read_plan(path: str | Path) -> Plan:
    """Read a plan file written by `write_plan`."""
    with open(path, encoding="utf-8") as fh:
        return plan_from_dict(json.load(fh))
