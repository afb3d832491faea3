"""Reading an award from a solved model, and re-checking it before it is believed.

An award is a dict lot -> pair (positions). Which discounts apply and what the award costs are
computed here from the award alone, exactly, never from the solver's y values or objective.
"""

from __future__ import annotations

from fractions import Fraction

from consortium.award.instance import AwardInstance
from consortium.award.model import AwardModel

Award = dict[int, int]   # lot position -> pair position


def read_award(model: AwardModel, inst: AwardInstance) -> Award:
    """The lots the solved model awards, each to its pair."""
    award: Award = {}
    for p, var in enumerate(model.x):
        if var is not None and (var.value() or 0.0) > 0.5:
            award[inst.pairs[p].lot] = p
    return award


def applied_discounts(inst: AwardInstance, award: Award) -> list[int]:
    """Positions of the discounts whose every lot is awarded to their bid."""
    won = set(award.values())
    return [d for d, disc in enumerate(inst.discounts)
            if disc.pairs is not None and all(p in won for p in disc.pairs)]


def award_units(inst: AwardInstance, award: Award) -> int:
    """Units in the awarded lots."""
    return sum(inst.quantity(lot) for lot in award)


def award_cost(inst: AwardInstance, award: Award) -> Fraction:
    """Exact total cost: awarded values less the discounts that apply."""
    value = sum((inst.pairs[p].value for p in award.values()), Fraction(0))
    return value - sum((inst.discounts[d].amount for d in applied_discounts(inst, award)),
                       Fraction(0))


def capacity_used(inst: AwardInstance, award: Award) -> list[int]:
    """Units used of each capacity row by the award."""
    won = set(award.values())
    return [sum(inst.quantity(inst.pairs[p].lot) for p in row.pairs if p in won)
            for row in inst.capacity]


def vendor_lots(inst: AwardInstance, award: Award) -> dict[str, int]:
    """Lots won by each vendor (vendors that bid but won nothing count 0)."""
    bids = inst.problem.bids
    counts = {vendor: 0 for vendor in inst.vendors}
    for p in award.values():
        counts[bids[inst.pairs[p].bid].vendor] += 1
    return counts


def check_award(inst: AwardInstance, award: Award) -> list[str]:
    """Every rule of the contract the award breaks; [] when it obeys them all."""
    problems = []
    for lot, p in award.items():
        if inst.pairs[p].lot != lot:
            problems.append(f"lot {lot} is read from pair {p} of another lot")
    for row, used in zip(inst.capacity, capacity_used(inst, award)):
        if used > row.max_units:
            problems.append(f"bid {row.bid} capacity entry {row.entry}: {used} units "
                            f"> {row.max_units}")
    limit = inst.problem.max_lots_per_vendor
    if limit is not None:
        for vendor, count in vendor_lots(inst, award).items():
            if count > limit:
                problems.append(f"vendor {vendor!r} wins {count} lots > {limit}")
    return problems
