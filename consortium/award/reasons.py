"""Why each unawarded lot is unawarded, in terms an admin can act on, from the solved award.

Four kinds, as the contract names them: no bid priced the lot; every bid is above the lot's
cap; the bidders' capacity for the lot's product and period is taken (or too small for the lot);
the bidders' vendors already hold the most lots one vendor may win. The last two are found by
re-checking, for every bid that may win the lot, which constraint stops it taking the lot in
the solved award. When the units stage is proven optimal one always does (otherwise adding the
lot would award more units); a time-limited run may leave a lot that nothing blocks, which is
then said plainly (a fifth kind, `time_limit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from consortium.award.answer import Award, capacity_used, vendor_lots
from consortium.award.instance import AwardInstance
from consortium.optimizer.money import dollars, exact

KINDS = ("no_bid", "above_cap", "capacity", "vendor_limit", "time_limit")


@dataclass(frozen=True)
class Unawarded:
    """A lot left unawarded, the kind of reason (one of KINDS, the first that applies to its
    first blocking bid) and the reason in words."""

    lot: str
    kind: str
    reason: str


def unawarded_lots(inst: AwardInstance, award: Award) -> list[Unawarded]:
    """Every unawarded lot with its reason, in the order of the problem's lots."""
    used = capacity_used(inst, award)
    counts = vendor_lots(inst, award)
    out = []
    for lot, info in enumerate(inst.problem.lots):
        if lot in award:
            continue
        kind, reason = _reason(inst, lot, used, counts)
        out.append(Unawarded(info.id, kind, reason))
    return out


def _reason(inst: AwardInstance, lot: int, used: list[int],
            counts: dict[str, int]) -> tuple[str, str]:
    info = inst.problem.lots[lot]
    prices = [exact(p) for bid in inst.problem.bids
              if (p := bid.price_of(info.id)) is not None]
    if not prices:
        return "no_bid", "no bid priced it"
    if not inst.lot_pairs[lot]:
        return "above_cap", (f"every bid is above its cap of {dollars(info.max_unit_price)}, "
                             f"the lowest being {dollars(min(prices))}")
    taken, small, limited, free = [], [], [], []
    limit = inst.problem.max_lots_per_vendor
    for p in inst.lot_pairs[lot]:
        bid = inst.problem.bids[inst.pairs[p].bid]
        blocked = False
        for r, row in enumerate(inst.capacity):
            if p in row.pairs and used[r] + info.quantity > row.max_units:
                blocked = True
                if info.quantity > row.max_units:
                    small.append(f"{bid.id} of {bid.vendor} can deliver {row.max_units}")
                else:
                    taken.append(f"{bid.id} of {bid.vendor} has {used[r]} of its "
                                 f"{row.max_units} units taken")
        if limit is not None and counts[bid.vendor] >= limit:
            blocked = True
            if bid.vendor not in limited:
                limited.append(bid.vendor)
        if not blocked:
            free.append(bid.id)
    return _words(info, taken, small, limited, free, limit)


def _words(info, taken, small, limited, free, limit) -> tuple[str, str]:
    clauses, kinds = [], []
    where = f"{info.product} in {info.period}"
    if taken:
        kinds.append("capacity")
        clauses.append(f"the bidders' capacity for {where} is taken by other lots "
                       f"({'; '.join(taken)})")
    if small:
        kinds.append("capacity")
        clauses.append(f"the bidders' capacity for {where} is smaller than the lot's "
                       f"{info.quantity} units ({'; '.join(small)})")
    if limited:
        kinds.append("vendor_limit")
        clauses.append(f"the bidders reached the most lots one vendor may win, {limit} "
                       f"({', '.join(limited)})")
    if free:
        kinds.append("time_limit")
        clauses.append("the solver stopped at its time limit before awarding it "
                       f"({', '.join(free)} could still take it)")
    return kinds[0], "; ".join(clauses)
