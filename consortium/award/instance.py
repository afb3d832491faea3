"""The award problem indexed by position, with exact money, as the model and the answer use it.

A *pair* is a (bid, lot) the bid may win: the bid prices the lot at or below the lot's
`max_unit_price`. Only pairs become variables; a lot with no pair can never be awarded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from consortium.award.problem import AwardProblem
from consortium.optimizer.money import exact


@dataclass(frozen=True)
class Pair:
    """Bid `bid` may win lot `lot` at `unit_price` (exact); `value` = unit_price * quantity."""

    bid: int
    lot: int
    unit_price: Fraction
    value: Fraction


@dataclass(frozen=True)
class CapacityRow:
    """The pairs of bid `bid` whose lots use its capacity entry `entry` (at most `max_units`)."""

    bid: int
    entry: int
    max_units: int
    pairs: tuple[int, ...]


@dataclass(frozen=True)
class SetDiscount:
    """Discount `entry` of bid `bid`: `amount` off when it wins every lot of `lots`.

    `pairs` is None when one of its lots is priced above that lot's cap: it can never apply."""

    bid: int
    entry: int
    lots: tuple[int, ...]
    amount: Fraction
    pairs: tuple[int, ...] | None


@dataclass
class AwardInstance:
    """Positions and exact figures derived once from a valid `AwardProblem`."""

    problem: AwardProblem
    lot_index: dict[str, int]
    pairs: list[Pair] = field(default_factory=list)
    pair_of: dict[tuple[int, int], int] = field(default_factory=dict)
    lot_pairs: list[list[int]] = field(default_factory=list)
    capacity: list[CapacityRow] = field(default_factory=list)
    vendors: dict[str, list[int]] = field(default_factory=dict)    # vendor -> its bids
    discounts: list[SetDiscount] = field(default_factory=list)

    def quantity(self, lot: int) -> int:
        """Units of lot `lot`."""
        return self.problem.lots[lot].quantity


def build_award_instance(problem: AwardProblem) -> AwardInstance:
    """Index a validated problem: eligible pairs, capacity rows, vendors' bids, discounts."""
    lots = problem.lots
    inst = AwardInstance(problem, {lot.id: i for i, lot in enumerate(lots)})
    inst.lot_pairs = [[] for _ in lots]
    for b, bid in enumerate(problem.bids):
        inst.vendors.setdefault(bid.vendor, []).append(b)
        for price in bid.prices:
            lot = inst.lot_index[price.lot]
            unit = exact(price.unit_price)
            cap = lots[lot].max_unit_price
            if cap is not None and unit > exact(cap):
                continue
            inst.pair_of[(b, lot)] = len(inst.pairs)
            inst.lot_pairs[lot].append(len(inst.pairs))
            inst.pairs.append(Pair(b, lot, unit, unit * lots[lot].quantity))
        own: dict[tuple[str, str], list[int]] = {}
        for price in bid.prices:
            lot = inst.lot_index[price.lot]
            if (b, lot) in inst.pair_of:
                key = (lots[lot].product, lots[lot].period)
                own.setdefault(key, []).append(inst.pair_of[(b, lot)])
        for k, entry in enumerate(bid.capacity):
            members = tuple(own.get((entry.product, entry.period), ()))
            inst.capacity.append(CapacityRow(b, k, entry.max_units, members))
        for k, disc in enumerate(bid.discounts):
            positions = tuple(inst.lot_index[lot] for lot in disc.lots)
            pairs = tuple(inst.pair_of.get((b, lot)) for lot in positions)
            inst.discounts.append(SetDiscount(b, k, positions, exact(disc.amount),
                                              None if None in pairs else pairs))
    return inst
