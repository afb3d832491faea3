"""Stand-alone cost: what a member would pay buying its own placed lines by itself.

Same tiers, tranche_cost, windows, options and splittable rules, pooling only its own lines, with
no minimum, capacity or price cap: for each (member, product, options) group, an exact small
optimisation. Lines whose windows do not overlap (transitively) never share a tranche, so each
overlap component is priced on its own:

* a component whose windows share a period is bought as one tranche: merging tranches never
  costs more under all-units prices (Q price(Q) + F <= sum_i Q_i price(Q_i) + F);
* otherwise, when small, an exact dynamic programme over periods: in each period it tries every
  subset of the deliverable unsplittable lines and every total for the splittable ones, handed
  out earliest-deadline-first (the remainder then has the latest deadlines, which can only help
  later periods, since every window still open runs on from the next period);
* anything larger is a small MILP solved to a zero gap.

Results are cached by the component's shape (relative windows, quantities, splittable flags).
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from functools import cache

from consortium.optimizer.answer import Allocation
from consortium.optimizer.instance import Instance, ProductInfo, build_instance
from consortium.optimizer.problem import DemandLine, Problem, Product, Tier
from consortium.optimizer.solve import SolveSettings
from consortium.optimizer.stages import first_solve

DP_LIMIT = 300_000     # DP steps (bound) above which the MILP is used
Shape = tuple[tuple[int, int, int, bool], ...]   # (lo, hi, qty, splittable) from period 0


class StandaloneCoster:
    """Prices members' stand-alone purchases, caching identical shapes."""

    def __init__(self, inst: Instance, settings: SolveSettings):
        self.inst = inst
        self.settings = settings
        self.cache: dict[tuple[int, Shape], Fraction] = {}
        self.milps = 0
        self.unproven = 0

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
        if dp_steps(shape) <= DP_LIMIT:
            return dp_cost(info, shape)
        self.milps += 1
        cost, proven = milp_cost(info, shape, self.settings)
        self.unproven += not proven
        return cost


def dp_steps(shape: Shape) -> int:
    """An upper bound on the dynamic programme's work: per period, the pending-line subsets and
    splittable remainders it may be in, times the choices it then tries."""
    steps = 0
    for t in range(max(hi for _lo, hi, _q, _s in shape) + 1):
        states = choices = 1
        available = 0
        for lo, hi, qty, split in shape:
            if not lo <= t <= hi:
                continue
            if split:
                available += qty
                if lo < t:
                    states *= qty + 1
            else:
                states *= 2 if lo < t else 1
                choices *= 2 if t < hi else 1
        steps += states * choices * (available + 1)
    return steps


def dp_cost(info: ProductInfo, shape: Shape) -> Fraction:
    """Exact stand-alone cost of a shape by dynamic programming over periods."""
    lines = list(shape)
    unsplit = [i for i, (_lo, _hi, _q, split) in enumerate(lines) if not split]
    split = sorted((i for i, (*_r, s) in enumerate(lines) if s), key=lambda i: lines[i][1])
    span = max(hi for _lo, hi, _q, _s in lines) + 1
    scale = math.lcm(*(p.denominator for p in info.price), info.tranche_cost.denominator)
    costs: dict[int, int] = {0: 0}   # exact costs times `scale`: integers are fast to add

    def cost(q: int) -> int:
        if q not in costs:
            costs[q] = int(info.cost(q) * scale)
        return costs[q]

    @cache
    def best(t: int, pending: frozenset, remaining: tuple) -> int | None:
        if t == span:
            return 0 if not pending and not any(remaining) else None
        ready = [i for i in pending if lines[i][0] <= t]
        must = [i for i in ready if lines[i][1] == t]
        optional = [i for i in ready if lines[i][1] > t]
        active = [j for j, i in enumerate(split) if lines[i][0] <= t and remaining[j]]
        forced = sum(remaining[j] for j in active if lines[split[j]][1] == t)
        available = sum(remaining[j] for j in active)
        result = None
        for mask in range(1 << len(optional)):
            chosen = must + [i for b, i in enumerate(optional) if mask >> b & 1]
            base = sum(lines[i][2] for i in chosen)
            rest = pending.difference(chosen)
            for amount in range(forced, available + 1):
                left, give = list(remaining), amount
                for j in active:  # earliest deadline first
                    take = min(give, left[j])
                    left[j] -= take
                    give -= take
                future = best(t + 1, rest, tuple(left))
                if future is not None:
                    value = cost(base + amount) + future
                    if result is None or value < result:
                        result = value
        return result

    answer = best(0, frozenset(unsplit), tuple(lines[i][2] for i in split))
    best.cache_clear()
    return Fraction(answer, scale)


def milp_cost(info: ProductInfo, shape: Shape, settings: SolveSettings) -> tuple[Fraction, bool]:
    """Cheapest stand-alone purchase of a shape, solved with the consortium model itself (pooled
    classes, greedy fast path, zero gap) on a problem holding just these lines, with no minimum, cap
    or capacity. Returns the cost and whether it was proven optimal."""
    periods = [f"p{i}" for i in range(max(hi for _lo, hi, _q, _s in shape) + 1)]
    product = Product("X", tuple(Tier(q, p) for q, p in zip(info.min_qty, info.price_values())),
                      tranche_cost=info.tranche_cost_value())
    demand = tuple(DemandLine(f"l{i}", "m", "X", qty, periods[lo], periods[hi], splittable=split)
                   for i, (lo, hi, qty, split) in enumerate(shape))
    inst = build_instance(Problem(tuple(periods), (product,), demand))
    exact_run = SolveSettings(settings.solver, 0.0, settings.time_limit,
                              max(settings.deadline, time.monotonic() + 30.0))
    total, proven = Fraction(0), True
    for sub in inst.subproblems:
        result = first_solve(inst, sub, exact_run)
        total += result.cost
        proven = proven and result.status == "optimal" and len(result.alloc) == len(sub.lines)
    return total, proven


def standalone_costs(inst: Instance, alloc: Allocation,
                     coster: StandaloneCoster) -> dict[tuple[int, int], Fraction]:
    """(member, group) -> stand-alone cost of the member's placed lines in `alloc`."""
    lines: dict[tuple[int, int], list[int]] = {}
    for pos in alloc:
        line = inst.lines[pos]
        lines.setdefault((line.member, line.group), []).append(pos)
    return {key: coster.group_cost(group_lines) for key, group_lines in lines.items()}
