"""A published package's public OCDS record: its frozen version releases plus later releases.

The stored OCDS file of each version is served as it was published (api.package_ocds). This
builds the package's full list of releases for the public API and notices: every version's stored
release, then a release of the published questions and answers (`tender.enquiries`) and, once the
bids are opened, the opening's release (`bids`, Bids extension), and once the award is published,
its award and contract releases (Contract buyer extension), validated against the vendored
schemas before anyone sees it. Later stages add their releases to `extra_releases`.
"""

from __future__ import annotations

import json

from sqlmodel import Session, select

from consortium.models import (AwardRelease, AwardRun, BidOpening, BidPackage, PackageFile,
                               PackageVersion)
from consortium.publish.build import OCDS_NAME
from consortium.publish.record import Enquiry, enquiries_release, releases_package
from consortium.publish.validate import validate_release_package
from consortium.services import questions


def stored_release_packages(session: Session, package: BidPackage) -> list[dict]:
    """Every version's stored OCDS release package, oldest version first."""
    rows = session.exec(
        select(PackageFile).join(PackageVersion, PackageVersion.id == PackageFile.version_id)
        .where(PackageVersion.package_id == package.id, PackageFile.name == OCDS_NAME)
        .order_by(PackageVersion.number)).all()
    return [json.loads(row.content) for row in rows]


def extra_releases(session: Session, package: BidPackage) -> list[dict]:
    """The releases recorded after publication, oldest kind first: the enquiries, then the bid
    opening's (published once the bids are opened, never before), then the published award's."""
    enquiries = [Enquiry(id=a.id, question=a.question, asked_at=a.asked_at, answer=a.answer,
                         answered_at=a.answered_at)
                 for a in questions.published(session, package)]
    releases = [r for r in (enquiries_release(package.reference, enquiries),) if r is not None]
    opening = session.exec(select(BidOpening).where(BidOpening.package_id == package.id)).first()
    if opening is not None:
        releases += list(opening.ocds.get("releases", []))
    awarded = session.exec(
        select(AwardRelease).join(AwardRun, AwardRun.id == AwardRelease.award_run_id)
        .where(AwardRelease.package_id == package.id, AwardRun.published_at.is_not(None))
        .order_by(AwardRelease.award_run_id)).all()
    for row in awarded:
        releases += list(row.releases)
    return releases


def release_package(session: Session, package: BidPackage, uri: str) -> dict:
    """The package's public release package (raises publish.validate.InvalidPackage if invalid)."""
    stored = stored_release_packages(session, package)
    if not stored:
        raise LookupError(f"{package.reference} has not been published")
    data = releases_package(stored, extra_releases(session, package), uri)
    validate_release_package(data)
    return data
