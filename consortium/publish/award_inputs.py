"""An approved award read as plain data: what each lot became, and each member's contracts.

Built from the award problem file and the award file (docs/award-format.md) alone, both frozen
once the award is approved; every page, notification, contract file and OCDS release of the award
reads them through here. Money is exact: unit prices and amounts are Decimals (the files carry
whole cents); a member's discount share is an exact Fraction, reported rounded half-up to cents,
as the award file rounds its `contracts` figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A figure of an award file (int, float or text) as an exact Decimal."""
    return Decimal(str(value))


def cents(value: Fraction | Decimal) -> Decimal:
    """An exact amount rounded half-up to whole cents."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LotOutcome:
    """A lot of the award problem: awarded to a bid at a unit price, or unawarded with a reason."""

    lot: str                    # the award problem's lot id, e.g. "BEB-40/LOT-1"
    product: str
    period: str
    quantity: int
    allocations: tuple[tuple[str, int], ...]  # (member, units)
    bid: str | None = None      # e.g. "BID-7"
    vendor: str | None = None
    unit_price: Decimal | None = None
    reason: str = ""            # why it is unawarded

    @property
    def awarded(self) -> bool:
        """Whether the lot went to a bid."""
        return self.bid is not None

    @property
    def value(self) -> Decimal:
        """unit_price * quantity (0 when unawarded)."""
        return (self.unit_price or Decimal(0)) * self.quantity


@dataclass(frozen=True)
class ContractLine:
    """One lot in one member's contract: the member's units of it at the awarded unit price."""

    lot: str
    product: str
    period: str
    units: int
    unit_price: Decimal

    @property
    def gross(self) -> Decimal:
        """unit_price * units."""
        return self.unit_price * self.units


@dataclass(frozen=True)
class DiscountShare:
    """A member's share of one applied set discount of a bid."""

    bid: str
    lots: tuple[str, ...]
    amount: Decimal             # the whole discount
    share: Fraction             # this member's part of it, exact


@dataclass(frozen=True)
class MemberContract:
    """One member's contract with one vendor: its lots, and its share of the vendor's discounts."""

    member: str
    vendor: str
    lines: tuple[ContractLine, ...]
    discounts: tuple[DiscountShare, ...]

    @property
    def units(self) -> int:
        """Units over all lines."""
        return sum(line.units for line in self.lines)

    @property
    def gross(self) -> Decimal:
        """Sum of the lines' gross."""
        return sum((line.gross for line in self.lines), Decimal(0))

    @property
    def exact_discount(self) -> Fraction:
        """The member's discount shares, exact."""
        return sum((d.share for d in self.discounts), Fraction(0))

    @property
    def discount(self) -> Decimal:
        """The member's discount shares, rounded half-up to cents."""
        return cents(self.exact_discount)

    @property
    def net(self) -> Decimal:
        """Gross less the discount shares, rounded half-up to cents (as the award file)."""
        return cents(Fraction(self.gross) - self.exact_discount)

    @property
    def bids(self) -> tuple[str, ...]:
        """The vendor's bids this contract's lots were awarded to, sorted."""
        return tuple(sorted({d.bid for d in self.discounts}))


def lot_outcomes(problem: dict, result: dict) -> list[LotOutcome]:
    """Every lot of the problem, in the problem's order, with what the award made of it."""
    awards = {a["lot"]: a for a in result.get("awards", [])}
    reasons = {u["lot"]: u["reason"] for u in result.get("unawarded", [])}
    out = []
    for lot in problem["lots"]:
        shares = tuple((a["member"], int(a["quantity"])) for a in lot.get("allocations", []))
        base = dict(lot=lot["id"], product=lot["product"], period=lot["period"],
                    quantity=int(lot["quantity"]), allocations=shares)
        award = awards.get(lot["id"])
        if award is None:
            out.append(LotOutcome(**base, reason=reasons.get(lot["id"], "not awarded")))
        else:
            out.append(LotOutcome(**base, bid=award["bid"], vendor=award["vendor"],
                                  unit_price=money(award["unit_price"])))
    return out


def member_contracts(problem: dict, result: dict) -> list[MemberContract]:
    """One contract per member and vendor, sorted by member then vendor (as the award file)."""
    outcomes = {o.lot: o for o in lot_outcomes(problem, result)}
    lines: dict[tuple[str, str], list[ContractLine]] = defaultdict(list)
    for o in outcomes.values():
        if not o.awarded:
            continue
        for member, units in o.allocations:
            lines[(member, o.vendor)].append(ContractLine(o.lot, o.product, o.period, units,
                                                          o.unit_price))
    shares: dict[tuple[str, str], list[DiscountShare]] = defaultdict(list)
    for d in result.get("discounts", []):
        gross: dict[str, Fraction] = defaultdict(Fraction)
        for lot in d["lots"]:
            o = outcomes[lot]
            for member, units in o.allocations:
                gross[member] += Fraction(o.unit_price) * units
        total = sum(gross.values(), Fraction(0))
        if not total:  # lots without allocations have no members to share the discount
            continue
        amount = money(d["amount"])
        for member, part in sorted(gross.items()):
            shares[(member, d["vendor"])].append(DiscountShare(
                bid=d["bid"], lots=tuple(d["lots"]), amount=amount,
                share=Fraction(amount) * part / total))
    return [MemberContract(member, vendor, tuple(lines[(member, vendor)]),
                           tuple(shares.get((member, vendor), ())))
            for member, vendor in sorted(lines)]


@dataclass(frozen=True)
class BidderOutcome:
    """What one bid won and lost."""

    bid: str
    vendor: str
    won: tuple[LotOutcome, ...]
    lost: tuple[str, ...]       # lot ids it priced and did not win
    discount: Decimal           # its applied set discounts

    @property
    def value(self) -> Decimal:
        """What the bid is awarded: its lots' value less its applied discounts."""
        return sum((o.value for o in self.won), Decimal(0)) - self.discount


def bidder_outcomes(problem: dict, result: dict) -> list[BidderOutcome]:
    """Per bid of the problem (in its order): the lots it won and those it priced but lost."""
    outcomes = {o.lot: o for o in lot_outcomes(problem, result)}
    discounts: dict[str, Decimal] = defaultdict(Decimal)
    for d in result.get("discounts", []):
        discounts[d["bid"]] += money(d["amount"])
    out = []
    for bid in problem["bids"]:
        priced = [p["lot"] for p in bid["prices"]]
        won = tuple(outcomes[lot] for lot in priced if outcomes[lot].bid == bid["id"])
        lost = tuple(lot for lot in priced if outcomes[lot].bid != bid["id"])
        out.append(BidderOutcome(bid["id"], bid["vendor"], won, lost, discounts[bid["id"]]))
    return out


def restrict(contract: MemberContract, lots: set[str]) -> MemberContract | None:
    """The part of `contract` on `lots` (e.g. one bid package's): its lines on those lots and the
    discount shares of sets within them (None when no line is left). A set discount belongs to one
    bid, so to one package: its lots are all in `lots` or none is."""
    lines = tuple(line for line in contract.lines if line.lot in lots)
    if not lines:
        return None
    shares = tuple(d for d in contract.discounts if set(d.lots) <= lots)
    return MemberContract(contract.member, contract.vendor, lines, shares)
