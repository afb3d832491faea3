"""Reads of published bid packages for the admin pages: the package list and the download log.

Each function runs a fixed number of statements, however many packages or downloads there are
(tests/web/test_query_counts.py counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from consortium.models import BidPackage, Download, PackageFile, PackageVersion, Round, User, Vendor


def latest_versions(session: Session, packages: list[BidPackage]) -> dict[int, PackageVersion]:
    """The newest version of each package, by package id (one statement)."""
    ids = [p.id for p in packages]
    if not ids:
        return {}
    newest = (select(PackageVersion.package_id, func.max(PackageVersion.number).label("number"))
              .where(PackageVersion.package_id.in_(ids)).group_by(PackageVersion.package_id)
              .subquery())
    rows = session.exec(select(PackageVersion).join(
        newest, (PackageVersion.package_id == newest.c.package_id)
        & (PackageVersion.number == newest.c.number))).all()
    return {v.package_id: v for v in rows}


def rounds_of(session: Session, packages: list[BidPackage]) -> dict[int, Round]:
    """The rounds of these packages, by id (one statement)."""
    ids = {p.round_id for p in packages}
    if not ids:
        return {}
    return {r.id: r for r in session.exec(select(Round).where(Round.id.in_(ids))).all()}


def publishable_rounds(session: Session) -> list[Round]:
    """Rounds with an approved plan and no published package yet (one statement)."""
    published = select(BidPackage.round_id).distinct()
    return list(session.exec(select(Round).where(Round.approved_run_id.is_not(None),
                                                 Round.id.not_in(published))
                             .order_by(Round.id)).all())


@dataclass(frozen=True)
class FileRef:
    """A stored file named in the log (its content stays in the database)."""

    id: int
    name: str


@dataclass(frozen=True)
class DownloadRow:
    """One line of the download log: when, which vendor and user, which file of which version."""

    at: datetime
    vendor: Vendor
    user: User
    file: FileRef
    version: PackageVersion
    package: BidPackage


def download_rows(session: Session, downloads: list[Download]) -> list[DownloadRow]:
    """The log lines of these downloads, in their order (one statement, without file content)."""
    ids = [d.id for d in downloads]
    if not ids:
        return []
    rows = session.exec(  # the file's name only: its content can be large
        select(Download.id, Vendor, User, PackageVersion, BidPackage, PackageFile.id,
               PackageFile.name)
        .join(Vendor, Vendor.id == Download.vendor_id).join(User, User.id == Download.user_id)
        .join(PackageVersion, PackageVersion.id == Download.version_id)
        .join(BidPackage, BidPackage.id == PackageVersion.package_id)
        .join(PackageFile, PackageFile.id == Download.file_id)
        .where(Download.id.in_(ids))).all()
    by_id = {download_id: (vendor, user, FileRef(file_id, name), version, package)
             for download_id, vendor, user, version, package, file_id, name in rows}
    return [DownloadRow(d.at, *by_id[d.id]) for d in downloads if d.id in by_id]


def recent_downloads(session: Session, package: BidPackage, limit: int = 20) -> list[DownloadRow]:
    """The newest downloads of any version of `package` (two statements)."""
    downloads = session.exec(select(Download).join(PackageVersion)
                             .where(PackageVersion.package_id == package.id)
                             .order_by(Download.at.desc()).limit(limit)).all()
    return download_rows(session, list(downloads))


def downloads_query(package_id: int | None = None):
    """Every download (of one package's versions when `package_id` is given), unordered."""
    query = select(Download)
    if package_id:
        query = query.join(PackageVersion).where(PackageVersion.package_id == package_id)
    return query
