"""Solving one subproblem lexicographically: most units placed, then least cost.

A greedy plan (see `heuristic`) comes first. When it places every placeable line, stage 1 is
proven (nothing can place more) and is skipped; when it also puts each group in a single tranche, it is optimal
outright: a group's tranches cost sum_i (Q_i price(Q_i) + F) >= Q price(Q) + F for the group's
total Q, because the all-units price never rises with quantity. Otherwise stage 1 maximises units
exactly (gap 0) and stage 2 minimises cost with the units held at that level.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction

import pulp

from consortium.optimizer.answer import (
    Allocation,
    allocation_cost,
    check_allocation,
    read_allocation,
    tranche_quantities,
)
from consortium.optimizer.heuristic import greedy_allocation
from consortium.optimizer.instance import Instance, Subproblem
from consortium.optimizer.model import FairRow, Model, build_model
from consortium.optimizer.solve import RELAXATION_SOLVERS, SolveSettings, solve_model


@dataclass
class SubResult:
    """A subproblem's answer and what was proved about it."""

    alloc: Allocation
    status: str                 # optimal | feasible
    bound: Fraction             # proven lower bound on its cost at its placed units
    cost: Fraction
    all_placed: bool            # every placeable line is placed (stage 1 needed no solve)
    units_floor: int | None     # the stage-1 optimum when stage 1 was solved
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    milp: bool = True           # False when the greedy plan was proven optimal without a solve


def _single_tranche_groups(inst: Instance, alloc: Allocation) -> bool:
    groups = [g for g, _p in tranche_quantities(inst, alloc)]
    return len(groups) == len(set(groups))


def first_solve(inst: Instance, sub: Subproblem, settings: SolveSettings,
                on_built=None) -> SubResult:
    """Solve a subproblem without fairness constraints."""
    greedy = greedy_allocation(inst, sub)
    if greedy is not None and _single_tranche_groups(inst, greedy):
        cost = allocation_cost(inst, greedy)
        if on_built:
            on_built()
        return SubResult(greedy, "optimal", cost, cost, True, None, milp=False)
    return _solve(inst, sub, settings, all_placed=greedy is not None, fallback=greedy,
                  on_built=on_built)


def solve_fair(inst: Instance, sub: Subproblem, settings: SolveSettings, *, floor: int,
               must: frozenset[int], rows: list[FairRow], lower: Fraction = Fraction(0)
               ) -> tuple[SubResult | None, set[int], str]:
    """Least cost with at least `floor` units placed, lines in `must` placed, and each row's
    member no worse off than alone. Returns (result or None, members waived, solve status).

    `lower` is a proven lower bound on the cost (the unconstrained solves' bounds): stated as a
    row, it lets the search stop as soon as a fair plan reaches it. When rows are waivable, the
    fewest waivers are found first (exactly), then the least cost with no more than that."""
    start = time.perf_counter()
    model = build_model(inst, sub, all_placed=False, fair=rows, must=must)
    if lower > 0:  # a hair below, so that the solver's tolerances never cut the optimum off
        model.prob.addConstraint(pulp.LpConstraint(model.cost, pulp.LpConstraintGE,
                                                   "cost_bound", float(lower) * (1 - 1e-9)))
    build = time.perf_counter() - start
    model.set_cost_objective(floor)
    status = "optimal"
    if model.waivers:
        count = pulp.lpSum(model.waivers.values())
        model.prob.setObjective(count)
        fewest = solve_model(model.prob, settings, rel_gap=0.0, abs_gap=0.5, presolve=False)
        if not fewest.has_solution:
            return None, set(), fewest.status
        status = fewest.status
        model.prob.addConstraint(pulp.LpConstraint(count, pulp.LpConstraintLE, "fewest_waived",
                                                   round(fewest.objective) + 0.5))
        model.prob.setObjective(model.cost)
    result = solve_model(model.prob, settings, presolve=False)
    if not result.has_solution:
        return None, set(), result.status
    alloc = read_allocation(model, inst)
    waived = {m for m, var in model.waivers.items() if round(var.varValue or 0.0) == 1}
    return _result(inst, alloc, result, False, floor, status, build), waived, result.status


def _solve(inst: Instance, sub: Subproblem, settings: SolveSettings, *, all_placed: bool,
           fallback: Allocation | None, on_built=None) -> SubResult:
    start = time.perf_counter()
    model = build_model(inst, sub, all_placed=all_placed)
    build = time.perf_counter() - start
    if on_built:
        on_built()
    floor, stage1_status, solve_seconds = None, "optimal", 0.0
    if not all_placed:
        model.set_units_objective()
        shortcut, seconds = _units_from_relaxation(inst, model, settings, build)
        solve_seconds += seconds
        if shortcut is not None:
            return shortcut
        stage1 = solve_model(model.prob, settings, rel_gap=0.0, abs_gap=0.5)
        solve_seconds += stage1.seconds
        if stage1.has_solution:
            fallback = read_allocation(model, inst)
            floor = round(stage1.objective)
            stage1_status = stage1.status
        else:  # not even a first plan in time: nothing placed is always a plan
            fallback, floor, stage1_status = {}, 0, "feasible"
    model.set_cost_objective(floor)
    result = solve_model(model.prob, settings)
    if result.has_solution:
        alloc = read_allocation(model, inst)
    else:
        alloc = fallback or {}
    sub_result = _result(inst, alloc, result, all_placed, floor, stage1_status, build)
    sub_result.solve_seconds += solve_seconds
    return sub_result


# The LP relaxation's units bound is taken as a whole number when within this of one: a bound
# a hair below the true value must not lower the target (a target too high is only a wasted try).
RELAXATION_SLACK = 1e-3
# Targets tried, from floor(bound) down, before stage 1's own MILP: a target above the optimum
# is proven infeasible in a few hundredths of a second, far less than stage 1 usually takes.
TARGET_TRIES = 8


def _units_from_relaxation(inst: Instance, model: Model, settings: SolveSettings,
                           build: float) -> tuple[SubResult | None, float]:
    """Stage 1 without its MILP when the LP relaxation's bound is (nearly) reached.

    The relaxation's optimum U bounds the placed units from above. The cost stage is run with
    at least T = floor(U) units placed; if it finds a plan with exactly T units, T is the
    stage-1 optimum and that plan is the stage-2 answer. If HiGHS proves T infeasible, T - 1 is
    tried, and so on (TARGET_TRIES in all): each infeasible target lowers the proven bound by
    one. Stage 1's MILP mostly spends its time finding a plan that reaches a bound close to
    its root LP's, so this saves that search. Returns (result or None, seconds); on None (no
    try succeeded, or one ended without a proof either way) the model is back to the units
    objective with no floor, ready for stage 1."""
    if settings.solver not in RELAXATION_SOLVERS:
        return None, 0.0
    relaxed = solve_model(model.prob, settings, relax=True)
    seconds = relaxed.seconds
    if relaxed.status != "optimal" or relaxed.objective is None:
        return None, seconds
    top = math.floor(relaxed.objective + RELAXATION_SLACK)
    for target in range(top, max(top - TARGET_TRIES, -1), -1):
        model.set_cost_objective(target)
        result = solve_model(model.prob, settings)
        seconds += result.seconds
        if result.has_solution:
            alloc = read_allocation(model, inst)
            if sum(units for parts in alloc.values() for _p, units in parts) == target:
                answer = _result(inst, alloc, result, False, target, "optimal", build)
                answer.solve_seconds = seconds
                return answer, seconds
        if result.status != "infeasible":
            break
    model.drop_units_floor()
    model.set_units_objective()
    return None, seconds


def _result(inst: Instance, alloc: Allocation, result, all_placed: bool, floor: int | None,
            stage1_status: str, build: float) -> SubResult:
    problems = check_allocation(inst, alloc)
    if problems:  # a numerical slip in the solver must never reach a plan
        raise RuntimeError("solver answer breaks the rules: " + "; ".join(problems[:5]))
    cost = allocation_cost(inst, alloc)
    bound = Fraction(result.bound) if result.bound is not None else Fraction(0)
    bound = min(max(bound, Fraction(0)), cost)
    optimal = result.status == "optimal" and stage1_status == "optimal"
    return SubResult(alloc, "optimal" if optimal else "feasible", bound, cost, all_placed, floor,
                     build, result.seconds)
