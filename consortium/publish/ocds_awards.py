"""The OCDS releases of a published award, per bid package (one contracting process, one ocid).

Two releases, validated with `validate.validate_release_package` (Lots, Bids and Contract buyer
extensions):

- the award release (`tag: ["award"]`): one award per bid that won lots of the package
  (`relatedLots`, `relatedBids`, `suppliers`, value net of the bid's set discounts, one item per
  lot with its unit price, and `buyers`, the members receiving the lots), and one `unsuccessful`
  award per lot left unawarded, with the reason; `tender.lots` says which lots are complete and
  which unsuccessful.
- the contract release (`tag: ["contract"]`): one contract per member and supplier, with its
  `awardID`, its `buyer` (Contract buyer extension), its items (the member's units at the awarded
  unit price) and its net value. Its status is `pending`: each member signs its own purchase
  order, and the app records no signature date.

The ids follow the earlier releases of the same ocid: lots `LOT-n` (publish.ocds), bids `bid-N`
and tenderers `vendor-N` (publish.ocds_bids), members `member-N` (the package's parties).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from consortium.publish.award_inputs import LotOutcome, MemberContract, cents, money
from consortium.publish.inputs import CURRENCY, ConsortiumInfo, iso
from consortium.publish.ocds import LOTS_EXTENSION, OCDS_VERSION
from consortium.publish.ocds_bids import BIDS_EXTENSION

CONTRACT_BUYER_EXTENSION = ("https://raw.githubusercontent.com/open-contracting-extensions/"
                            "ocds_contract_buyer_extension/master/extension.json")


@dataclass(frozen=True)
class Party:
    """An OCDS organisation reference: the party id used across the ocid's releases, and name."""

    id: str
    name: str

    def ref(self) -> dict:
        """The OrganizationReference object."""
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class PackageAward:
    """What an award says about one bid package. Lot ids are the package's own (`LOT-1`)."""

    consortium: ConsortiumInfo
    ocid: str
    key: str                                  # the award's key in ids, e.g. the award run id
    date: datetime                            # when the award was published
    unit: str                                 # e.g. "vehicles"
    lots: tuple[tuple[str, LotOutcome], ...]  # (package lot id, outcome), the package's lots
    bids: tuple[tuple[str, str, Party], ...]  # (award bid key, OCDS bid id, tenderer)
    members: tuple[tuple[str, Party], ...]    # (member name in the award, buyer party)
    discounts: tuple[tuple[str, Decimal], ...] = ()   # (award bid key, applied discount amount)
    contracts: tuple[MemberContract, ...] = field(default=())  # restricted to this package

    def award_id(self, bid: str) -> str:
        """The award id of the lots a bid won."""
        return f"award-{self.key}-{bid}"


def _amount(value: Decimal | Fraction):
    value = cents(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _lot_ids(inp: PackageAward) -> dict[str, str]:
    return {o.lot: lot_id for lot_id, o in inp.lots}


def _item(n: int, lot_id: str, o: LotOutcome, units: int, unit: str) -> dict:
    return {"id": str(n), "description": f"{o.product}, delivery {o.period}", "quantity": units,
            "unit": {"name": unit, "value": {"amount": _amount(o.unit_price),
                                             "currency": CURRENCY}},
            "relatedLot": lot_id}


def _awards(inp: PackageAward) -> list[dict]:
    members = dict(inp.members)
    discounts: dict[str, Decimal] = {}
    for bid, amount in inp.discounts:
        discounts[bid] = discounts.get(bid, Decimal(0)) + money(amount)
    awards = []
    for bid, bid_id, tenderer in inp.bids:
        won = [(lot_id, o) for lot_id, o in inp.lots if o.bid == bid]
        if not won:
            continue
        buyers = sorted({members[m].id: members[m] for _, o in won for m, _ in o.allocations}
                        .values(), key=lambda p: p.id)
        value = sum((o.value for _, o in won), Decimal(0)) - discounts.get(bid, Decimal(0))
        award = {
            "id": inp.award_id(bid), "status": "active", "date": iso(inp.date),
            "title": f"{tenderer.name}: {', '.join(lot_id for lot_id, _ in won)}",
            "relatedLots": [lot_id for lot_id, _ in won], "relatedBids": [bid_id],
            "suppliers": [tenderer.ref()],
            "value": {"amount": _amount(value), "currency": CURRENCY},
            "items": [_item(n, lot_id, o, o.quantity, inp.unit)
                      for n, (lot_id, o) in enumerate(won, start=1)],
        }
        if bid in discounts:
            award["description"] = (f"Includes a set discount of {cents(discounts[bid]):,.2f} "
                                    f"{CURRENCY} for winning the set of lots it applies to.")
        if buyers:
            award["buyers"] = [p.ref() for p in buyers]
        awards.append(award)
    for lot_id, o in inp.lots:
        if not o.awarded:
            awards.append({"id": f"award-{inp.key}-{lot_id}-unsuccessful", "status": "unsuccessful",
                           "date": iso(inp.date), "title": f"{lot_id}: not awarded",
                           "description": o.reason, "relatedLots": [lot_id]})
    return awards


def _parties(inp: PackageAward, suppliers: list[Party], buyers: list[Party]) -> list[dict]:
    c = inp.consortium
    return ([{"id": c.id, "name": c.name, "roles": ["procuringEntity"]}]
            + [{**p.ref(), "roles": ["supplier", "tenderer"]} for p in suppliers]
            + [{**p.ref(), "roles": ["buyer"]} for p in buyers])


def _winners(inp: PackageAward) -> list[Party]:
    won = {o.bid for _, o in inp.lots if o.awarded}
    return sorted({t.id: t for bid, _, t in inp.bids if bid in won}.values(), key=lambda p: p.id)


def _buyers(inp: PackageAward) -> list[Party]:
    members = dict(inp.members)
    names = {m for _, o in inp.lots if o.awarded for m, _ in o.allocations}
    return sorted({members[m].id: members[m] for m in names}.values(), key=lambda p: p.id)


def award_release(inp: PackageAward) -> dict:
    """The award release of the package."""
    return {
        "ocid": inp.ocid, "id": f"{inp.ocid}-award-{inp.key}", "date": iso(inp.date),
        "tag": ["award"], "initiationType": "tender", "language": "en",
        "parties": _parties(inp, _winners(inp), _buyers(inp)),
        "tender": {"id": f"{inp.ocid}-tender",
                   "lots": [{"id": lot_id, "status": "complete" if o.awarded else "unsuccessful"}
                            for lot_id, o in inp.lots]},
        "awards": _awards(inp),
    }


def contract_id(inp: PackageAward, member: Party, supplier: Party) -> str:
    """The id of a member's contract with a supplier in this contracting process."""
    return f"contract-{inp.key}-{member.id}-{supplier.id}"


def _contracts(inp: PackageAward) -> list[dict]:
    members, lot_ids = dict(inp.members), _lot_ids(inp)
    outcomes = {o.lot: o for _, o in inp.lots}
    tenderers = {bid: (bid_id, t) for bid, bid_id, t in inp.bids}
    out = []
    for c in inp.contracts:
        member = members[c.member]
        bid = outcomes[c.lines[0].lot].bid
        bid_id, supplier = tenderers[bid]
        out.append({
            "id": contract_id(inp, member, supplier), "awardID": inp.award_id(bid),
            "title": f"{member.name} - {supplier.name}", "status": "pending",
            "buyer": member.ref(), "relatedBids": [bid_id],
            "value": {"amount": _amount(Fraction(c.gross) - c.exact_discount),
                      "currency": CURRENCY},
            "items": [_item(n, lot_ids[line.lot], outcomes[line.lot], line.units, inp.unit)
                      for n, line in enumerate(c.lines, start=1)],
        })
    return out


def contract_release(inp: PackageAward) -> dict | None:
    """The contract release of the package (None when no lot has members to contract)."""
    contracts = _contracts(inp)
    if not contracts:
        return None
    return {
        "ocid": inp.ocid, "id": f"{inp.ocid}-contracts-{inp.key}", "date": iso(inp.date),
        "tag": ["contract"], "initiationType": "tender", "language": "en",
        "parties": _parties(inp, _winners(inp), _buyers(inp)),
        "contracts": contracts,
    }


def award_releases(inp: PackageAward) -> list[dict]:
    """The package's award release, then its contract release when there is one."""
    return [r for r in (award_release(inp), contract_release(inp)) if r is not None]


def award_release_package(inp: PackageAward) -> dict:
    """The two releases in one release package, validated before they are stored; the public
    serves them within the package's record (`/api/packages/OCID/releases.json`)."""
    c = inp.consortium
    return {
        "uri": f"{c.public_url}/api/packages/{inp.ocid}/releases.json",
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION, BIDS_EXTENSION, CONTRACT_BUYER_EXTENSION],
        "publishedDate": iso(inp.date),
        "publisher": {"name": c.name, "uri": c.public_url},
        "releases": award_releases(inp),
    }
