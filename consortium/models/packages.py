"""Bid packages: one per product of a round's approved plan, published in frozen versions.

A published package, its versions, files and the download log are frozen: the session hook at the
bottom refuses any update or delete of these rows in every process that imports the models (the
web app, the job worker, the CLI), whatever the route.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import Column, LargeBinary, UniqueConstraint, event
from sqlmodel import Field, Session, SQLModel

from consortium.db import utcnow
from consortium.models.types import UTCDateTime, UTCMoment


class BidPackage(SQLModel, table=True):
    """A product's bid package in a round; its content lives in numbered, frozen versions."""

    __table_args__ = (UniqueConstraint("round_id", "product_id", name="uq_package_round_product"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    product_id: int = Field(foreign_key="product.id")
    reference: str = Field(max_length=120, unique=True)  # e.g. "ocds-xxxx-2027-fleet-BEB-40"
    title: str = Field(max_length=300)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class PackageVersion(SQLModel, table=True):
    """One published version (0 = original, 1.. = addenda). Never changed once written."""

    __table_args__ = (UniqueConstraint("package_id", "number", name="uq_version_package_number"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="bidpackage.id", index=True)
    number: int = 0
    run_id: int = Field(foreign_key="run.id")
    change_note: str = Field(default="", max_length=2000)
    bid_deadline: UTCMoment = Field(sa_type=UTCDateTime)
    questions_deadline: UTCMoment = Field(sa_type=UTCDateTime)
    published_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    published_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    manifest_sha256: str = Field(default="", max_length=64)


class PackageFile(SQLModel, table=True):
    """One file of a published version, stored with its SHA-256."""

    __table_args__ = (UniqueConstraint("version_id", "name", name="uq_file_version_name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="packageversion.id", index=True)
    name: str = Field(max_length=200)
    media_type: str = Field(max_length=100)
    size: int = 0
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Download(SQLModel, table=True):
    """A vendor's download of one file: who, which file of which version, when."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    user_id: int = Field(foreign_key="user.id")
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    file_id: int = Field(foreign_key="packagefile.id")
    version_id: int = Field(foreign_key="packageversion.id", index=True)


class PublishedPackageIsFrozen(RuntimeError):
    """Raised when code tries to change or delete a published package, version, file or download."""


FROZEN = (BidPackage, PackageVersion, PackageFile, Download)


@event.listens_for(Session, "before_flush")
def _refuse_published_changes(session, _flush_context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, FROZEN) and (obj in session.deleted or session.is_modified(obj)):
            raise PublishedPackageIsFrozen(
                f"{type(obj).__name__} rows are frozen once published; publish an addendum instead")
