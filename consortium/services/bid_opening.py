"""Opening a package's bids after its deadline: decrypt, check each receipt, tabulate, publish.

The only place that decrypts bids for anyone but their own vendor, and only once the bid deadline
of the package's latest version has passed (`open_package` refuses earlier, whoever asks). Valid
bids (sealed against the latest version) are opened; a bid still waiting for re-confirmation, or
whose decrypted contents do not hash to its receipt, is marked invalid with the reason. The
tabulation and the OCDS release are stored once (`BidOpening`), and never change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import (Bid, BidOpening, BidPackage, BidStatus, PackageVersion, Product,
                               User, Vendor)
from consortium.models.bids import can_move
from consortium.publish.inputs import ConsortiumInfo, iso
from consortium.publish.ocds_bids import opening_release_package
from consortium.publish.validate import InvalidPackage, validate_release_package
from consortium.services import audit, bids, notifications, sealing
from consortium.services.errors import NotAllowed, ServiceError


class OpeningRefused(NotAllowed):
    """The bids cannot be opened (deadline ahead, or already opened)."""


def opening_of(session: Session, package: BidPackage) -> BidOpening | None:
    """The package's opening, once its bids are opened."""
    return session.exec(select(BidOpening).where(BidOpening.package_id == package.id)).first()


def _set(bid: Bid, status: BidStatus, now: datetime, reason: str = "") -> None:
    if not can_move(bid.status, status):
        raise ServiceError(f"bid {bid.id}: {bid.status} cannot become {status}")
    bid.status, bid.updated_at, bid.invalid_reason = status, now, reason[:500]
    if status == BidStatus.OPENED:
        bid.opened_at = now
    bid.version += 1


def _lots(session: Session, version: PackageVersion) -> list[dict]:
    return [{"id": lot.id, "product": lot.product, "options": lot.options, "period": lot.period,
             "quantity": lot.quantity} for lot in bids.package_lots(session, version)]


def _open_bids(session: Session, package: BidPackage, version: PackageVersion,
               sealer: sealing.Sealer, now: datetime) -> tuple[list[dict], list[dict]]:
    """Open every bid of the package: (opened bids, invalid bids), in vendor-name order."""
    rows = session.exec(select(Bid, Vendor).join(Vendor, Vendor.id == Bid.vendor_id)
                        .where(Bid.package_id == package.id).order_by(Vendor.name)).all()
    opened, invalid = [], []
    for bid, vendor in rows:
        if bid.status == BidStatus.WITHDRAWN:
            continue
        last = bids.last_version(session, bid)
        entry = {"bid_id": bid.id, "vendor_id": vendor.id, "vendor": vendor.name,
                 "receipt_sha256": last.receipt_sha256, "submitted_at": iso(last.submitted_at)}
        if bid.status == BidStatus.MUST_RECONFIRM:
            reason = (f"made before addendum {version.number} and not re-confirmed before the "
                      "deadline")
        else:
            try:
                data = sealer.unseal(last.sealed, last.receipt_sha256)
            except sealing.SealBroken as exc:
                reason = f"the sealed contents fail the receipt check ({exc})"
            else:
                _set(bid, BidStatus.OPENED, now)
                session.add(bid)
                entry["document"] = data
                entry["canonical"] = sealing.canonical(data).decode("utf-8")
                opened.append(entry)
                continue
        _set(bid, BidStatus.INVALID, now, reason)
        session.add(bid)
        invalid.append({**entry, "reason": reason})
    return opened, invalid


def open_package(session: Session, package: BidPackage, user: User | None, *,
                 sealer: sealing.Sealer, consortium: ConsortiumInfo | None = None,
                 now: datetime | None = None) -> BidOpening:
    """Open the package's bids (after the deadline only), store the tabulation and its OCDS
    release, and tell the bidders and admins. Refused before the deadline and when opened."""
    now = (now or utcnow()).replace(microsecond=0)
    version = bids.latest(session, package)
    if not bids.deadline_passed(version, now):
        raise OpeningRefused(f"The bids on {package.reference} cannot be opened before the bid "
                             f"deadline ({bids.aware(version.bid_deadline):%Y-%m-%d %H:%M} UTC).")
    if opening_of(session, package) is not None:
        raise OpeningRefused(f"The bids on {package.reference} are already opened.")
    opening = BidOpening(package_id=package.id, opened_at=now,
                         opened_by_id=user.id if user else None)
    try:
        with session.begin_nested():  # the unique package_id: of two openers, one goes on
            session.add(opening)
            session.flush()
    except IntegrityError as exc:
        raise OpeningRefused(f"The bids on {package.reference} are already opened.") from exc
    opened, invalid = _open_bids(session, package, version, sealer, now)
    product = session.get(Product, package.product_id)
    tab = {"package_id": package.id, "reference": package.reference, "title": package.title,
           "round_id": package.round_id, "version": version.number, "unit": product.unit,
           "bid_deadline": iso(version.bid_deadline), "opened_at": iso(now),
           "lots": _lots(session, version), "bids": opened, "invalid": invalid}
    release = opening_release_package(tab, consortium or ConsortiumInfo())
    try:
        validate_release_package(release)
    except InvalidPackage as exc:
        raise ServiceError(f"The OCDS release of the opening does not validate: {exc}") from exc
    opening.tabulation, opening.ocds = tab, release
    session.add(opening)
    audit.record(session, user=user, action="bids_open", entity="bidpackage", entity_id=package.id,
                 round_id=package.round_id,
                 summary=f"opened {len(opened)} bid(s) on {package.reference}"
                         + (f"; {len(invalid)} invalid" if invalid else ""),
                 after={"opened": [b["receipt_sha256"] for b in opened],
                        "invalid": [{"receipt_sha256": b["receipt_sha256"], "reason": b["reason"]}
                                    for b in invalid]})
    notifications.bids_opened(session, package)
    session.flush()
    return opening


def due_packages(session: Session, now: datetime | None = None) -> list[BidPackage]:
    """Packages whose latest bid deadline has passed and whose bids are not opened yet."""
    now = now or utcnow()
    opened = select(BidOpening.package_id)
    packages = session.exec(select(BidPackage).where(BidPackage.id.not_in(opened))
                            .order_by(BidPackage.id)).all()
    return [p for p in packages if bids.deadline_passed(bids.latest(session, p), now)]


def open_due(session: Session, *, sealer: sealing.Sealer, consortium: ConsortiumInfo | None = None,
             now: datetime | None = None) -> list[BidOpening]:
    """Open every package that is due (the periodic job); flushes, the caller commits."""
    return [open_package(session, p, None, sealer=sealer, consortium=consortium, now=now)
            for p in due_packages(session, now)]


def tabulation_rows(tab: dict) -> list[dict]:
    """Lots x bidders for the tabulation page: per lot, each opened bid's unit price (or None)."""
    rows = []
    for lot in tab["lots"]:
        prices = []
        for bid in tab["bids"]:
            offered = {p["lot"]: p["unit_price"] for p in bid["document"]["prices"]}
            prices.append(offered.get(lot["id"]))
        rows.append({"lot": lot, "prices": prices})
    return rows
