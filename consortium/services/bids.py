"""Sealed bids before the deadline: submit, replace, withdraw, re-confirm after an addendum.

Every use case takes the clock as `now` (default: the server's UTC time) and refuses once the
package's bid deadline (of its latest version) has passed. Contents are sealed at once
(services.sealing); nothing here decrypts a bid except `own_contents`, for the bid's own vendor.
Services flush; the request or command commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium import money
from consortium.db import utcnow
from consortium.models import (Bid, BidPackage, BidStatus, BidVersion, PackageFile, PackageVersion,
                               User, Vendor)
from consortium.models.bids import can_move
from consortium.publish.build import PRICE_FORM_NAME
from consortium.services import audit, notifications, sealing
from consortium.services.errors import Conflict, NotAllowed, ServiceError

VALID = (BidStatus.SEALED,)
LIVE = (BidStatus.SEALED, BidStatus.MUST_RECONFIRM)


class BidError(ServiceError):
    """A bid refused; `errors` lists every problem with its contents."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


class DeadlinePassed(NotAllowed):
    """The package's bid deadline has passed: bids no longer change."""


@dataclass(frozen=True)
class LotRow:
    """A lot of a package version, as its price form lists it."""

    id: str
    product: str
    options: str
    period: str
    quantity: int


def aware(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (SQLite may hand back naive UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def latest(session: Session, package: BidPackage) -> PackageVersion:
    """The package's latest version: the one bids must answer."""
    version = session.exec(select(PackageVersion).where(PackageVersion.package_id == package.id)
                           .order_by(PackageVersion.number.desc())).first()
    if version is None:
        raise NotAllowed("This package has not been published.")
    return version


class NewerVersion(Conflict):
    """An addendum was published after the vendor opened the page it answers from."""


def check_answering(version: PackageVersion, answering: int | None) -> None:
    """Refuse a bid (or re-confirmation) made from a page of an older version of the package:
    the vendor has not seen the addendum it would be counted against. `answering` None means
    the caller (a script, a test) answers the latest version knowingly."""
    if answering is not None and answering != version.number:
        raise NewerVersion(f"Addendum {version.number} of this package was published after you "
                           f"opened this page (you were answering version {answering}). Nothing "
                           "was saved: read the addendum, then check your bid and send it again.")


def deadline_passed(version: PackageVersion, now: datetime | None = None) -> bool:
    """Whether the bid deadline of `version` is past (server time)."""
    return aware(now or utcnow()) >= aware(version.bid_deadline)


def check_open(version: PackageVersion, now: datetime | None = None) -> None:
    """Refuse with DeadlinePassed once the bid deadline of `version` is past."""
    if deadline_passed(version, now):
        raise DeadlinePassed(f"The bid deadline ({aware(version.bid_deadline):%Y-%m-%d %H:%M} UTC) "
                             "has passed: bids can no longer be submitted, replaced, withdrawn "
                             "or re-confirmed.")


def package_lots(session: Session, version: PackageVersion) -> list[LotRow]:
    """The lots of a version, read from its own price form."""
    file = session.exec(select(PackageFile).where(PackageFile.version_id == version.id,
                                                  PackageFile.name == PRICE_FORM_NAME)).one()
    rows = csv.DictReader(io.StringIO(file.content.decode("utf-8")))
    return [LotRow(r["lot_id"], r["product_code"], r["options"], r["period"], int(r["quantity"]))
            for r in rows]


def approved_vendor(session: Session, user: User) -> Vendor:
    """The user's vendor if it is approved; else NotAllowed."""
    vendor = session.get(Vendor, user.vendor_id) if user.is_vendor and user.vendor_id else None
    if vendor is None or vendor.status != "approved":
        raise NotAllowed("Only approved vendors may bid; your company's registration is not "
                         "approved (yet).")
    return vendor


def contents_errors(contents: sealing.BidContents, lots: list[LotRow],
                    deadline: datetime) -> list[str]:
    """Every problem with a bid's contents against the package's lots (empty when valid)."""
    by_id = {lot.id: lot for lot in lots}
    errors = []
    if not contents.prices:
        errors.append("Enter a unit price for at least one lot.")
    seen = set()
    for lot_id, price in contents.prices:
        if lot_id not in by_id:
            errors.append(f"{lot_id}: not a lot of this package.")
        elif lot_id in seen:
            errors.append(f"{lot_id}: priced twice.")
        if price is None or not price > 0:
            errors.append(f"{lot_id}: the unit price must be more than 0.")
        seen.add(lot_id)
    periods = {lot.period for lot in lots}
    for period, units in contents.capacity:
        if period not in periods:
            errors.append(f"Capacity for {period}: no lot of this package delivers in that period.")
        if units < 0:
            errors.append(f"Capacity for {period}: the most units cannot be negative.")
    if len({p for p, _ in contents.capacity}) != len(contents.capacity):
        errors.append("Give at most one capacity per delivery period.")
    prices = dict(contents.prices)
    for n, (lot_ids, amount) in enumerate(contents.discounts, start=1):
        if amount is None:
            errors.append(f"Discount {n}: enter the amount off.")
            continue
        if not lot_ids or len(set(lot_ids)) != len(lot_ids):
            errors.append(f"Discount {n}: name each lot of the set once.")
            continue
        missing = [lot for lot in lot_ids if lot not in prices or lot not in by_id]
        if missing:
            errors.append(f"Discount {n}: you did not price {', '.join(missing)}.")
            continue
        value = sum(prices[lot] * by_id[lot].quantity for lot in lot_ids)
        if not 0 < amount <= value:
            errors.append(f"Discount {n}: the amount must be more than 0 and at most the set's "
                          f"value ({sealing.money_text(value)}).")
    if contents.valid_until is None:
        errors.append("Enter the date until which the bid is valid.")
    elif contents.valid_until <= aware(deadline).date():
        errors.append("The bid must stay valid after the bid deadline.")
    return errors


def find_bid(session: Session, package: BidPackage, vendor_id: int) -> Bid | None:
    """The vendor's bid on `package`, if any."""
    return session.exec(select(Bid).where(Bid.package_id == package.id,
                                          Bid.vendor_id == vendor_id)).first()


def last_version(session: Session, bid: Bid) -> BidVersion:
    """The bid's latest sealed version."""
    return session.exec(select(BidVersion).where(BidVersion.bid_id == bid.id)
                        .order_by(BidVersion.number.desc())).first()


def history(session: Session, bid: Bid) -> list[BidVersion]:
    """The bid's sealed versions, newest first."""
    return list(session.exec(select(BidVersion).where(BidVersion.bid_id == bid.id)
                             .order_by(BidVersion.number.desc())).all())


def live_count(session: Session, package: BidPackage) -> int:
    """How many bids on the package are sealed or waiting for re-confirmation."""
    return session.exec(select(func.count()).select_from(Bid).where(
        Bid.package_id == package.id, Bid.status.in_([s.value for s in LIVE]))).one()


def _move(session: Session, bid: Bid, status: BidStatus, now: datetime) -> None:
    """Move `bid` to `status` (allowed by the transitions table) and bump its version, once:
    a conditional UPDATE, so of two simultaneous changes only the first applies."""
    if not can_move(bid.status, status):
        raise NotAllowed(f"A {BidStatus(bid.status).value.replace('_', ' ')} bid cannot become "
                         f"{status.value.replace('_', ' ')}.")
    result = session.execute(
        update(Bid).where(Bid.id == bid.id, Bid.version == bid.version)
        .values(status=status.value, version=bid.version + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("Your bid was changed a moment ago (another tab?); reload the page.")
    session.refresh(bid)


def _add_version(session: Session, bid: Bid, user: User, kind: str, version: PackageVersion,
                 token: bytes, sha: str, now: datetime) -> BidVersion:
    previous = last_version(session, bid)
    row = BidVersion(bid_id=bid.id, number=previous.number + 1 if previous else 1, kind=kind,
                     package_version_id=version.id,
                     sealed=token, receipt_sha256=sha, submitted_at=now, submitted_by_id=user.id)
    session.add(row)
    session.flush()
    return row


def submit_bid(session: Session, package: BidPackage, user: User, contents: sealing.BidContents,
               *, sealer: sealing.Sealer, now: datetime | None = None,
               answering: int | None = None) -> BidVersion:
    """Seal a new bid, or replace the vendor's bid, against the package's latest version
    (refused when the vendor's form was of an older version: `answering`)."""
    now = now or utcnow()
    vendor = approved_vendor(session, user)
    version = latest(session, package)
    check_open(version, now)
    check_answering(version, answering)
    errors = contents_errors(contents, package_lots(session, version), version.bid_deadline)
    if errors:
        raise BidError("The bid was not saved: correct the problems listed.", errors)
    data = sealing.canonical(sealing.document(contents, package=package.reference,
                                              vendor=vendor.name, nonce=sealing.new_nonce()))
    token, sha = sealer.seal(data), sealing.receipt(data)
    bid = find_bid(session, package, vendor.id)
    kind = "submit" if bid is None or bid.status == BidStatus.WITHDRAWN else "replace"
    if bid is None:
        bid = Bid(package_id=package.id, vendor_id=vendor.id, status=BidStatus.SEALED, version=1,
                  created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(bid)
                session.flush()
        except IntegrityError as exc:
            raise Conflict("Your company's bid on this package was submitted a moment ago; "
                           "reload the page.") from exc
    else:
        _move(session, bid, BidStatus.SEALED, now)
    row = _add_version(session, bid, user, kind, version, token, sha, now)
    audit.record(session, user=user, action=f"bid_{kind}", entity="bid", entity_id=bid.id,
                 round_id=package.round_id,
                 summary=f"{vendor.name} {'submitted' if kind == 'submit' else 'replaced'} a "
                         f"sealed bid on {package.reference} (receipt {sha[:12]}...)",
                 after={"package": package.reference, "bid_version": row.number,
                        "package_version": version.number, "receipt_sha256": sha})
    notifications.bid_receipt(session, user, package, row, kind)
    return row


def withdraw_bid(session: Session, bid: Bid, user: User, *, now: datetime | None = None) -> Bid:
    """Withdraw the vendor's bid before the deadline (it may bid again until then)."""
    now = now or utcnow()
    vendor = _own(session, bid, user)
    package = session.get(BidPackage, bid.package_id)
    check_open(latest(session, package), now)
    if bid.status == BidStatus.WITHDRAWN:
        raise NotAllowed("This bid is already withdrawn.")
    before = {"status": bid.status}
    _move(session, bid, BidStatus.WITHDRAWN, now)
    audit.record(session, user=user, action="bid_withdraw", entity="bid", entity_id=bid.id,
                 round_id=package.round_id, before=before, after={"status": bid.status},
                 summary=f"{vendor.name} withdrew its bid on {package.reference}")
    return bid


def reconfirm_bid(session: Session, bid: Bid, user: User, *,
                  now: datetime | None = None, answering: int | None = None) -> BidVersion:
    """Re-confirm a bid made before an addendum: the same sealed contents, now answering the
    latest version (nothing is decrypted; the receipt stays the same). Refused when the vendor
    confirmed from the page of an older addendum (`answering`)."""
    now = now or utcnow()
    vendor = _own(session, bid, user)
    package = session.get(BidPackage, bid.package_id)
    version = latest(session, package)
    check_open(version, now)
    check_answering(version, answering)
    if bid.status != BidStatus.MUST_RECONFIRM:
        raise NotAllowed("This bid does not need re-confirming.")
    previous = last_version(session, bid)
    _move(session, bid, BidStatus.SEALED, now)
    row = _add_version(session, bid, user, "reconfirm", version, previous.sealed,
                       previous.receipt_sha256, now)
    audit.record(session, user=user, action="bid_reconfirm", entity="bid", entity_id=bid.id,
                 round_id=package.round_id,
                 summary=f"{vendor.name} re-confirmed its bid on {package.reference} against "
                         f"version {version.number}",
                 after={"package_version": version.number,
                        "receipt_sha256": row.receipt_sha256})
    return row


def _own(session: Session, bid: Bid, user: User) -> Vendor:
    vendor = approved_vendor(session, user)
    if bid.vendor_id != vendor.id:
        raise NotAllowed("This is not your company's bid.")
    return vendor


def own_contents(session: Session, bid: Bid, user: User, *,
                 sealer: sealing.Sealer) -> sealing.BidContents:
    """The contents of the user's own company's bid (the only decryption before the deadline)."""
    _own(session, bid, user)
    row = last_version(session, bid)
    return sealing.contents_from(sealer.unseal(row.sealed, row.receipt_sha256))


def require_reconfirmation(session: Session, package: BidPackage,
                           version: PackageVersion) -> list[Bid]:
    """After addendum `version`: every sealed bid made against an older version must be
    re-confirmed (or replaced) before it is valid again. Returns those bids."""
    bids = session.exec(select(Bid).where(Bid.package_id == package.id,
                                          Bid.status == BidStatus.SEALED)).all()
    changed = []
    for bid in bids:
        answered = session.get(PackageVersion, last_version(session, bid).package_version_id)
        if answered.number < version.number:
            bid.status = BidStatus.MUST_RECONFIRM
            bid.updated_at = utcnow()
            session.add(bid)
            audit.record(session, user=None, action="bid_must_reconfirm", entity="bid",
                         entity_id=bid.id, round_id=package.round_id,
                         summary=f"addendum {version.number} of {package.reference}: bid "
                                 f"{bid.id} must be re-confirmed",
                         before={"status": BidStatus.SEALED.value},
                         after={"status": BidStatus.MUST_RECONFIRM.value})
            changed.append(bid)
    session.flush()
    return changed


def vendor_bids(session: Session, vendor_id: int) -> list[tuple[Bid, BidPackage]]:
    """The vendor's bids with their packages, most recently changed first."""
    return list(session.exec(select(Bid, BidPackage)
                             .join(BidPackage, BidPackage.id == Bid.package_id)
                             .where(Bid.vendor_id == vendor_id)
                             .order_by(Bid.updated_at.desc())).all())


def parse_money(text: str) -> Decimal | None:
    """A money amount typed by a person ("1,050,000.00", "$ 1050000"), or None if it is not one
    (consortium.money.parse_money says why)."""
    if not (text or "").strip():
        return None
    try:
        return money.parse_money(text)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None
