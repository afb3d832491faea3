"""Who hears of an addendum, and the addendum notice itself.

Every vendor who downloaded any version of the package is told (their active users, unless they
turned the notice off), with the change note and any deadline the addendum moved. Other stages
that make a vendor an interested party (a bid on the package) extend `addendum_recipients`.
"""

from __future__ import annotations

from sqlmodel import Session, select

from consortium.models import BidPackage, Download, PackageVersion, User, Vendor
from consortium.services import notifications


def addendum_recipients(session: Session, package: BidPackage) -> list[User]:
    """The active vendor users to tell about an addendum to `package`, each once, by id."""
    downloaded = (select(Download.vendor_id)
                  .join(PackageVersion, PackageVersion.id == Download.version_id)
                  .where(PackageVersion.package_id == package.id))
    query = (select(User).join(Vendor, Vendor.id == User.vendor_id)
             .where(User.role == "vendor", User.active.is_(True), Vendor.id.in_(downloaded))
             .order_by(User.id))
    return list(session.exec(query).all())


def notify_addendum(session: Session, package: BidPackage, version: PackageVersion,
                    previous: PackageVersion | None) -> int:
    """Tell the recipients of `package`'s addendum `version` (`previous` was the latest before)."""
    return notifications.addendum_published(session, addendum_recipients(session, package),
                                            package, version, previous)
