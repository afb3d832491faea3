"""Members' contracts: one per member and vendor, with set discounts shared by gross.

A member's gross for an awarded lot is unit_price * its allocation; an applied discount is
shared among the members of its lots in proportion to their gross in those lots (lots without
allocations have no members and take no share). Shares and nets are exact Fractions here; the
award file rounds each figure half-up to cents on its own, so over a contract the rounded net
differs from the exact one by at most half a cent, and the nets add up to total_cost within a
cent per contract (exactly, before rounding, when every lot carries allocations).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from consortium.award.answer import Award, applied_discounts
from consortium.award.instance import AwardInstance


@dataclass
class ContractFigures:
    """One member's exact figures with one vendor."""

    member: str
    vendor: str
    units: int = 0
    gross: Fraction = Fraction(0)
    discount: Fraction = Fraction(0)

    @property
    def net(self) -> Fraction:
        """Gross less the member's discount shares."""
        return self.gross - self.discount


def member_contracts(inst: AwardInstance, award: Award) -> list[ContractFigures]:
    """The contracts of the award, sorted by member, then vendor."""
    lots, bids = inst.problem.lots, inst.problem.bids
    contracts: dict[tuple[str, str], ContractFigures] = {}

    def contract(member: str, vendor: str) -> ContractFigures:
        key = (member, vendor)
        if key not in contracts:
            contracts[key] = ContractFigures(member, vendor)
        return contracts[key]

    for lot, p in award.items():
        pair = inst.pairs[p]
        vendor = bids[pair.bid].vendor
        for share in lots[lot].allocations:
            c = contract(share.member, vendor)
            c.units += share.quantity
            c.gross += pair.unit_price * share.quantity
    for d in applied_discounts(inst, award):
        disc = inst.discounts[d]
        vendor = bids[disc.bid].vendor
        gross: dict[str, Fraction] = {}
        for lot, p in zip(disc.lots, disc.pairs):
            for share in lots[lot].allocations:
                gross[share.member] = (gross.get(share.member, Fraction(0))
                                       + inst.pairs[p].unit_price * share.quantity)
        total = sum(gross.values(), Fraction(0))
        for member, part in gross.items():
            contract(member, vendor).discount += disc.amount * part / total
    return [contracts[key] for key in sorted(contracts)]
