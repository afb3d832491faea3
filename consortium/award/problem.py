"""The award problem: frozen dataclasses, parsing with every error listed at once, the file helper.

The format is the contract in docs/award-format.md (lots, sealed bids with unit prices, capacity
and set discounts, the most lots per vendor). `parse_award_problem` refuses an invalid document
with a `ProblemError` (the tranche optimizer's: every (field path, reason) at once); nothing
invalid reaches the model builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consortium.award.validation import validate_award_dict
from consortium.optimizer.problem import ProblemError, read_json_file

Number = int | float


@dataclass(frozen=True)
class MemberShare:
    """`quantity` units of a lot go to `member`."""

    member: str
    quantity: int


@dataclass(frozen=True)
class Lot:
    """A lot put out to bid: `quantity` units of `product` delivered in `period`."""

    id: str
    product: str
    period: str
    quantity: int
    max_unit_price: Number | None = None
    allocations: tuple[MemberShare, ...] = ()


@dataclass(frozen=True)
class Price:
    """A bid's unit price for one lot."""

    lot: str
    unit_price: Number


@dataclass(frozen=True)
class Capacity:
    """At most `max_units` units of `product` in `period` over all lots awarded to the bid."""

    product: str
    period: str
    max_units: int


@dataclass(frozen=True)
class Discount:
    """`amount` off the total when the bid wins every lot of `lots`."""

    lots: tuple[str, ...]
    amount: Number


@dataclass(frozen=True)
class Bid:
    """A vendor's sealed bid (one per bid package)."""

    id: str
    vendor: str
    prices: tuple[Price, ...]
    capacity: tuple[Capacity, ...] = ()
    discounts: tuple[Discount, ...] = ()

    def price_of(self, lot: str) -> Number | None:
        """The unit price this bid asks for `lot`, None when it does not price it."""
        for price in self.prices:
            if price.lot == lot:
                return price.unit_price
        return None


@dataclass(frozen=True)
class AwardProblem:
    """A whole award problem, in the order of the file (which orders the award file's lists)."""

    lots: tuple[Lot, ...]
    bids: tuple[Bid, ...]
    max_lots_per_vendor: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The problem in the contract's JSON form; `parse_award_problem(p.to_dict()) == p`."""
        out: dict[str, Any] = {"lots": [_lot_to_dict(lot) for lot in self.lots],
                               "bids": [_bid_to_dict(bid) for bid in self.bids]}
        if self.max_lots_per_vendor is not None:
            out["max_lots_per_vendor"] = self.max_lots_per_vendor
        return out


def _lot_to_dict(lot: Lot) -> dict[str, Any]:
    out: dict[str, Any] = {"id": lot.id, "product": lot.product, "period": lot.period,
                           "quantity": lot.quantity}
    if lot.max_unit_price is not None:
        out["max_unit_price"] = lot.max_unit_price
    if lot.allocations:
        out["allocations"] = [{"member": a.member, "quantity": a.quantity}
                              for a in lot.allocations]
    return out


def _bid_to_dict(bid: Bid) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": bid.id, "vendor": bid.vendor,
        "prices": [{"lot": p.lot, "unit_price": p.unit_price} for p in bid.prices]}
    if bid.capacity:
        out["capacity"] = [{"product": c.product, "period": c.period, "max_units": c.max_units}
                           for c in bid.capacity]
    if bid.discounts:
        out["discounts"] = [{"lots": list(d.lots), "amount": d.amount} for d in bid.discounts]
    return out


def parse_award_problem(data: Any) -> AwardProblem:
    """Validate a decoded award problem document and build it; raises `ProblemError`."""
    errors = validate_award_dict(data)
    if errors:
        raise ProblemError(errors)
    lots = tuple(
        Lot(id=lot["id"], product=lot["product"], period=lot["period"],
            quantity=lot["quantity"], max_unit_price=lot.get("max_unit_price"),
            allocations=tuple(MemberShare(a["member"], a["quantity"])
                              for a in lot.get("allocations", ())))
        for lot in data["lots"])
    bids = tuple(
        Bid(id=bid["id"], vendor=bid["vendor"],
            prices=tuple(Price(p["lot"], p["unit_price"]) for p in bid["prices"]),
            capacity=tuple(Capacity(c["product"], c["period"], c["max_units"])
                           for c in bid.get("capacity", ())),
            discounts=tuple(Discount(tuple(d["lots"]), d["amount"])
                            for d in bid.get("discounts", ())))
        for bid in data["bids"])
    return AwardProblem(lots, bids, data.get("max_lots_per_vendor"))


def check_award_problem(problem: AwardProblem) -> AwardProblem:
    """Re-validate an `AwardProblem` built in code (not parsed); raises `ProblemError`."""
    try:
        data = problem.to_dict()
    except (AttributeError, TypeError) as exc:
        raise ProblemError([("", f"not a well-formed AwardProblem: {exc}")]) from None
    errors = validate_award_dict(data)
    if errors:
        raise ProblemError(errors)
    return problem


def load_award_problem(path: str | Path) -> AwardProblem:
    """Read and validate an award problem file; unreadable or non-JSON files raise `ProblemError`."""
    return parse_award_problem(read_json_file(path))
