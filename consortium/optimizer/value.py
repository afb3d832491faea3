"""What each member is worth to the others: the consortium solved with and without it.

For a member M of a problem whose plan is P (the run's plan, or solved here), the problem
without M's demand lines is solved with the same settings, giving plan P'. Then

- `total_with` = P's total cost, `total_without` = P''s total cost;
- `others_cost_with` = what the other members pay in P (the sum of their consortium costs),
  `others_cost_without` = P''s total (only the others are left in it);
- `value_to_others` = `others_cost_without - others_cost_with`: what the others would pay more
  (positive) or less (negative) for their demand if M left;
- beside M's own figures in P: stand-alone cost, consortium cost and savings.

Placed units can differ between P and P' (M's lines may take vendor capacity the others could
use), so both plans' units placed for the others are reported with the costs: a cost compared
without its units could mislead. Every figure comes from two solved plans, never an estimate.
Pure: no web or database imports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from typing import Any

from consortium.optimizer.engine import optimize
from consortium.optimizer.money import Money, exact, report
from consortium.optimizer.plan import Plan
from consortium.optimizer.problem import Problem

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MemberValue:
    """One member's own figures in the plan and the consortium's totals with and without it."""

    member: str
    lines: int                   # its demand lines in the problem
    units: int                   # units those lines ask for
    placed_units: int            # its units placed in the plan with it
    standalone_cost: Money
    consortium_cost: Money
    savings: Money
    total_with: Money            # the consortium's total cost with the member
    total_without: Money         # ... and solved without its lines
    others_cost_with: Money      # what the other members pay with it
    others_cost_without: Money   # ... and without it (= total_without)
    value_to_others: Money       # others_cost_without - others_cost_with
    others_placed_with: int      # units of the other members placed with it
    others_placed_without: int   # ... and without it
    status_without: str          # the status of the plan without it (optimal or feasible)

    def to_dict(self) -> dict[str, Any]:
        """The figures as a JSON object."""
        return asdict(self)


def without_member(problem: Problem, member: str) -> Problem:
    """The problem without `member`'s demand lines (periods and products unchanged)."""
    return replace(problem, demand=tuple(d for d in problem.demand if d.member != member))


def _placed_by_member(plan: Plan) -> dict[str, int]:
    placed: dict[str, int] = {}
    for tranche in plan.tranches:
        for alloc in tranche.allocations:
            placed[alloc.member] = placed.get(alloc.member, 0) + alloc.quantity
    return placed


def _empty_plan_total() -> tuple[Fraction, int, str]:
    return Fraction(0), 0, "optimal"


def member_values(problem: Problem, *, base: Plan | None = None, time_limit: float = 60.0,
                  gap: float = 1e-6, solver: str = "highs", fairness: bool = True,
                  progress: Progress | None = None) -> list[MemberValue]:
    """Each member's value to the others (see the module docstring), sorted by member name.

    `base` is the plan of `problem` to compare with (a run's stored plan); without it the
    problem is solved first. Each problem without a member is solved with the given settings
    (`time_limit` applies to each solve). `progress(stage, done, total)` is called with stage
    "base" (when `base` is None) and "member" (k of n members, before the k-th solve).
    Raises ProblemError for an invalid problem, like `optimize`.
    """
    notify: Progress = progress or (lambda stage, done, total: None)
    settings = {"time_limit": time_limit, "gap": gap, "solver": solver, "fairness": fairness}
    if base is None:
        notify("base", 0, 1)
        base = optimize(problem, **settings)
        notify("base", 1, 1)
    members = sorted({d.member for d in problem.demand})
    own = {m.member: m for m in base.members}
    placed = _placed_by_member(base)
    total_with = exact(base.total_cost)
    values = []
    for k, name in enumerate(members, 1):
        notify("member", k, len(members))
        rest = without_member(problem, name)
        if rest.demand:
            plan = optimize(rest, **settings)
            total_without, placed_without, status = (exact(plan.total_cost), plan.placed_units,
                                                     plan.status)
        else:  # the only member: without it nobody buys anything
            total_without, placed_without, status = _empty_plan_total()
        others_with = sum((exact(m.consortium_cost) for m in base.members if m.member != name),
                          Fraction(0))
        mine = own.get(name)
        lines = [d for d in problem.demand if d.member == name]
        values.append(MemberValue(
            member=name, lines=len(lines), units=sum(d.quantity for d in lines),
            placed_units=placed.get(name, 0),
            standalone_cost=mine.standalone_cost if mine else 0,
            consortium_cost=mine.consortium_cost if mine else 0,
            savings=mine.savings if mine else 0,
            total_with=report(total_with), total_without=report(total_without),
            others_cost_with=report(others_with), others_cost_without=report(total_without),
            value_to_others=report(total_without - others_with),
            others_placed_with=base.placed_units - placed.get(name, 0),
            others_placed_without=placed_without, status_without=status,
        ))
    notify("done", len(members), len(members))
    return values
