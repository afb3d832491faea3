"""Hints per demand line: what a fleet manager could change, with the exact effect of each change.

For each line, candidate changes are generated (widen the window one period earlier or later,
accept another option value, mark it splittable, raise its price cap to a price that would place
it, reach the period where its product's tranche would get to the next tier). Each change is
applied to a copy of the problem and solved; its figures are the differences between two solved
plans, the base plan and the changed one, never an estimate:

* `placed_units_delta`: changed plan's placed units minus the base plan's;
* `consortium_cost_delta`: changed plan's `total_cost` minus the base plan's;
* `member_cost_delta`: the line's member's `consortium_cost` in the changed plan minus the base's.

The differences are taken between the figures as the plans report them (integers, or amounts
rounded to cents), computed exactly, so that anyone solving both problems with `optimize` and
subtracting the plan files' figures gets the same numbers.

**Only what a change touches is re-solved.** Presolve and decomposition never cross products, so
a change to a line of product X can only alter X's subproblems. Each product's lines form a
problem of their own (same periods and catalogue); its subproblems are solved once for the base
and cached by a signature of everything the solve depends on (lines with positions, windows,
usable periods, quantities, caps, splitting and options; tranches; binding capacities). A changed
problem rebuilds only X's instance and solves only the subproblems whose signature is new; every
other part is the base plan's own answer. The figures then are those `optimize` gives, as long
as the no-member-worse-off guarantee does not bind: with fairness on, when some member would be
worse off than alone in the changed plan, the whole changed problem is solved by `optimize`
instead (the guarantee couples products through members). A test checks that both paths agree.

Pure: no web or database imports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from consortium.optimizer.answer import allocation_cost
from consortium.optimizer.engine import optimize
from consortium.optimizer.fairness import consortium_costs
from consortium.optimizer.instance import Instance, Subproblem, build_instance
from consortium.optimizer.money import exact, report
from consortium.optimizer.plan import Plan
from consortium.optimizer.problem import DemandLine, Problem, check_problem
from consortium.optimizer.solve import SolveSettings
from consortium.optimizer.stages import first_solve
from consortium.optimizer.standalone import StandaloneCoster, standalone_costs

DEFAULT_THRESHOLD = 1  # a cost must fall by more than this (currency units) to count as a help
FIELDS = ("earliest", "latest", "options", "splittable", "max_unit_price", "quantity")
KINDS = ("widen_earlier", "widen_later", "options", "splittable", "price_cap", "next_tier",
         "quantity")

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------- changes


def _line_index(problem: Problem, line_id: str) -> int:
    for pos, d in enumerate(problem.demand):
        if d.id == line_id:
            return pos
    raise KeyError(line_id)


def apply_change(problem: Problem, line_id: str, field_name: str, value: Any) -> Problem:
    """A copy of `problem` with field `field_name` of demand line `line_id` set to `value`
    (validated: raises ProblemError when the result is not a valid problem)."""
    if field_name not in FIELDS:
        raise ValueError(f"a hint changes one of {', '.join(FIELDS)}, not {field_name!r}")
    pos = _line_index(problem, line_id)
    line = problem.demand[pos]
    if field_name == "options":
        changed = replace(line, options=dict(value or {}))
    else:
        changed = replace(line, **{field_name: value})
    # the other lines are unchanged, so checking the changed line alone checks the whole
    check_problem(Problem(problem.periods, problem.products, (changed,)))
    demand = list(problem.demand)
    demand[pos] = changed
    return Problem(problem.periods, problem.products, tuple(demand))


def apply_change_dict(data: dict, line_id: str, field_name: str, value: Any) -> dict:
    """The same change on a problem file's JSON document (a deep copy; `data` is untouched)."""
    out = json.loads(json.dumps(data))
    for d in out["demand"]:
        if d["id"] == line_id:
            if value is None:
                d.pop(field_name, None)
            else:
                d[field_name] = value
            return out
    raise KeyError(line_id)


# ---------------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """What a plan reports that a hint compares: placed units, total, members' costs, as the
    plan file states them (ints or amounts rounded to cents)."""

    placed_units: int
    total_cost: int | float
    member_cost: Mapping[str, int | float]
    placed_lines: frozenset[str]

    @classmethod
    def of_plan(cls, plan: Plan) -> "Figures":
        placed = frozenset(a.demand for t in plan.tranches for a in t.allocations)
        return cls(plan.placed_units, plan.total_cost,
                   {m.member: m.consortium_cost for m in plan.members}, placed)


def difference(after: int | float, before: int | float) -> int | float:
    """after - before, exactly, for reported amounts (ints or cents)."""
    return report(exact(after) - exact(before))


# ---------------------------------------------------------------------------------- fast path


@dataclass
class _Part:
    """A solved subproblem: what it contributes to the plan's figures (exact)."""

    units: int
    cost: Fraction
    paid: dict[str, Fraction]          # member -> consortium cost in this part
    alone: dict[str, Fraction]         # member -> stand-alone cost of its placed lines here
    placed: frozenset[str]
    optimal: bool


def _signature(inst: Instance, sub: Subproblem) -> tuple:
    """Everything the subproblem's model and solve depend on: equal signatures give the same
    model, in the same order (positions fix the order), and so the same answer. Windows are
    left out (only the usable periods enter the model), so widening a line into a period it
    cannot use re-solves nothing."""
    lines = tuple((pos, line.group, line.qty, line.allowed, line.split, line.k0)
                  for pos in sub.lines for line in (inst.lines[pos],))
    groups = tuple((g, inst.groups[g].options) for g in sub.groups)
    capacity = tuple(sorted((key, tuple(ts)) for key, ts in sub.capacity.items()))
    return (lines, tuple(sub.tranches), capacity, groups)


def _restricted(problem: Problem, code: str) -> tuple[Problem, list[int]]:
    """The problem holding only the demand of product `code`, and those lines' positions."""
    positions = [pos for pos, d in enumerate(problem.demand) if d.product == code]
    return (Problem(problem.periods, problem.products,
                    tuple(problem.demand[pos] for pos in positions)), positions)


class _ProductParts:
    """One product's solved parts, cached by signature."""

    def __init__(self):
        self.cache: dict[tuple, tuple] = {}   # signature -> (allocation, proven optimal)
        self.alone_cache: dict = {}
        self.alone_of: dict[tuple, dict[str, Fraction]] = {}   # (signature, windows) -> costs
        self.base: list[_Part] = []


class HintSolver:
    """Solves a problem and changed copies of it, re-solving only what each change touches."""

    def __init__(self, problem: Problem, *, fairness: bool = True, time_limit: float = 60.0,
                 gap: float = 1e-6, solver: str = "highs", base_plan: Plan | None = None):
        self.problem = check_problem(problem)
        self.fairness, self.time_limit, self.gap, self.solver = fairness, time_limit, gap, solver
        self.solves = 0            # changed problems evaluated
        self.subproblem_solves = 0  # subproblems actually solved (cache misses)
        self.full_solves = 0       # changed problems solved whole (the guarantee bound)
        self.base_plan = base_plan or self._optimize(problem)
        self.base = Figures.of_plan(self.base_plan)
        self.products: dict[str, _ProductParts] = {}
        for product in problem.products:
            parts = self.products[product.code] = _ProductParts()
            parts.base = self._parts(problem, product.code)
        # the fast path must give the base plan itself back when nothing binds the guarantee
        # (when the guarantee changed the base plan, the unconstrained parts differ from it)
        self.fast = self._base_fair() or self._combine({}) == self.base

    def _base_fair(self) -> bool:
        return bool(self.base_plan.solver.extra.get("fairness_rounds"))

    def _optimize(self, problem: Problem) -> Plan:
        return optimize(problem, time_limit=self.time_limit, gap=self.gap, solver=self.solver,
                        fairness=self.fairness)

    def _settings(self) -> SolveSettings:
        return SolveSettings(self.solver, float(self.gap), float(self.time_limit),
                             time.monotonic() + float(self.time_limit))

    def _parts(self, problem: Problem, code: str) -> list[_Part]:
        sub_problem, positions = _restricted(problem, code)
        if not sub_problem.demand:
            return []
        inst = build_instance(sub_problem)
        parts = self.products[code]
        coster = None
        out = []
        for sub in inst.subproblems:
            key = _signature(inst, sub)
            solved = parts.cache.get(key)
            if solved is None:
                result = first_solve(inst, sub, self._settings())
                self.subproblem_solves += 1
                solved = parts.cache[key] = (result.alloc, result.status == "optimal")
            alloc, optimal = solved
            if coster is None:
                coster = StandaloneCoster(inst, self._settings())
                coster.cache = parts.alone_cache   # keyed by shape: valid across copies
            names = inst.members
            paid: dict[str, Fraction] = {}
            for (m, _g), value in consortium_costs(inst, alloc).items():
                paid[names[m]] = paid.get(names[m], Fraction(0)) + value
            alone: dict[str, Fraction] = {}
            if self.fairness:
                windows = (key, tuple((inst.lines[pos].lo, inst.lines[pos].hi, inst.lines[pos].member)
                                      for pos in sub.lines))
                cached = parts.alone_of.get(windows)
                if cached is None:
                    for (m, _g), value in standalone_costs(inst, alloc, coster).items():
                        alone[names[m]] = alone.get(names[m], Fraction(0)) + value
                    parts.alone_of[windows] = alone
                else:
                    alone = cached
            units = sum(u for line_parts in alloc.values() for _p, u in line_parts)
            ids = frozenset(sub_problem.demand[pos].id for pos in alloc)
            part = _Part(units, allocation_cost(inst, alloc), paid, alone, ids, optimal)
            out.append(part)
        return out

    @staticmethod
    def _sum(parts: list[_Part]) -> _Part:
        """One product's parts added up (exactly)."""
        units, cost = 0, Fraction(0)
        paid: dict[str, Fraction] = {}
        alone: dict[str, Fraction] = {}
        placed: set[str] = set()
        optimal = True
        for part in parts:
            units += part.units
            cost += part.cost
            placed |= part.placed
            optimal = optimal and part.optimal
            for name, value in part.paid.items():
                paid[name] = paid.get(name, Fraction(0)) + value
            for name, value in part.alone.items():
                alone[name] = alone.get(name, Fraction(0)) + value
        return _Part(units, cost, paid, alone, frozenset(placed), optimal)

    def _prepare_totals(self) -> None:
        """The base's unconstrained totals, whole and per product, for `_combine`."""
        self.sums = {code: self._sum(parts.base) for code, parts in self.products.items()}
        self.whole = self._sum(list(self.sums.values()))
        members = sorted({d.member for d in self.problem.demand})
        self.paid_report = {name: report(self.whole.paid.get(name, Fraction(0)))
                            for name in members}
        self.saving = {name: self.whole.alone.get(name, Fraction(0))
                       - self.whole.paid.get(name, Fraction(0)) for name in members}

    def _combine(self, changed: dict[str, list[_Part]]) -> Figures | None:
        """The plan's figures from every product's parts (`changed` replacing some products'),
        or None when the guarantee would bind (some member worse off than alone). Only the
        changed products are added up again; the rest is the base's."""
        if not hasattr(self, "sums"):
            self._prepare_totals()
        units, total = self.whole.units, self.whole.cost
        placed = set(self.whole.placed)
        paid_report = dict(self.paid_report)
        saving = dict(self.saving)
        for code, parts in changed.items():
            old, new = self.sums[code], self._sum(parts)
            units += new.units - old.units
            total += new.cost - old.cost
            placed -= old.placed
            placed |= new.placed
            for name in set(old.paid) | set(new.paid) | set(old.alone) | set(new.alone):
                zero = Fraction(0)
                paid = (self.whole.paid.get(name, zero) - old.paid.get(name, zero)
                        + new.paid.get(name, zero))
                paid_report[name] = report(paid)
                saving[name] = (self.whole.alone.get(name, zero) - old.alone.get(name, zero)
                                + new.alone.get(name, zero)) - paid
        if self.fairness and any(value < 0 for value in saving.values()):
            return None
        return Figures(units, report(total), paid_report, frozenset(placed))

    def figures(self, changed_problem: Problem, product: str) -> Figures:
        """The figures `optimize` gives for `changed_problem`, which differs from the base
        problem only in lines of `product` (same lines, same order)."""
        self.solves += 1
        if self.fast:
            figures = self._combine({product: self._parts(changed_problem, product)})
            if figures is not None:
                return figures
        self.full_solves += 1
        return Figures.of_plan(self._optimize(changed_problem))

    def full_figures(self, changed_problem: Problem) -> Figures:
        """The figures of the changed problem solved whole by `optimize` (for checks)."""
        return Figures.of_plan(self._optimize(changed_problem))


# ---------------------------------------------------------------------------------- hints


@dataclass(frozen=True)
class Hint:
    """One change to one line and its exact effect (plan minus base plan)."""

    line: str
    member: str
    kind: str
    field: str
    value: Any
    placed_units_delta: int
    consortium_cost_delta: int | float
    member_cost_delta: int | float
    places_line: bool = False      # the line is unplaced in the base plan and placed after

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "member": self.member, "kind": self.kind,
                "change": {"field": self.field, "value": self.value},
                "placed_units_delta": self.placed_units_delta,
                "consortium_cost_delta": self.consortium_cost_delta,
                "member_cost_delta": self.member_cost_delta,
                "places_line": self.places_line}

    @property
    def saving(self) -> Fraction:
        """The larger of the two cost reductions (0 when neither falls)."""
        return max(Fraction(0), -exact(self.consortium_cost_delta),
                   -exact(self.member_cost_delta))


@dataclass
class LineHints:
    """A line, whether the base plan places it (and why not), and its helpful hints."""

    line: str
    member: str
    product: str
    placed: bool
    reason: str = ""
    hints: list[Hint] = field(default_factory=list)
    tried: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "member": self.member, "product": self.product,
                "placed": self.placed, "reason": self.reason, "tried": self.tried,
                "hints": [h.to_dict() for h in self.hints]}


@dataclass
class HintReport:
    """Hints for every line of a problem, with the base plan's figures and the work done."""

    lines: list[LineHints]
    base_placed_units: int
    base_total_cost: int | float
    threshold: int | float
    fairness: bool
    solves: int = 0
    subproblem_solves: int = 0
    full_solves: int = 0
    seconds: float = 0.0

    @property
    def hints(self) -> list[Hint]:
        return [h for entry in self.lines for h in entry.hints]

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": {"placed_units": self.base_placed_units, "total_cost": self.base_total_cost},
            "threshold": self.threshold, "fairness": self.fairness,
            "hints": [h.to_dict() for h in self.hints],
            "lines": [entry.to_dict() for entry in self.lines],
            "stats": {"changes_solved": self.solves, "subproblem_solves": self.subproblem_solves,
                      "full_solves": self.full_solves, "seconds": round(self.seconds, 3)},
        }


def option_values_of(problem: Problem) -> dict[str, dict[str, list]]:
    """product -> option key -> the values lines of that product use (sorted as JSON)."""
    out: dict[str, dict[str, set]] = {}
    for d in problem.demand:
        for key, value in d.options:
            out.setdefault(d.product, {}).setdefault(key, set()).add(json.dumps(value))
    return {p: {k: [json.loads(v) for v in sorted(vals)] for k, vals in keys.items()}
            for p, keys in out.items()}


def _tranche_quantities(plan: Plan) -> dict[tuple[str, str, str], int]:
    return {(t.product, json.dumps(t.options, sort_keys=True), t.period): t.quantity
            for t in plan.tranches}


def _next_tier_periods(problem: Problem, plan: Plan, line: DemandLine) -> list[str]:
    """Periods outside the line's window where a tranche of its product and options would
    reach a higher tier with the line's units (nearest on each side)."""
    product = problem.product(line.product)
    periods = list(problem.periods)
    lo, hi = periods.index(line.earliest), periods.index(line.latest)
    quantities = _tranche_quantities(plan)
    options = json.dumps(line.options_dict, sort_keys=True)
    found = []
    for side in (range(lo - 2, -1, -1), range(hi + 2, len(periods))):   # adjacent: widening
        for p in side:
            q = quantities.get((line.product, options, periods[p]))
            if q and product.price_for(q + line.quantity) < product.price_for(q):
                found.append(periods[p])
                break
    return found


def candidate_changes(problem: Problem, line: DemandLine, plan: Plan,
                      option_values: Mapping[str, Mapping[str, list]] | None = None,
                      placed: bool = True) -> list[tuple[str, str, Any]]:
    """(kind, field, value) of each change worth solving for `line`, in order.

    Unplaced lines also get further widenings (every period up to the ends), every higher
    price cap and the quantities the vendor's limits accept (its capacity per period when the
    line is larger and cannot be split, its minimum when the line is smaller), so that "what
    you can do" is searched for until something places them."""
    periods = list(problem.periods)
    lo, hi = periods.index(line.earliest), periods.index(line.latest)
    out: list[tuple[str, str, Any]] = []
    earlier = range(lo - 1, -1, -1) if not placed else range(lo - 1, max(lo - 2, -1), -1)
    later = range(hi + 1, len(periods)) if not placed else range(hi + 1, min(hi + 2, len(periods)))
    out += [("widen_earlier", "earliest", periods[p]) for p in earlier]
    out += [("widen_later", "latest", periods[p]) for p in later]
    values = (option_values or option_values_of(problem)).get(line.product, {})
    current = line.options_dict
    for key, choices in sorted(values.items()):
        for value in choices:
            if key in current and current[key] != value:
                out.append(("options", "options", {**current, key: value}))
    if not line.splittable:
        out.append(("splittable", "splittable", True))
    if line.max_unit_price is not None:
        cap = exact(line.max_unit_price)
        prices = sorted({exact(t.unit_price) for t in problem.product(line.product).tiers
                         if exact(t.unit_price) > cap})
        for price in prices if not placed else prices[:1]:
            out.append(("price_cap", "max_unit_price", report(price)))
    product = problem.product(line.product)
    if not placed:  # a quantity the vendor's limits accept on their own
        if product.max_per_period and line.quantity > product.max_per_period \
                and not line.splittable:
            out.append(("quantity", "quantity", product.max_per_period))
        if line.quantity < product.min_tranche:
            out.append(("quantity", "quantity", product.min_tranche))
    for period in _next_tier_periods(problem, plan, line):
        field_name = "earliest" if periods.index(period) < lo else "latest"
        out.append(("next_tier", field_name, period))   # a widening already listed is dropped
    seen, unique = set(), []
    for kind, field_name, value in out:
        key = (field_name, json.dumps(value, sort_keys=True))
        if key not in seen:
            seen.add(key)
            unique.append((kind, field_name, value))
    return unique


def helps(hint: Hint, was_placed: bool, now_placed: bool, threshold) -> bool:
    """Placed units up, or (units kept, the line kept placed) a cost down by more than
    `threshold`."""
    if hint.placed_units_delta > 0:
        return True
    if hint.placed_units_delta < 0 or (was_placed and not now_placed):
        return False
    limit = exact(threshold)
    return (-exact(hint.consortium_cost_delta) > limit
            or -exact(hint.member_cost_delta) > limit)


def line_hints(hs: HintSolver, line: DemandLine, *, threshold=DEFAULT_THRESHOLD,
               option_values=None, reason: str = "") -> LineHints:
    """The helpful hints for one line of `hs.problem`."""
    base = hs.base
    was_placed = line.id in base.placed_lines
    entry = LineHints(line.id, line.member, line.product, was_placed, reason)
    stop: set[str] = set()   # for unplaced lines: a direction that placed it goes no further
    for kind, field_name, value in candidate_changes(hs.problem, line, hs.base_plan,
                                                     option_values, was_placed):
        if kind in stop:
            continue
        changed = apply_change(hs.problem, line.id, field_name, value)
        after = hs.figures(changed, line.product)
        entry.tried += 1
        now_placed = line.id in after.placed_lines
        hint = Hint(line.id, line.member, kind, field_name, value,
                    after.placed_units - base.placed_units,
                    difference(after.total_cost, base.total_cost),
                    difference(after.member_cost.get(line.member, 0),
                               base.member_cost.get(line.member, 0)),
                    places_line=not was_placed and now_placed)
        if helps(hint, was_placed, now_placed, threshold):
            entry.hints.append(hint)
            if not was_placed and kind in ("widen_earlier", "widen_later", "price_cap") \
                    and now_placed:
                stop.add(kind)
    return entry


def compute_hints(problem: Problem, *, fairness: bool = True, threshold=DEFAULT_THRESHOLD,
                  time_limit: float = 60.0, gap: float = 1e-6, solver: str = "highs",
                  option_values: Mapping[str, Mapping[str, list]] | None = None,
                  base_plan: Plan | None = None, lines: list[str] | None = None,
                  progress: Progress | None = None) -> HintReport:
    """Hints for every line of `problem` (or the lines in `lines`).

    `option_values` (product -> option key -> values) is what the catalogue offers; without
    it, the values other lines of the same product use. `threshold` is the least cost
    reduction (currency units) a hint must bring when it places no more units. `base_plan`
    (the run's plan, solved with the same settings) saves the base solve."""
    started = time.perf_counter()
    if not (isinstance(threshold, (int, float)) and threshold >= 0):
        raise ValueError(f"threshold must be a non-negative amount, not {threshold!r}")
    hs = HintSolver(problem, fairness=fairness, time_limit=time_limit, gap=gap, solver=solver,
                    base_plan=base_plan)
    reasons = {u.demand: u.reason for u in hs.base_plan.unplaced}
    wanted = set(lines) if lines is not None else None
    todo = [d for d in problem.demand if wanted is None or d.id in wanted]
    out = []
    for k, line in enumerate(todo, 1):
        out.append(line_hints(hs, line, threshold=threshold, option_values=option_values,
                              reason=reasons.get(line.id, "")))
        if progress:
            progress(k, len(todo))
    for entry in out:
        entry.hints.sort(key=lambda h: (-h.placed_units_delta, -h.saving, KINDS.index(h.kind)))
    return HintReport(out, hs.base.placed_units, hs.base.total_cost, threshold, fairness,
                      hs.solves, hs.subproblem_solves, hs.full_solves,
                      time.perf_counter() - started)
