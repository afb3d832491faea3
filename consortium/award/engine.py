"""`optimize_award`: validate -> build -> stage 1 (units) -> stage 2 (cost) -> check -> award."""

from __future__ import annotations

import time
from fractions import Fraction

from consortium.award.answer import Award, applied_discounts, award_cost, award_units
from consortium.award.contracts import member_contracts
from consortium.award.instance import AwardInstance, build_award_instance
from consortium.award.model import build_award_model
from consortium.award.problem import AwardProblem, check_award_problem
from consortium.award.reasons import unawarded_lots
from consortium.award.result import (
    AppliedDiscount,
    AwardResult,
    Contract,
    LotAward,
    UnawardedLot,
    VendorTotal,
)
from consortium.award.stages import least_cost, most_units
from consortium.optimizer.engine import _check_arguments
from consortium.optimizer.money import exact, report
from consortium.optimizer.solve import DEFAULT_SOLVER, SolveSettings, solver_label

# The cost stage stops when no award can be cheaper by half a cent or more: prices in currency
# units with cents make any better award at least a cent cheaper, so the answer is exact.
ABS_GAP = 0.005


def optimize_award(problem: AwardProblem, *, time_limit: float = 60.0, gap: float = 0.0,
                   solver: str = DEFAULT_SOLVER) -> AwardResult:
    """Decide which bid wins each lot: most units awarded, then least cost after discounts.

    `time_limit` is the budget in seconds for both stages (each gets what is left, at least
    min(1 s, time_limit)); `gap` is the relative MIP gap asked of the cost stage (0: exact, to
    half a cent); `solver` is "highs" (in process) or "cbc". Raises ProblemError for an invalid
    problem and ValueError for bad arguments; a time-limited solve is status "feasible".
    """
    started = time.perf_counter()
    _check_arguments(time_limit, gap, solver)
    check_award_problem(problem)
    inst = build_award_instance(problem)
    settings = SolveSettings(solver, float(gap), float(time_limit),
                             time.monotonic() + float(time_limit))
    model = build_award_model(inst)
    build_seconds = time.perf_counter() - started
    award: Award = {}
    status, bound, seconds = "optimal", None, 0.0
    if inst.pairs:
        units = most_units(inst, model, settings)
        award, stage2 = least_cost(inst, model, settings, units, ABS_GAP)
        seconds = units.seconds + stage2.seconds
        optimal = units.status == "optimal" and stage2.status == "optimal"
        status = "optimal" if optimal else "feasible"
        bound = stage2.bound
    result = assemble_award(inst, award, status=status, bound=bound)
    result.solver_name = solver_label(solver)
    result.solve_seconds = round(seconds, 4)
    result.details = {"build_seconds": round(build_seconds, 4), "pairs": len(inst.pairs),
                      "time_limit": float(time_limit), "gap_requested": float(gap),
                      "total_seconds": round(time.perf_counter() - started, 4)}
    return result


def assemble_award(inst: AwardInstance, award: Award, *, status: str,
                   bound: float | None) -> AwardResult:
    """The award file's content for an award (exact money, reported to cents)."""
    problem = inst.problem
    cost = award_cost(inst, award)
    # Overlapping set discounts can take the total below zero, so the bound is clamped at zero
    # only when the cost is not negative; the gap is relative to the cost's size.
    if bound is None:
        lower = cost if status == "optimal" else min(Fraction(0), cost)
    else:
        lower = Fraction(bound)
        lower = min(max(lower, Fraction(0)) if cost >= 0 else lower, cost)
    lower_bound = report(lower)
    gap = float(max(cost - exact(lower_bound), Fraction(0)) / abs(cost)) if cost else 0.0
    awards = []
    for lot in sorted(award):
        pair = inst.pairs[award[lot]]
        bid = problem.bids[pair.bid]
        awards.append(LotAward(problem.lots[lot].id, bid.id, bid.vendor,
                               bid.price_of(problem.lots[lot].id), inst.quantity(lot),
                               report(pair.value)))
    discounts = []
    for d in applied_discounts(inst, award):
        disc, bid = inst.discounts[d], problem.bids[inst.discounts[d].bid]
        discounts.append(AppliedDiscount(bid.id, bid.vendor, bid.discounts[disc.entry].lots,
                                         report(disc.amount)))
    unawarded = [UnawardedLot(u.lot, u.reason, u.kind) for u in unawarded_lots(inst, award)]
    contracts = [Contract(c.member, c.vendor, c.units, report(c.gross), report(c.discount),
                          report(c.net)) for c in member_contracts(inst, award)]
    return AwardResult(status, award_units(inst, award), report(cost), lower_bound, gap, awards,
                       discounts, unawarded, _vendor_totals(inst, award), contracts, "", 0.0)


def _vendor_totals(inst: AwardInstance, award: Award) -> list[VendorTotal]:
    figures: dict[str, list] = {}
    for lot, p in award.items():
        vendor = inst.problem.bids[inst.pairs[p].bid].vendor
        row = figures.setdefault(vendor, [0, 0, Fraction(0), Fraction(0)])
        row[0] += 1
        row[1] += inst.quantity(lot)
        row[2] += inst.pairs[p].value
    for d in applied_discounts(inst, award):
        disc = inst.discounts[d]
        figures[inst.problem.bids[disc.bid].vendor][3] += disc.amount
    return [VendorTotal(v, lots, units, report(value), report(off))
            for v, (lots, units, value, off) in sorted(figures.items())]
