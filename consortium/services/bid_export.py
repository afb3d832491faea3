"""A round's opened bids as an award problem file (/work/shared/docs/award-format.md).

Lot ids are `PRODUCT/LOT-n` (unique across the round); each lot's allocations come from its
version's delivery schedule, and its `max_unit_price` (when a line behind it has a cap) is the
lowest cap among the demand lines that the version's run placed in it; a bid's capacity entries
name the package's product. Only opened (valid) bids are exported, and only once every package of
the round is opened; the award stage also leaves out the bids its evaluation found
non-responsive (`exclude`).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal

from sqlmodel import Session, select

from consortium.models import (Bid, BidPackage, BidStatus, PackageFile, PackageVersion, Product,
                               Round, Run)
from consortium.models.types import money_json
from consortium.publish.build import SCHEDULE_NAME
from consortium.services import bid_opening, bids as bid_service, publishing_inputs
from consortium.services.errors import NotAllowed, ServiceError


def _allocations(session: Session, version_id: int) -> dict[str, dict[str, int]]:
    """lot id -> member -> units, from the version's delivery schedule."""
    file = session.exec(select(PackageFile).where(PackageFile.version_id == version_id,
                                                  PackageFile.name == SCHEDULE_NAME)).one()
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in csv.DictReader(io.StringIO(file.content.decode("utf-8"))):
        out[row["lot_id"]][row["member"]] += int(row["units"])
    return out


def _caps(session: Session, package: BidPackage, version: PackageVersion, code: str,
          lots: list[dict]) -> dict[str, Decimal | None]:
    """lot id -> the lot's price cap: the lowest `max_unit_price` among the demand lines behind
    it, read from the run the version was built from (None when no line has a cap). Refuses a
    version whose lots differ from that run's tranches rather than export a lot without its cap."""
    run = session.get(Run, version.run_id)
    round_ = session.get(Round, package.round_id)
    built = publishing_inputs.lot_caps(round_, run, code)
    for lot in lots:
        info = built.get(lot["id"], (None, None))[0]
        if info is None or (info.period, info.quantity) != (lot["period"], lot["quantity"]):
            raise ServiceError(f"{package.reference} {lot['id']}: the lot no longer matches run "
                               f"{run.id}'s plan, so its price cap cannot be exported.")
    return {lot_id: cap for lot_id, (_, cap) in built.items()}


def _money(text: str):
    return money_json(Decimal(text))


def award_problem(session: Session, round_: Round, *, exclude: frozenset[int] = frozenset()
                  ) -> dict:
    """The award problem of `round_`'s opened bids (less the bids whose ids are in `exclude`);
    NotAllowed while a package is unopened."""
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
        caps = _caps(session, package, version, code, tab["lots"])
        for lot in tab["lots"]:
            entry = {"id": key[lot["id"]], "product": code, "period": lot["period"],
                     "quantity": lot["quantity"]}
            if caps.get(lot["id"]) is not None:
                entry["max_unit_price"] = money_json(caps[lot["id"]])
            shares = allocations.get(lot["id"])
            if shares and sum(shares.values()) == lot["quantity"]:
                entry["allocations"] = [{"member": m, "quantity": q}
                                        for m, q in sorted(shares.items())]
            lots.append(entry)
        opened = {b.id for b in session.exec(select(Bid).where(
            Bid.package_id == package.id, Bid.status == BidStatus.OPENED)).all()}
        for bid in tab["bids"]:
            if bid["bid_id"] not in opened or bid["bid_id"] in exclude:
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
