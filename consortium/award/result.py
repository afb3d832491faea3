"""The award file: dataclasses, and JSON out exactly as docs/award-format.md specifies.

Lists are in a documented, deterministic order: `awards` and `unawarded` in the order of the
problem's lots; `discounts` in the order of the bids, then of each bid's discounts; `vendors`
sorted by vendor name; `contracts` by member, then vendor. Money is reported as an int when
whole, else rounded half-up to cents (`consortium.optimizer.money.report`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

Money = int | float


@dataclass(frozen=True)
class LotAward:
    """Lot `lot` goes to bid `bid` of `vendor` at `unit_price`; value = unit_price * quantity."""

    lot: str
    bid: str
    vendor: str
    unit_price: Money
    quantity: int
    value: Money


@dataclass(frozen=True)
class AppliedDiscount:
    """A set discount that applies: its bid won every lot of `lots`."""

    bid: str
    vendor: str
    lots: tuple[str, ...]
    amount: Money


@dataclass(frozen=True)
class UnawardedLot:
    """A lot left unawarded and why (`kind` is one of consortium.award.reasons.KINDS)."""

    lot: str
    reason: str
    kind: str


@dataclass(frozen=True)
class VendorTotal:
    """What one vendor wins: lots, units, value before discounts, and its applied discounts."""

    vendor: str
    lots: int
    units: int
    value: Money
    discounts: Money


@dataclass(frozen=True)
class Contract:
    """One member's contract with one vendor."""

    member: str
    vendor: str
    units: int
    gross: Money
    discount: Money
    net: Money


@dataclass
class AwardResult:
    """A whole award: what the award file holds."""

    status: str
    awarded_units: int
    total_cost: Money
    lower_bound: Money
    gap: float
    awards: list[LotAward]
    discounts: list[AppliedDiscount]
    unawarded: list[UnawardedLot]
    vendors: list[VendorTotal]
    contracts: list[Contract]
    solver_name: str
    solve_seconds: float
    details: dict[str, Any] = field(default_factory=dict)   # not in the file: build time, ...


def award_to_dict(result: AwardResult) -> dict[str, Any]:
    """The award file's JSON object, fields in the contract's order."""
    return {
        "status": result.status,
        "awarded_units": result.awarded_units,
        "total_cost": result.total_cost,
        "lower_bound": result.lower_bound,
        "gap": result.gap,
        "awards": [{"lot": a.lot, "bid": a.bid, "vendor": a.vendor, "unit_price": a.unit_price,
                    "quantity": a.quantity, "value": a.value} for a in result.awards],
        "discounts": [{"bid": d.bid, "vendor": d.vendor, "lots": list(d.lots),
                       "amount": d.amount} for d in result.discounts],
        "unawarded": [{"lot": u.lot, "reason": u.reason} for u in result.unawarded],
        "vendors": [{"vendor": v.vendor, "lots": v.lots, "units": v.units, "value": v.value,
                     "discounts": v.discounts} for v in result.vendors],
        "contracts": [{"member": c.member, "vendor": c.vendor, "units": c.units,
                       "gross": c.gross, "discount": c.discount, "net": c.net}
                      for c in result.contracts],
        "solver": {"name": result.solver_name, "solve_seconds": result.solve_seconds},
    }


def dump_award(result: AwardResult, stream: TextIO) -> None:
    """Write the award file's JSON to an open text stream."""
    json.dump(award_to_dict(result), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def write_award(result: AwardResult, path: str | Path) -> None:
    """Write the award file."""
    with open(path, "w", encoding="utf-8") as fh:
        dump_award(result, fh)
