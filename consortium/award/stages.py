"""The two stages: most units awarded (by independent groups of lots), then least cost.

Lots fall into *groups* that no capacity row crosses (union-find over the lots of each row).
Without the lots-per-vendor rows, groups share no constraint, so stage 1 splits into one small
MILP per group, far easier than the whole: the most units of the whole is the sum of the
groups' optima U_g. With the vendor rows it is a relaxation: when the groups' awards put
together break no vendor limit they are optimal for the whole; otherwise stage 1 is solved on
the whole with each group's units capped at U_g (a valid cut). Whenever the whole reaches
sum U_g, every optimal award has each group at exactly U_g (none can do better), so stage 2
carries one floor per group and the awards those floors force (`add_group_floors`), which
gives its LP much of the integer optimum's shape; otherwise a single floor on all units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from consortium.award.answer import Award, award_units, check_award, read_award, vendor_lots
from consortium.award.instance import AwardInstance
from consortium.award.model import AwardModel, add_group_floors, build_award_model
from consortium.optimizer.solve import SolveSettings, solve_model


@dataclass
class UnitsResult:
    """Stage 1's answer: an award with the most units found, and what was proved."""

    award: Award
    units: int
    status: str                                   # optimal | feasible
    groups: list[tuple[list[int], int]] = field(default_factory=list)   # (lots, U_g) if valid
    seconds: float = 0.0


def checked(inst: AwardInstance, award: Award) -> Award:
    """The award, after re-checking every rule; a solver's slip raises RuntimeError."""
    problems = check_award(inst, award)
    if problems:
        raise RuntimeError("solver answer breaks the rules: " + "; ".join(problems[:5]))
    return award


def capacity_groups(inst: AwardInstance) -> list[list[int]]:
    """The lots that some bid may win, in groups no capacity row crosses (in lot order)."""
    parent = list(range(len(inst.problem.lots)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in inst.capacity:
        lots = [inst.pairs[p].lot for p in row.pairs]
        for lot in lots[1:]:
            parent[find(lot)] = find(lots[0])
    groups: dict[int, list[int]] = {}
    for lot, pairs in enumerate(inst.lot_pairs):
        if pairs:
            groups.setdefault(find(lot), []).append(lot)
    return list(groups.values())


def most_units(inst: AwardInstance, whole: AwardModel, settings: SolveSettings) -> UnitsResult:
    """Stage 1: the most units any award can reach (see the module docstring)."""
    award: Award = {}
    groups, seconds, proven = [], 0.0, True
    for lots in capacity_groups(inst):
        model = build_award_model(inst, lots, vendors=False, discounts=False)
        model.set_units_objective()
        result = solve_model(model.prob, settings, rel_gap=0.0, abs_gap=0.5)
        seconds += result.seconds
        if not result.has_solution:
            proven = False
            continue
        part = read_award(model, inst)
        award.update(part)
        proven = proven and result.status == "optimal"
        # the bound, not the award, caps the group when the solve was cut short
        top = award_units(inst, part) if result.status == "optimal" else None
        groups.append((lots, top))
    limit = inst.problem.max_lots_per_vendor
    if limit is None or max(vendor_lots(inst, award).values(), default=0) <= limit:
        award = checked(inst, award)
        valid = proven and all(top is not None for _lots, top in groups)
        return UnitsResult(award, award_units(inst, award), "optimal" if proven else "feasible",
                           groups if valid else [], seconds)
    return _whole(inst, whole, settings, groups, seconds)


def _whole(inst: AwardInstance, model: AwardModel, settings: SolveSettings,
           groups: list[tuple[list[int], int | None]], seconds: float) -> UnitsResult:
    """Stage 1 on the whole model (vendor rows binding), each group capped at its own optimum.

    The caps hold for every award, so they stay in the model for stage 2."""
    for g, (lots, top) in enumerate(groups):
        if top is None:
            continue
        terms = [(model.x[p], inst.quantity(lot)) for lot in lots for p in inst.lot_pairs[lot]]
        row = pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE,
                                f"group_cap_{g}", top)
        model.prob.addConstraint(row)
    model.set_units_objective()
    result = solve_model(model.prob, settings, rel_gap=0.0, abs_gap=0.5)
    seconds += result.seconds
    if not result.has_solution:
        return UnitsResult({}, 0, "feasible", [], seconds)
    award = checked(inst, read_award(model, inst))
    units = award_units(inst, award)
    everything = all(top is not None for _lots, top in groups)
    valid = everything and result.status == "optimal" and units == sum(t for _l, t in groups)
    return UnitsResult(award, units, result.status, groups if valid else [], seconds)


def least_cost(inst: AwardInstance, model: AwardModel, settings: SolveSettings,
               units: UnitsResult, abs_gap: float):
    """Stage 2: least cost with the units of stage 1 kept; returns (award, SolveResult)."""
    if units.groups:
        add_group_floors(model, inst, units.groups)
        model.set_cost_objective(None)
    else:
        model.set_cost_objective(units.units)
    result = solve_model(model.prob, settings, abs_gap=abs_gap)
    award = units.award
    if result.has_solution:
        better = checked(inst, read_award(model, inst))
        if award_units(inst, better) >= units.units:
            award = better
    return award, result
