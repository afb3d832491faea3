"""The vendor portal: self-registration and what a vendor sees of the published packages."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import BidPackage, Download, PackageVersion, Product, Round, User, Vendor
from consortium.models.status import VendorStatus
from consortium.services import audit, throttle
from consortium.services.accounts import create_user, normalize_email
from consortium.services.errors import ServiceError

# Sign-up is public: each client address may try it a few times an hour (VENDOR_SIGNUPS_PER_HOUR),
# then waits; a per-client limit, so nobody can use up a shared quota and lock real companies out.
SIGNUP_WINDOW = timedelta(hours=1)


class SignupThrottled(ServiceError):
    """Too many sign-ups from this client address for now."""


def register_vendor(session: Session, *, company: str, contact_name: str, email: str,
                    password: str, phone: str = "", website: str = "", client: str = "",
                    per_hour: int = 5) -> Vendor:
    """Create a pending vendor and its first user; an admin approves it before it can download.

    Attempts are counted per `client` address (services.throttle): past `per_hour` in an hour
    the client waits, growing to the hour.
    """
    company = " ".join(company.split())
    email = normalize_email(email)
    if len(company) < 2:
        raise ServiceError("Enter your company's name.")
    policy = throttle.Policy(free=per_hour, window=SIGNUP_WINDOW, base=60.0)
    try:
        throttle.attempt(session, "vendor-signup", client or "unknown", policy)
    except throttle.Throttled as exc:
        raise SignupThrottled(f"Too many sign-ups from your address. {exc} Or write to the "
                              "consortium.") from None
    taken = session.exec(select(Vendor).where(func.lower(Vendor.name) == company.lower())).first()
    if taken:
        raise ServiceError(f"A company named {company} is already registered. If it is yours, "
                           "ask your colleague who registered it, or contact the consortium.")
    if session.exec(select(User).where(User.email == email)).first():
        raise ServiceError(f"An account with the email {email} already exists; sign in instead.")
    vendor = Vendor.model_validate({"name": company, "contact_name": contact_name.strip(),
                                    "contact_email": email, "phone": phone.strip(),
                                    "website": website.strip(), "status": VendorStatus.PENDING})
    try:
        session.add(vendor)
        session.flush()
        audit.record(session, user=None, action="register", entity="vendor", entity_id=vendor.id,
                     summary=f"vendor {company} registered ({email}); approval pending",
                     after=audit.snapshot(vendor, ("name", "contact_name", "contact_email",
                                                   "status")))
        create_user(session, email=email, password=password, role="vendor",
                    name=contact_name.strip(), vendor=vendor)
        session.flush()
    except IntegrityError as exc:  # the same company or email registered a moment ago
        session.rollback()  # the failed flush leaves the session unusable until rolled back
        raise ServiceError(f"{company} or {email} was registered a moment ago; sign in instead, "
                           "or contact the consortium.") from exc
    return vendor


@dataclass
class PackageListing:
    """A published package with its latest version, for lists."""

    package: BidPackage
    latest: PackageVersion

    @property
    def is_open(self) -> bool:
        """Bids are still accepted."""
        return self.latest.bid_deadline > utcnow()


def published_packages(session: Session) -> list[PackageListing]:
    """Every published package with its latest version, soonest bid deadline first."""
    latest_number = (select(PackageVersion.package_id, func.max(PackageVersion.number).label("n"))
                     .group_by(PackageVersion.package_id).subquery())
    rows = session.exec(
        select(BidPackage, PackageVersion)
        .join(latest_number, latest_number.c.package_id == BidPackage.id)
        .join(PackageVersion, (PackageVersion.package_id == BidPackage.id)
              & (PackageVersion.number == latest_number.c.n))
        .order_by(PackageVersion.bid_deadline, BidPackage.reference)).all()
    return [PackageListing(package, version) for package, version in rows]


def superseded_download(session: Session, vendor_id: int, package: BidPackage,
                        latest: PackageVersion) -> int | None:
    """The newest older version number this vendor downloaded, if it never got the latest one."""
    numbers = set(session.exec(
        select(PackageVersion.number).join(Download, Download.version_id == PackageVersion.id)
        .where(Download.vendor_id == vendor_id, PackageVersion.package_id == package.id)).all())
    if not numbers or latest.number in numbers:
        return None
    return max(numbers)


@dataclass
class PackagePage:
    """What a vendor's package page shows: versions, the latest one's files, its lots (read from
    its OCDS release), its delivery schedule (from its CSV), and any superseded download."""

    versions: list[PackageVersion]
    latest: PackageVersion
    files: list
    lots: list[dict]
    items: dict[str, dict]
    schedule: list[dict]
    product: Product
    round: Round
    superseded: int | None


# Published files never change, so what was read from one is kept by its SHA-256.
_PARSED: dict[tuple[str, str], object] = {}
_PARSED_MAX = 256


def _parsed(file, kind: str):
    key = (kind, file.sha256)
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        if kind == "ocds":
            _PARSED[key] = json.loads(file.content)["releases"][0]["tender"]
        else:
            _PARSED[key] = list(csv.DictReader(io.StringIO(file.content.decode("utf-8"))))
    return _PARSED[key]


def package_page(session: Session, package: BidPackage, vendor_id: int) -> PackagePage:
    """The content of `package`'s page for the vendor `vendor_id` (latest version first)."""
    from consortium.publish.build import OCDS_NAME, SCHEDULE_NAME
    from consortium.services import publishing

    versions = publishing.versions(session, package)
    latest = versions[-1]
    files = publishing.files_of(session, latest)
    by_name = {f.name: f for f in files}
    tender = _parsed(by_name[OCDS_NAME], "ocds")
    return PackagePage(
        versions=versions, latest=latest, files=files, lots=tender["lots"],
        items={i["relatedLot"]: i for i in tender["items"]},
        schedule=_parsed(by_name[SCHEDULE_NAME], "csv"),
        product=session.get(Product, package.product_id),
        round=session.get(Round, package.round_id),
        superseded=superseded_download(session, vendor_id, package, latest))
