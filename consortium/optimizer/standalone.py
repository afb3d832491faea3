"""Stand-alone cost: what a member would pay buying its own placed lines by itself.

Same tiers, tranche_cost, windows, options and splittable rules, pooling only its own lines, with
no minimum, capacity or price cap: for each (member, product, options) group, an exact small
optimisation. Lines whose windows do not overlap (transitively) never share a tranche, so each
overlap component is priced on its own:

* a component whose windows share a period is bought as one tranche: merging tranches never
  costs more under all-units prices (Q price(Q) + F <= sum_i Q_i price(Q_i) + F);
* otherwise, lines that are not splittable are enumerated period by period when that is small;
* anything else is a small MILP solved to a zero gap.

Results are cached by the component's shape (relative windows, quantities, splittable flags).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import pulp

from consortium.optimizer.answer import Allocation
from consortium.optimizer.instance import Instance, ProductInfo
from consortium.optimizer.solve import SolveSettings, solve_model

ENUMERATION_LIMIT = 4096
Shape = tuple[tuple[int, int, int, bool], ...]   # (lo, hi, qty, splittable) from period 0


class StandaloneCoster:
    """Prices members' stand-alone purchases, caching identical shapes."""

    def __init__(self, inst: Instance, settings: SolveSettings):
        self.inst = inst
        self.settings = settings
        self.cache: dict[tuple[int, Shape], Fraction] = {}
        self.milps = 0

    def group_cost(self, lines: list[int]) -> Fraction:
        """Stand-alone cost of some lines of one member in one group."""
        inst = self.inst
        ordered = sorted(lines, key=lambda pos: (inst.lines[pos].lo, inst.lines[pos].hi, pos))
        total, component, reach = Fraction(0), [], -1
        for pos in ordered:
            line = inst.lines[pos]
            if component and line.lo > reach:
                total += self.component_cost(component)
                component = []
            component.append(pos)
            reach = max(reach, line.hi) if len(component) > 1 else line.hi
        if component:
            total += self.component_cost(component)
        return total

    def component_cost(self, lines: list[int]) -> Fraction:
        """Stand-alone cost of lines whose windows overlap transitively."""
        inst = self.inst
        product = inst.lines[lines[0]].product
        info = inst.products[product]
        items = [inst.lines[pos] for pos in lines]
        if max(x.lo for x in items) <= min(x.hi for x in items):
            return info.cost(sum(x.qty for x in items))
        base = min(x.lo for x in items)
        shape = tuple(sorted((x.lo - base, x.hi - base, x.qty, x.split) for x in items))
        key = (product, shape)
        if key not in self.cache:
            self.cache[key] = self._solve_shape(info, shape)
        return self.cache[key]

    def _solve_shape(self, info: ProductInfo, shape: Shape) -> Fraction:
        choices = 1
        for lo, hi, _qty, _split in shape:
            choices *= hi - lo + 1
        if not any(split for *_rest, split in shape) and choices <= ENUMERATION_LIMIT:
            return enumerate_cost(info, shape)
        self.milps += 1
        return milp_cost(info, shape, self.settings)


def enumerate_cost(info: ProductInfo, shape: Shape) -> Fraction:
    """Cheapest way to give each (unsplittable) line one period of its window, by enumeration."""
    costs: dict[int, Fraction] = {}
    best = None
    for periods in itertools.product(*(range(lo, hi + 1) for lo, hi, _q, _s in shape)):
        loads: dict[int, int] = {}
        for p, (_lo, _hi, qty, _s) in zip(periods, shape):
            loads[p] = loads.get(p, 0) + qty
        total = Fraction(0)
        for q in loads.values():
            if q not in costs:
                costs[q] = info.cost(q)
            total += costs[q]
        if best is None or total < best:
            best = total
    return best


def milp_cost(info: ProductInfo, shape: Shape, settings: SolveSettings) -> Fraction:
    """Cheapest stand-alone purchase of a shape, as a MILP solved to a zero gap."""
    prob = pulp.LpProblem("standalone", pulp.LpMinimize)
    periods = range(max(hi for _lo, hi, _q, _s in shape) + 1)
    total = sum(q for _lo, _hi, q, _s in shape)
    load = {p: [] for p in periods}
    for i, (lo, hi, qty, split) in enumerate(shape):
        row = []
        for p in range(lo, hi + 1):
            if split:
                var = prob.add_variable(f"x_{i}_{p}", 0, qty, pulp.LpInteger)
                load[p].append((var, 1))
            else:
                var = prob.add_variable(f"y_{i}_{p}", 0, 1, pulp.LpBinary)
                load[p].append((var, qty))
            row.append((var, 1))
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(row), pulp.LpConstraintEQ,
                                             f"place_{i}", qty if split else 1))
    cost, tiers_of = [], {}
    for p in periods:
        tiers, terms = [], [(var, -coef) for var, coef in load[p]]
        for k in range(len(info.price)):
            low, high = info.tier_range(k)
            high = total if high is None else min(high, total)
            if low > high:
                continue
            z = prob.add_variable(f"z_{p}_{k}", 0, 1, pulp.LpBinary)
            q = prob.add_variable(f"q_{p}_{k}", 0, high)
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(q, 1), (z, -low)]),
                                                 pulp.LpConstraintGE, f"tier_low_{p}_{k}", 0))
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(q, 1), (z, -high)]),
                                                 pulp.LpConstraintLE, f"tier_high_{p}_{k}", 0))
            tiers.append((z, 1))
            terms.append((q, 1))
            cost += [(q, float(info.price[k])), (z, float(info.tranche_cost))]
        tiers_of[p] = load[p]
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(tiers), pulp.LpConstraintLE,
                                             f"one_tier_{p}", 1))
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintEQ,
                                             f"quantity_{p}", 0))
    prob.setObjective(pulp.LpAffineExpression(cost))
    result = solve_model(prob, settings, rel_gap=0.0, abs_gap=1e-7,
                         time_limit=max(settings.remaining(), 10.0))
    if result.status != "optimal":
        raise RuntimeError("stand-alone cost could not be proven optimal")
    loads = [sum(int(round(var.varValue or 0)) * coef for var, coef in tiers_of[p])
             for p in periods]
    return sum((info.cost(q) for q in loads), Fraction(0))


def standalone_costs(inst: Instance, alloc: Allocation,
                     coster: StandaloneCoster) -> dict[tuple[int, int], Fraction]:
    """(member, group) -> stand-alone cost of the member's placed lines in `alloc`."""
    lines: dict[tuple[int, int], list[int]] = {}
    for pos in alloc:
        line = inst.lines[pos]
        lines.setdefault((line.member, line.group), []).append(pos)
    return {key: coster.group_cost(group_lines) for key, group_lines in lines.items()}
