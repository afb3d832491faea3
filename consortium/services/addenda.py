"""Who hears of an addendum.

Every vendor who downloaded any version of the package, or bid on it, is told (their active users,
unless they turned the notice off), with the change note and any deadline the addendum moved;
bidders whose bid must be re-confirmed are told so (services.notifications.addendum_published).
"""

from __future__ import annotations

from sqlmodel import Session

from consortium.models import BidPackage, User
from consortium.services import notifications


def addendum_recipients(session: Session, package: BidPackage) -> list[User]:
    """The active vendor users to tell about an addendum to `package`, each once, by id."""
    others, bidders = notifications.addendum_recipients(session, package)
    return sorted({u.id: u for u in [*others, *bidders]}.values(), key=lambda u: u.id)
