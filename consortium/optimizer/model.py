"""The MILP of one subproblem, built in small named functions.

Lines that are interchangeable (same group, usable periods, cap class, splittability and, when
not splittable, quantity) are pooled into a class with one integer variable per period: how
many of its lines (or, when splittable, how many of its units) go there. Which member's line is
which is decided when the answer is read; members under the fairness guarantee keep lines of
their own so their costs can be constrained.

Tranche t = (group, period); tier k of t is open when z[t,k] = 1, and then q[t,k] (the tranche
quantity) lies in tier k's range, so the cost sum_k price_k q[t,k] + tranche_cost sum_k z[t,k]
is exact for all-units pricing. A class may use t only through a tier its cap allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pulp

from consortium.optimizer.instance import Instance, Subproblem


@dataclass
class LineClass:
    """Interchangeable lines: `qty` per line when not splittable, else the class total."""

    group: int
    periods: tuple[int, ...]
    k0: int
    split: bool
    lines: list[int]
    qty: int
    fixed: bool                     # all of its lines must be placed


@dataclass
class FairRow:
    """Member `member` pays no more than alone, exactly (proportional tranche-cost shares).

    `lines` are its placeable lines in the model (each kept in a class of its own); `cuts` are
    (placed lines, stand-alone cost of those lines): when the member's placed lines are exactly
    that set, its cost is at most that stand-alone cost; any other placement relaxes the cut by
    `big` per line that differs. With `waivable`, a binary lets the member be waived (every cut
    relaxed by `big`), for when no plan at the most-units level keeps everyone whole."""

    member: int
    lines: list[int]
    cuts: list[tuple[frozenset[int], Fraction]]
    big: float
    waivable: bool = False


@dataclass
class Model:
    """A built model and the handles needed to read its answer."""

    prob: pulp.LpProblem
    classes: list[LineClass]
    tranches: list[tuple[int, int]]
    bound: list[int] = field(default_factory=list)                     # most units per tranche
    alloc: dict[tuple[int, int], pulp.LpVariable] = field(default_factory=dict)
    picks: dict[int, list[tuple[int, pulp.LpVariable]]] = field(default_factory=dict)
    tiers: list[list[tuple[int, pulp.LpVariable, pulp.LpVariable]]] = field(default_factory=list)
    units: pulp.LpAffineExpression | None = None
    cost: pulp.LpAffineExpression | None = None
    floor_row: pulp.LpConstraint | None = None
    implied_rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    implied_bounds: list[pulp.LpVariable] = field(default_factory=list)
    waivers: dict[int, pulp.LpVariable] = field(default_factory=dict)   # member -> waived

    def set_units_objective(self) -> None:
        """Stage 1: place as many units as possible."""
        self.prob.sense = pulp.LpMaximize
        self.prob.setObjective(self.units)

    def set_cost_objective(self, min_units: int | None = None) -> None:
        """Stage 2: least cost, keeping at least `min_units` placed (the stage-1 optimum)."""
        if min_units is not None:
            if self.floor_row is None:
                self.floor_row = pulp.LpConstraint(self.units, pulp.LpConstraintGE,
                                                   "units_floor", min_units - 0.5)
                self.prob.addConstraint(self.floor_row)
            else:
                self.floor_row.changeRHS(min_units - 0.5)
        self._release_floor_implications()
        self._add_floor_implications(min_units)
        self.prob.sense = pulp.LpMinimize
        self.prob.setObjective(self.cost)

    def drop_units_floor(self) -> None:
        """Make the stage-2 floor on placed units, if set, and what it implies, never bind."""
        if self.floor_row is not None:
            self.floor_row.changeRHS(-1)
        self._release_floor_implications()

    def _add_floor_implications(self, min_units: int | None) -> None:
        """Spell out what the floor on placed units implies, so the LP sees it.

        With at most `slack` = (all units) - min_units left unplaced, a class of lines of
        `size` units places at least its count - floor(slack / size) of them (a splittable
        class, at least its units - slack). What classes with one usable period must place
        there is forced into that tranche: it is open, and tiers that end below the forced
        quantity are shut. Without a floor (every line must be placed) the slack is 0."""
        if min_units is None:
            if not all(cls.fixed for cls in self.classes):
                return
            slack = 0
        else:
            slack = sum(_class_units(cls) for cls in self.classes) - min_units
        periods: dict[int, list[pulp.LpVariable]] = {}
        where: dict[int, list[int]] = {}
        for (c, t), var in self.alloc.items():
            periods.setdefault(c, []).append(var)
            where.setdefault(c, []).append(t)
        forced: dict[int, int] = {}
        for c, cls in enumerate(self.classes):
            size = 1 if cls.split else cls.qty
            top = _class_units(cls) if cls.split else len(cls.lines)
            must = top - max(slack, 0) // size
            if must <= 0 or c not in periods:
                continue
            if not cls.fixed:
                self._implied_row(f"must_{c}", [(var, 1) for var in periods[c]], must)
            if len(where[c]) == 1:
                t = where[c][0]
                forced[t] = forced.get(t, 0) + must * size
        for t, units in forced.items():
            self._implied_row(f"open_{t}", [(z, 1) for _k, z, _q in self.tiers[t]], 1)
            for k, z, q in self.tiers[t]:
                if q.upBound < units and z.upBound != 0:
                    z.upBound = 0
                    self.implied_bounds.append(z)

    def _implied_row(self, name: str, terms, rhs: int) -> None:
        row = self.implied_rows.get(name)
        if row is None:
            row = self.implied_rows[name] = pulp.LpConstraint(
                pulp.LpAffineExpression(terms), pulp.LpConstraintGE, name, rhs)
            self.prob.addConstraint(row)
        else:
            row.changeRHS(rhs)

    def _release_floor_implications(self) -> None:
        for row in self.implied_rows.values():
            row.changeRHS(0)     # sums of non-negative variables: never binds
        for z in self.implied_bounds:
            z.upBound = 1
        self.implied_bounds.clear()


def make_classes(inst: Instance, sub: Subproblem, all_placed: bool,
                 fixed: dict[int, bool], single: frozenset[int] = frozenset(),
                 must: frozenset[int] = frozenset()) -> list[LineClass]:
    """Pool the subproblem's lines into classes; lines in `fixed` stay alone (or out if False),
    lines in `single` stay alone, free to be placed or not; lines in `must` must be placed."""
    pooled: dict[tuple, LineClass] = {}
    alone: list[LineClass] = []
    for pos in sub.lines:
        line = inst.lines[pos]
        if pos in fixed:
            if fixed[pos]:
                alone.append(LineClass(line.group, line.allowed, line.k0, line.split, [pos],
                                       line.qty, True))
            continue
        forced = all_placed or pos in must
        if pos in single:
            alone.append(LineClass(line.group, line.allowed, line.k0, line.split, [pos],
                                   line.qty, forced))
            continue
        key = (line.group, line.allowed, line.k0, line.split, 0 if line.split else line.qty,
               forced)
        cls = pooled.get(key)
        if cls is None:
            cls = pooled[key] = LineClass(line.group, line.allowed, line.k0, line.split, [],
                                          0 if line.split else line.qty, forced)
        cls.lines.append(pos)
        if line.split:
            cls.qty += line.qty
    return list(pooled.values()) + alone


def _class_units(cls: LineClass) -> int:
    return cls.qty if cls.split else cls.qty * len(cls.lines)


def build_model(inst: Instance, sub: Subproblem, *, all_placed: bool,
                fixed: dict[int, bool] | None = None, fair: list[FairRow] | None = None,
                must: frozenset[int] = frozenset()) -> Model:
    """Build the subproblem's MILP (objective set later by the stage). Lines of members in
    `fair` get classes of their own; lines in `must` must be placed."""
    single = frozenset(pos for row in fair or [] for pos in row.lines)
    classes = make_classes(inst, sub, all_placed, fixed or {}, single, must)
    model = Model(pulp.LpProblem(f"sub{sub.index}", pulp.LpMinimize), classes, sub.tranches)
    where = {t: i for i, t in enumerate(sub.tranches)}
    reach = [0] * len(sub.tranches)
    for cls in classes:
        for p in cls.periods:
            reach[where[(cls.group, p)]] += _class_units(cls)
    for (product, _), members in sub.capacity.items():
        for t in members:
            reach[t] = min(reach[t], inst.products[product].capacity)
    model.bound = reach
    add_tiers(model, inst)
    add_assignment(model, inst, where)
    add_tranche_quantity(model)
    add_price_caps(model, where)
    add_capacity(model, inst, sub)
    add_fairness(model, inst, where, fair or [])
    add_expressions(model, inst)
    return model


def add_tiers(model: Model, inst: Instance) -> None:
    """Tier binaries z and quantities q per tranche; one tier at most; q within its tier."""
    prob = model.prob
    for t, (g, _p) in enumerate(model.tranches):
        info = inst.products[inst.groups[g].product]
        opened, tiers = [], []
        for k in range(len(info.price)):
            low, high = info.tier_range(k)
            low = max(low, info.min_tranche)
            high = model.bound[t] if high is None else min(high, model.bound[t])
            if low > high:
                continue
            z = prob.add_variable(f"z_{t}_{k}", 0, 1, pulp.LpBinary)
            q = prob.add_variable(f"q_{t}_{k}", 0, high)
            tiers.append((k, z, q))
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(q, 1), (z, -low)]),
                                                 pulp.LpConstraintGE, f"tier_low_{t}_{k}", 0))
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(q, 1), (z, -high)]),
                                                 pulp.LpConstraintLE, f"tier_high_{t}_{k}", 0))
            opened.append((z, 1))
        model.tiers.append(tiers)
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(opened),
                                             pulp.LpConstraintLE, f"one_tier_{t}", 1))


def add_assignment(model: Model, inst: Instance, where: dict[tuple[int, int], int]) -> None:
    """Allocation variables per class and usable period; placed in full or (if free) not."""
    prob = model.prob
    for c, cls in enumerate(model.classes):
        top = _class_units(cls) if cls.split else len(cls.lines)
        terms = []
        for p in cls.periods:
            t = where[(cls.group, p)]
            upper = min(top, model.bound[t]) if cls.split else top
            cat = pulp.LpBinary if upper == 1 else pulp.LpInteger
            var = model.alloc[(c, t)] = prob.add_variable(f"x_{c}_{t}", 0, upper, cat)
            terms.append((var, 1))
        expr = pulp.LpAffineExpression(terms)
        if cls.fixed:
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"place_{c}", top))
        elif cls.split:
            counts: dict[int, int] = {}
            for pos in cls.lines:
                qty = inst.lines[pos].qty
                counts[qty] = counts.get(qty, 0) + 1
            picks = model.picks[c] = []
            for j, (qty, n) in enumerate(sorted(counts.items())):
                cat = pulp.LpBinary if n == 1 else pulp.LpInteger
                picks.append((qty, prob.add_variable(f"pick_{c}_{j}", 0, n, cat)))
                terms.append((picks[-1][1], -qty))
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms),
                                                 pulp.LpConstraintEQ, f"place_{c}", 0))
        else:
            prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintLE, f"place_{c}", top))


def add_tranche_quantity(model: Model) -> None:
    """A tranche's quantity is what its classes allocate to it."""
    terms = [[(q, 1) for _k, _z, q in tiers] for tiers in model.tiers]
    for (c, t), var in model.alloc.items():
        cls = model.classes[c]
        terms[t].append((var, -(1 if cls.split else cls.qty)))
    for t, row in enumerate(terms):
        model.prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(row),
                                                   pulp.LpConstraintEQ, f"quantity_{t}", 0))


def add_price_caps(model: Model, where: dict[tuple[int, int], int]) -> None:
    """A capped class may use a tranche only when the tranche's open tier is one its cap allows.

    Uncapped classes need no row: q[t,k] <= high_k z[t,k] already keeps an unopened tranche
    empty."""
    for (c, t), var in model.alloc.items():
        cls = model.classes[c]
        if cls.k0 == 0:
            continue
        allowed = [(z, -var.upBound) for k, z, _q in model.tiers[t] if k >= cls.k0]
        model.prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression([(var, 1), *allowed]),
                                                   pulp.LpConstraintLE, f"cap_{c}_{t}", 0))


def add_capacity(model: Model, inst: Instance, sub: Subproblem) -> None:
    """All option variants of a product together stay within `max_per_period` in each period."""
    for (product, period), members in sub.capacity.items():
        row = [(q, 1) for t in members for _k, _z, q in model.tiers[t]]
        model.prob.addConstraint(pulp.LpConstraint(
            pulp.LpAffineExpression(row), pulp.LpConstraintLE, f"capacity_{product}_{period}",
            inst.products[product].capacity))


def add_fairness(model: Model, inst: Instance, where: dict[tuple[int, int], int],
                 rows: list[FairRow]) -> None:
    """Each row's member pays at most its stand-alone cost, exactly.

    What a member pays for u units in tranche t is u (price + tranche_cost / Q) at the
    tranche's quantity Q. With no tranche cost, the per-unit price depends only on the open
    tier: w[l,t,k] carries line l's units in t when tier k is open. With a tranche cost, the
    share depends on Q itself: y[t,n] = 1 when tranche t holds exactly n units (one of them
    when a tier is open, n within the open tier's range), and v[l,t,n] carries l's units in t
    when it holds n, priced at price(n) + tranche_cost / n. Both are exact, so a row holds
    exactly when the member is no worse off (for the placements its cuts name)."""
    if not rows:
        return
    prob = model.prob
    alone = {cls.lines[0]: c for c, cls in enumerate(model.classes) if len(cls.lines) == 1}
    sizes: dict[int, list[tuple[int, pulp.LpVariable]]] = {}

    def levels(t: int, k0: int) -> list[tuple[int, pulp.LpVariable, float]]:
        """(most units, 0/1 variable, per-unit cost) for each level tranche t may be at."""
        info = inst.products[inst.groups[model.tranches[t][0]].product]
        if not info.tranche_cost:
            return [(int(q.upBound), z, float(info.price[k]))
                    for k, z, q in model.tiers[t] if k >= k0]
        if t not in sizes:
            sizes[t] = _tranche_sizes(model, t, info)
        return [(n, y, float(info.price[info.tier_for(n)] + info.tranche_cost / n))
                for n, y in sizes[t] if info.tier_for(n) >= k0]

    for row in rows:
        cost_terms: list[tuple[pulp.LpVariable, float]] = []
        placed: dict[int, tuple[list[tuple[pulp.LpVariable, float]], float]] = {}
        for pos in row.lines:
            c = alone[pos]
            cls, line = model.classes[c], inst.lines[pos]
            unit = 1 if cls.split else line.qty
            if cls.fixed:
                placed[pos] = ([], 1.0)
            elif c in model.picks:
                placed[pos] = ([(model.picks[c][0][1], 1.0)], 0.0)
            for p in cls.periods:
                t = where[(cls.group, p)]
                x = model.alloc[(c, t)]
                if not cls.fixed and c not in model.picks:
                    placed.setdefault(pos, ([], 0.0))[0].append((x, 1.0))
                split = [(x, -unit)]
                for n, level, price in levels(t, cls.k0):
                    v = prob.add_variable(f"fw_{pos}_{t}_{level.name}", 0, min(line.qty, n))
                    split.append((v, 1))
                    cost_terms.append((v, price))
                    prob.addConstraint(pulp.LpConstraint(
                        pulp.LpAffineExpression([(v, 1), (level, -min(line.qty, n))]),
                        pulp.LpConstraintLE, f"fair_level_{pos}_{t}_{level.name}", 0))
                prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(split),
                                                     pulp.LpConstraintEQ, f"fair_split_{pos}_{t}", 0))
        relax: list[tuple[pulp.LpVariable, float]] = []
        if row.waivable:
            waive = model.waivers[row.member] = prob.add_variable(
                f"waive_{row.member}", 0, 1, pulp.LpBinary)
            relax.append((waive, -row.big))
        for j, (chosen, limit) in enumerate(row.cuts):
            # cost <= limit + big * (lines placed otherwise than in `chosen`), where that count
            # is sum over chosen lines of (1 - placed) plus sum over the others of placed
            terms, constant = list(cost_terms) + relax, float(limit)
            for pos, (expr, fixed_part) in placed.items():
                if pos in chosen:
                    constant += row.big * (1.0 - fixed_part)
                    terms += [(var, row.big * coef) for var, coef in expr]
                else:
                    constant += row.big * fixed_part
                    terms += [(var, -row.big * coef) for var, coef in expr]
            prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms),
                                                 pulp.LpConstraintLE,
                                                 f"fair_{row.member}_{j}", constant))


def _tranche_sizes(model: Model, t: int, info) -> list[tuple[int, pulp.LpVariable]]:
    """y[t,n] for every quantity n tranche t may hold: one of them when a tier is open, and
    the tranche's quantity is then n."""
    prob = model.prob
    out = []
    quantity = [(q, 1) for _k, _z, q in model.tiers[t]]
    for k, z, q in model.tiers[t]:
        low, _high = info.tier_range(k)
        low = max(low, info.min_tranche)
        members = []
        for n in range(low, int(q.upBound) + 1):
            y = prob.add_variable(f"size_{t}_{n}", 0, 1, pulp.LpBinary)
            members.append((y, 1))
            quantity.append((y, -n))
            out.append((n, y))
        members.append((z, -1))
        prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(members),
                                             pulp.LpConstraintEQ, f"size_tier_{t}_{k}", 0))
    prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(quantity),
                                         pulp.LpConstraintEQ, f"size_{t}", 0))
    return out


def add_expressions(model: Model, inst: Instance) -> None:
    """Placed units and total cost as expressions for the two stages' objectives."""
    units = []
    for (c, _t), var in model.alloc.items():
        cls = model.classes[c]
        units.append((var, 1 if cls.split else cls.qty))
    model.units = pulp.LpAffineExpression(units)
    cost = []
    for t, tiers in enumerate(model.tiers):
        info = inst.products[inst.groups[model.tranches[t][0]].product]
        for k, z, q in tiers:
            cost.append((q, float(info.price[k])))
            if info.tranche_cost:
                cost.append((z, float(info.tranche_cost)))
    model.cost = pulp.LpAffineExpression(cost)
