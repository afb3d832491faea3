"""The indexed instance: positions instead of names, the pre-solve, and the decomposition.

Everything downstream works on integer positions (line, group, period, product, member). The
pre-solve removes lines that no plan can place (price cap out of reach, vendor minimum out of reach,
vendor capacity too small) with an exact reason, to a fixed point, and narrows each remaining
line to the periods where it could be placed. The decomposition then splits the rest into
independent subproblems: tranches are linked by the lines that may use them, and the tranches of
one product and period are linked when `max_per_period` can bind there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from consortium.optimizer import reasons
from consortium.optimizer.money import exact
from consortium.optimizer.problem import Problem


@dataclass
class ProductInfo:
    """A product's tiers and limits, with exact prices."""

    code: str
    min_qty: list[int]
    price: list[Fraction]
    min_tranche: int
    capacity: int | None
    tranche_cost: Fraction

    def tier_for(self, quantity: int) -> int:
        """Index of the tier a tranche of `quantity` units is priced at."""
        k = 0
        for j, low in enumerate(self.min_qty):
            if quantity >= low:
                k = j
        return k

    def tier_range(self, k: int) -> tuple[int, int | None]:
        """Quantities priced at tier k: [min_qty[k], min_qty[k+1] - 1] (open above the last)."""
        high = self.min_qty[k + 1] - 1 if k + 1 < len(self.min_qty) else None
        return self.min_qty[k], high

    def price_values(self) -> list[int | float]:
        """Tier prices as plain numbers (ints when whole), as a problem file would hold them."""
        return [int(p) if p.denominator == 1 else float(p) for p in self.price]

    def tranche_cost_value(self) -> int | float:
        """tranche_cost as a plain number."""
        fee = self.tranche_cost
        return int(fee) if fee.denominator == 1 else float(fee)

    def cost(self, quantity: int) -> Fraction:
        """Exact cost of one tranche of `quantity` units (0 for an empty tranche)."""
        if quantity <= 0:
            return Fraction(0)
        return quantity * self.price[self.tier_for(quantity)] + self.tranche_cost


@dataclass
class Line:
    """A demand line by position: window [lo, hi] as period indices, cap as the first tier allowed."""

    pos: int
    group: int
    product: int
    member: int
    qty: int
    lo: int
    hi: int
    split: bool
    cap: Fraction | None
    k0: int = 0
    allowed: tuple[int, ...] = ()


@dataclass
class Group:
    """Lines that may share tranches: one product, one options value."""

    product: int
    options: tuple
    lines: list[int] = field(default_factory=list)


@dataclass
class Subproblem:
    """An independent part: its tranches (group, period) and its placeable lines."""

    index: int
    tranches: list[tuple[int, int]]
    lines: list[int]
    capacity: dict[tuple[int, int], list[int]]   # (product, period) -> tranche positions

    @property
    def groups(self) -> list[int]:
        """The groups of the subproblem's tranches, in order."""
        return sorted({g for g, _ in self.tranches})


@dataclass
class Instance:
    """The problem by positions, the lines the pre-solve ruled out, and the subproblems."""

    problem: Problem
    products: list[ProductInfo]
    members: list[str]
    groups: list[Group]
    lines: list[Line]
    unplaceable: dict[int, str] = field(default_factory=dict)
    subproblems: list[Subproblem] = field(default_factory=list)

    def window_text(self, line: Line) -> str:
        """`2027Q2-2027Q3` for a line's full window."""
        periods = self.problem.periods
        return f"{periods[line.lo]}-{periods[line.hi]}"


def build_instance(problem: Problem) -> Instance:
    """Index a validated problem, run the pre-solve and split it into subproblems."""
    period_index = {p: i for i, p in enumerate(problem.periods)}
    product_index = {p.code: i for i, p in enumerate(problem.products)}
    products = [
        ProductInfo(p.code, [t.min_qty for t in p.tiers], [exact(t.unit_price) for t in p.tiers],
                    p.min_tranche, p.max_per_period, exact(p.tranche_cost))
        for p in problem.products
    ]
    members = sorted({d.member for d in problem.demand})
    member_index = {m: i for i, m in enumerate(members)}
    groups: list[Group] = []
    group_index: dict[tuple[int, tuple], int] = {}
    lines: list[Line] = []
    for pos, d in enumerate(problem.demand):
        prod = product_index[d.product]
        key = (prod, d.options)
        if key not in group_index:
            group_index[key] = len(groups)
            groups.append(Group(prod, d.options))
        g = group_index[key]
        groups[g].lines.append(pos)
        cap = exact(d.max_unit_price) if d.max_unit_price is not None else None
        line = Line(pos, g, prod, member_index[d.member], d.quantity, period_index[d.earliest],
                    period_index[d.latest], d.splittable, cap)
        info = products[prod]
        line.k0 = next((k for k, pr in enumerate(info.price) if cap is None or pr <= cap),
                       len(info.price))
        lines.append(line)
    inst = Instance(problem, products, members, groups, lines)
    presolve(inst)
    inst.subproblems = decompose(inst)
    return inst


def _reachable_quantity(inst: Instance, active: list[int]) -> dict[tuple[int, int], int]:
    """Most units a tranche (group, period) could hold: the active lines that may use it."""
    qmax: dict[tuple[int, int], int] = {}
    for pos in active:
        line = inst.lines[pos]
        for p in range(line.lo, line.hi + 1):
            key = (line.group, p)
            qmax[key] = qmax.get(key, 0) + line.qty
    return qmax


def presolve(inst: Instance) -> None:
    """Rule out lines no plan can place, with reasons, and narrow the rest to usable periods."""
    active = list(range(len(inst.lines)))
    while True:
        qmax = _reachable_quantity(inst, active)
        still: list[int] = []
        for pos in active:
            line = inst.lines[pos]
            info = inst.products[line.product]
            reason = reasons.capacity_too_small(inst, line, info)
            if reason is None:
                line.allowed = tuple(p for p in range(line.lo, line.hi + 1)
                                     if _usable(info, line, min(qmax[(line.group, p)],
                                                                 info.capacity or 10**18)))
                if not line.allowed:
                    reason = reasons.out_of_reach(inst, line, info, qmax)
            if reason is None:
                still.append(pos)
            else:
                inst.unplaceable[pos] = reason
        if len(still) == len(active):
            return
        active = still


def _usable(info: ProductInfo, line: Line, reach: int) -> bool:
    """Could a tranche holding at most `reach` units take this line (minimum and cap)?"""
    if reach < info.min_tranche:
        return False
    return line.k0 <= info.tier_for(reach)


def decompose(inst: Instance) -> list[Subproblem]:
    """Independent subproblems: connected tranches (shared lines, binding capacity)."""
    placeable = [pos for pos in range(len(inst.lines)) if pos not in inst.unplaceable]
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # Lines link every period of their full window (not only the usable ones), so that a
    # member's lines in different subproblems never share a period: stand-alone costs, which
    # ignore caps, then add up over subproblems.
    demand: dict[tuple[int, int], int] = {}
    usable: set[tuple[int, int]] = set()
    for pos in placeable:
        line = inst.lines[pos]
        for p in range(line.lo, line.hi + 1):
            parent.setdefault((line.group, p), (line.group, p))
            union((line.group, line.lo), (line.group, p))
        for p in line.allowed:
            usable.add((line.group, p))
            demand[(line.product, p)] = demand.get((line.product, p), 0) + line.qty
    by_product_period: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for g, p in usable:
        by_product_period.setdefault((inst.groups[g].product, p), []).append((g, p))
    binding = {key for key, total in demand.items()
               if inst.products[key[0]].capacity is not None
               and total > inst.products[key[0]].capacity}
    for key in binding:
        tranches = sorted(by_product_period[key])
        for t in tranches[1:]:
            union(tranches[0], t)
    parts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for t in sorted(usable):
        parts.setdefault(find(t), []).append(t)
    line_parts: dict[tuple[int, int], list[int]] = {}
    for pos in placeable:
        line = inst.lines[pos]
        line_parts.setdefault(find((line.group, line.allowed[0])), []).append(pos)
    subs = []
    for root in sorted(parts, key=lambda r: min(line_parts[r])):
        tranches = parts[root]
        where = {t: i for i, t in enumerate(tranches)}
        capacity = {}
        for key in sorted(binding):
            members = [where[t] for t in by_product_period[key] if t in where]
            if members:
                capacity[key] = sorted(members)
        subs.append(Subproblem(len(subs), tranches, line_parts[root], capacity))
    return subs


def merge_subproblems(subs: list[Subproblem]) -> Subproblem:
    """One subproblem holding several (solved jointly when a member links them)."""
    tranches: list[tuple[int, int]] = []
    lines: list[int] = []
    capacity: dict[tuple[int, int], list[int]] = {}
    for sub in subs:
        offset = len(tranches)
        tranches += sub.tranches
        lines += sub.lines
        for key, members in sub.capacity.items():
            capacity[key] = [offset + t for t in members]
    return Subproblem(subs[0].index, tranches, lines, capacity)
