"""A round's opened bids as an award problem file (/work/shared/docs/award-format.md).

Lot ids are `PRODUCT/LOT-n` (unique across the round); each lot's allocations come from its
version's delivery schedule; a bid's capacity entries name the package's product. Only opened
(valid) bids are exported, and only once every package of the round is opened.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from sqlmodel import Session, select

from consortium.models import Bid, BidPackage, BidStatus, PackageFile, Product, Round
from consortium.models.types import money_json
from consortium.publish.build import SCHEDULE_NAME
from consortium.services import bid_opening, bids as bid_service
from consortium.services.errors import NotAllowed


def _allocations(session: Session, version_id: int) -> dict[str, dict[str, int]]:
    """lot id -> member -> units, from the version's delivery schedule."""
    file = session.exec(select(PackageFile).where(PackageFile.version_id == version_id,
                                                  PackageFile.name == SCHEDULE_NAME)).one()
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in csv.DictReader(io.StringIO(file.content.decode("utf-8"))):
        out[row["lot_id"]][row["member"]] += int(row["units"])
    return out


def _money(text: str):
    return money_json(Decimal(text))


def award_problem(session: Session, round_: Round) -> dict:
    """The award problem of `round_`'s opened bids; NotAllowed while a package is unopened."""
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)
                            .order_by(BidPackage.reference)).all()
    if not packages:
        raise NotAllowed(f"Round {round_.name} has no published bid packages.")
    openings = {p.id: bid_opening.opening_of(session, p) for p in packages}
    unopened = [p.reference for p in packages if openings[p.id] is None]
    if unopened:
        raise NotAllowed("The bids of these packages are not opened yet: " + ", ".join(unopened))
    lots, bids = [], []
    for package in packages:
        tab = openings[package.id].tabulation
        code = session.get(Product, package.product_id).code
        version = bid_service.latest(session, package)
        allocations = _allocations(session, version.id)
        key = {lot["id"]: f"{code}/{lot['id']}" for lot in tab["lots"]}
        for lot in tab["lots"]:
            entry = {"id": key[lot["id"]], "product": code, "period": lot["period"],
                     "quantity": lot["quantity"]}
            shares = allocations.get(lot["id"])
            if shares and sum(shares.values()) == lot["quantity"]:
                entry["allocations"] = [{"member": m, "quantity": q}
                                        for m, q in sorted(shares.items())]
            lots.append(entry)
        opened = {b.id for b in session.exec(select(Bid).where(
            Bid.package_id == package.id, Bid.status == BidStatus.OPENED)).all()}
        for bid in tab["bids"]:
            if bid["bid_id"] not in opened:
                continue
            doc = bid["document"]
            entry = {"id": f"BID-{bid['bid_id']}", "vendor": bid["vendor"],
                     "prices": [{"lot": key[p["lot"]], "unit_price": _money(p["unit_price"])}
                                for p in doc["prices"]]}
            if doc["capacity"]:
                entry["capacity"] = [{"product": code, "period": c["period"],
                                      "max_units": c["max_units"]} for c in doc["capacity"]]
            if doc["discounts"]:
                entry["discounts"] = [{"lots": [key[lot] for lot in d["lots"]],
                                       "amount": _money(d["amount"])} for d in doc["discounts"]]
            bids.append(entry)
    return {"lots": lots, "bids": bids}
