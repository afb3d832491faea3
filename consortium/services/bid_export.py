"""A round's opened bids as an award problem file (/work/shared/docs/award-format.md).

Lot ids are `PRODUCT/LOT-n` (unique across the round); each lot's allocations come from its
version's delivery schedule; a bid's capacity entries name the package's product. Only opened
(valid) bids are exported, and only once every package of the round is opened; the award stage
also leaves out the bids its evaluation found non-responsive (`exclude`). A lot's
`max_unit_price` is the lowest price cap among the demand lines of the plan's tranche it was
built from, when any of them has one.
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
from consortium.services import bid_opening, bids as bid_service
from consortium.services.errors import NotAllowed
from consortium.services.publishing_inputs import plan_lots
from consortium.services.run_results import StoredDocumentError, problem_of


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


def lot_caps(session: Session, round_: Round, version: PackageVersion, code: str) -> dict:
    """Package lot id -> the lowest price cap among its tranche's demand lines (lots whose
    lines have none are left out)."""
    run = session.get(Run, version.run_id)
    if run is None:
        return {}
    try:
        problem = problem_of(run)
        lots = plan_lots(round_, run, code)
    except StoredDocumentError:
        return {}
    caps = {d.id: d.max_unit_price for d in (problem.demand if problem else ())
            if d.max_unit_price is not None}
    out = {}
    for lot, tranche in lots:
        found = [caps[a.demand] for a in tranche.allocations if a.demand in caps]
        if found:
            out[lot.id] = min(found)
    return out


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
        caps = lot_caps(session, round_, version, code)
        for lot in tab["lots"]:
            entry = {"id": key[lot["id"]], "product": code, "period": lot["period"],
                     "quantity": lot["quantity"]}
            if lot["id"] in caps:
                entry["max_unit_price"] = caps[lot["id"]]
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
