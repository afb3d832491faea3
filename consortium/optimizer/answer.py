"""Reading a solved model back into line allocations, and checking and costing allocations.

An allocation maps a line position to [(period, units), ...]. Pooled classes are handed back to
their lines in a fixed order (by position), so the same answer always gives the same plan.
"""

from __future__ import annotations

from fractions import Fraction

from consortium.optimizer.instance import Instance
from consortium.optimizer.model import Model

Allocation = dict[int, list[tuple[int, int]]]


def _value(var) -> int:
    return round(var.varValue or 0.0)


def read_allocation(model: Model, inst: Instance) -> Allocation:
    """Line allocations from the model's variable values."""
    alloc: Allocation = {}
    per_class: dict[int, list[tuple[int, int]]] = {}
    for (c, t), var in model.alloc.items():
        amount = _value(var)
        if amount > 0:
            per_class.setdefault(c, []).append((model.tranches[t][1], amount))
    for c, amounts in per_class.items():
        amounts.sort()
        cls = model.classes[c]
        if not cls.split:
            lines = iter(cls.lines)
            for period, count in amounts:
                for _ in range(count):
                    alloc[next(lines)] = [(period, cls.qty)]
            continue
        placed = _picked_lines(model, c, inst)
        _spread(alloc, placed, amounts, inst)
    return alloc


def _picked_lines(model: Model, c: int, inst: Instance) -> list[int]:
    cls = model.classes[c]
    if c not in model.picks:
        return list(cls.lines)
    wanted = {qty: _value(var) for qty, var in model.picks[c]}
    placed = []
    for pos in cls.lines:
        qty = inst.lines[pos].qty
        if wanted.get(qty, 0) > 0:
            wanted[qty] -= 1
            placed.append(pos)
    return placed


def _spread(alloc: Allocation, lines: list[int], amounts: list[tuple[int, int]],
            inst: Instance) -> None:
    """Hand per-period units of a splittable class to its placed lines: each line takes whole
    from one period when it can, the rest in order (a line is split only where it must be)."""
    left = dict(amounts)
    pending = []
    for pos in sorted(lines, key=lambda pos: -inst.lines[pos].qty):
        qty = inst.lines[pos].qty
        period = next((p for p, room in left.items() if room >= qty), None)
        if period is None:
            pending.append(pos)
            continue
        alloc[pos] = [(period, qty)]
        left[period] -= qty
    for pos in sorted(pending):
        need, parts = inst.lines[pos].qty, []
        for period in sorted(left):
            take = min(need, left[period])
            if take > 0:
                parts.append((period, take))
                left[period] -= take
                need -= take
        if need:
            raise RuntimeError("splittable class units do not add up to its placed lines")
        alloc[pos] = parts


def tranche_quantities(inst: Instance, alloc: Allocation) -> dict[tuple[int, int], int]:
    """(group, period) -> tranche quantity."""
    qty: dict[tuple[int, int], int] = {}
    for pos, parts in alloc.items():
        g = inst.lines[pos].group
        for period, units in parts:
            qty[(g, period)] = qty.get((g, period), 0) + units
    return qty


def allocation_cost(inst: Instance, alloc: Allocation) -> Fraction:
    """Exact total cost of the tranches the allocation forms."""
    return sum((inst.products[inst.groups[g].product].cost(q)
                for (g, _p), q in tranche_quantities(inst, alloc).items()), Fraction(0))


def check_allocation(inst: Instance, alloc: Allocation) -> list[str]:
    """Rule breaches of an allocation (empty when it obeys the contract)."""
    problems = []
    qty = tranche_quantities(inst, alloc)
    load: dict[tuple[int, int], int] = {}
    for (g, period), q in qty.items():
        info = inst.products[inst.groups[g].product]
        if q < info.min_tranche:
            problems.append(f"tranche {g}/{period} holds {q} < minimum {info.min_tranche}")
        key = (inst.groups[g].product, period)
        load[key] = load.get(key, 0) + q
    for (product, period), q in load.items():
        cap = inst.products[product].capacity
        if cap is not None and q > cap:
            problems.append(f"product {product} period {period}: {q} > capacity {cap}")
    for pos, parts in alloc.items():
        line = inst.lines[pos]
        info = inst.products[line.product]
        if sum(u for _p, u in parts) != line.qty:
            problems.append(f"line {pos} placed {sum(u for _p, u in parts)} of {line.qty}")
        if len(parts) > 1 and not line.split:
            problems.append(f"line {pos} is split but not splittable")
        for period, _units in parts:
            if not line.lo <= period <= line.hi:
                problems.append(f"line {pos} delivered outside its window")
            price = info.price[info.tier_for(qty[(line.group, period)])]
            if line.cap is not None and price > line.cap:
                problems.append(f"line {pos} pays {price} above its cap {line.cap}")
    return problems
