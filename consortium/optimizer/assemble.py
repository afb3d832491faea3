"""Turning the subproblems' allocations into the contract's plan, with exact money."""

from __future__ import annotations

import json
import math
from fractions import Fraction

from consortium.optimizer import reasons
from consortium.optimizer.answer import Allocation, tranche_quantities
from consortium.optimizer.fairness import Ledger
from consortium.optimizer.instance import Instance
from consortium.optimizer.money import report
from consortium.optimizer.plan import Allocation as PlanAllocation
from consortium.optimizer.plan import MemberSavings, Plan, SolverInfo, Totals, Tranche, Unplaced


def _options_key(options: tuple) -> str:
    return json.dumps(dict(options), sort_keys=True, ensure_ascii=False)


def build_tranches(inst: Instance, alloc: Allocation) -> list[Tranche]:
    """Tranches T1.. sorted by product code, period (in the problem's order), options."""
    parts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for pos, line_parts in alloc.items():
        for period, units in line_parts:
            parts.setdefault((inst.lines[pos].group, period), []).append((pos, units))
    qty = tranche_quantities(inst, alloc)

    def order(key):
        g, period = key
        group = inst.groups[g]
        return inst.products[group.product].code, period, _options_key(group.options)

    tranches = []
    for n, key in enumerate(sorted(parts, key=order), 1):
        g, period = key
        group = inst.groups[g]
        info = inst.products[group.product]
        k = info.tier_for(qty[key])
        demand = inst.problem.demand
        allocations = tuple(PlanAllocation(demand[pos].id, demand[pos].member, units,
                                           demand[pos].member_id)
                            for pos, units in sorted(parts[key]))
        tranches.append(Tranche(
            id=f"T{n}", product=info.code, options=dict(group.options),
            period=inst.problem.periods[period], quantity=qty[key],
            unit_price=report(info.price[k]), tranche_cost=report(info.tranche_cost),
            total_cost=report(info.cost(qty[key])), allocations=allocations,
            tier_min_qty=info.min_qty[k]))
    return tranches


def build_unplaced(inst: Instance, alloc: Allocation) -> list[Unplaced]:
    """Every line left out, in the problem's order, with its reason."""
    qty = tranche_quantities(inst, alloc)
    used: dict[tuple[int, int], int] = {}
    for (g, period), q in qty.items():
        key = (inst.groups[g].product, period)
        used[key] = used.get(key, 0) + q
    out = []
    for line in inst.lines:
        if line.pos in alloc:
            continue
        reason = inst.unplaceable.get(line.pos) or reasons.explain_unplaced(inst, line, qty, used)
        d = inst.problem.demand[line.pos]
        out.append(Unplaced(d.id, d.member, d.quantity, reason, d.member_id))
    return out


def build_plan(inst: Instance, alloc: Allocation, ledger: Ledger, *, status: str,
               bound: Fraction, fairness_cost: Fraction, solver: SolverInfo) -> Plan:
    """The plan, its members' savings and totals, computed exactly and reported."""
    tranches = build_tranches(inst, alloc)
    total = sum((inst.products[inst.groups[g].product].cost(q)
                 for (g, _p), q in tranche_quantities(inst, alloc).items()), Fraction(0))
    members = []
    standalone_total = Fraction(0)
    alone_of = [Fraction(0)] * len(inst.members)
    paid_of = [Fraction(0)] * len(inst.members)
    for (m, _g), value in ledger.standalone.items():
        alone_of[m] += value
    for (m, _g), value in ledger.consortium.items():
        paid_of[m] += value
    member_ids = {d.member: d.member_id for d in inst.problem.demand if d.member_id is not None}
    for m, name in enumerate(inst.members):
        alone, paid = alone_of[m], paid_of[m]
        standalone_total += alone
        members.append(MemberSavings(name, report(alone), report(paid), report(alone - paid),
                                     member_ids.get(name)))
    savings = standalone_total - total
    pct = float(savings / standalone_total * 100) if standalone_total else 0.0
    bound = min(bound, total)
    lower = Fraction(math.floor(bound * 100), 100)  # rounding a bound down keeps it a bound
    gap = float((total - lower) / total) if total else 0.0
    return Plan(
        status=status,
        placed_units=sum(t.quantity for t in tranches),
        total_cost=report(total),
        lower_bound=report(lower),
        gap=gap,
        tranches=tuple(tranches),
        unplaced=tuple(build_unplaced(inst, alloc)),
        members=tuple(members),
        totals=Totals(report(standalone_total), report(total), report(savings), round(pct, 6),
                      report(fairness_cost)),
        solver=solver,
    )
