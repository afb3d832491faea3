"""What publishing an award stores, frozen from then on: each member's contract with each vendor
(its figures, PDF and CSV with their SHA-256) and each bid package's OCDS award releases.

Stored rather than rebuilt on each request because a published file must never change: a
member's delivery address, a vendor's name or the consortium's settings may change later, and the
SHA-256 a fleet manager or vendor kept must still match the file the app serves. The session hook
at the bottom refuses any update or delete of these rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint, event
from sqlmodel import Field, Session, SQLModel

from consortium.db import utcnow
from consortium.models.types import Money, UTCDateTime, UTCMoment


class AwardContract(SQLModel, table=True):
    """A member's contract with one vendor under a published award run."""

    __table_args__ = (UniqueConstraint("award_run_id", "member_id", "vendor_id",
                                       name="uq_awardcontract_run_member_vendor"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    award_run_id: int = Field(foreign_key="awardrun.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    reference: str = Field(max_length=200, unique=True)
    member_name: str = Field(max_length=120)    # as at publication
    vendor_name: str = Field(max_length=160)
    lots: int = 0
    units: int = 0
    gross: Decimal = Field(sa_type=Money)
    discount: Decimal = Field(sa_type=Money)
    net: Decimal = Field(sa_type=Money)
    pdf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    pdf_sha256: str = Field(max_length=64)
    csv: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    csv_sha256: str = Field(max_length=64)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class AwardRelease(SQLModel, table=True):
    """A bid package's OCDS releases of a published award (award, then contracts), validated."""

    __table_args__ = (UniqueConstraint("award_run_id", "package_id",
                                       name="uq_awardrelease_run_package"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    award_run_id: int = Field(foreign_key="awardrun.id", index=True)
    package_id: int = Field(foreign_key="bidpackage.id", index=True)
    releases: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class PublishedAwardIsFrozen(RuntimeError):
    """Raised when code tries to change or delete a published contract or award release."""


FROZEN = (AwardContract, AwardRelease)


@event.listens_for(Session, "before_flush")
def _refuse_published_changes(session, _flush_context, _instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, FROZEN) and (obj in session.deleted or session.is_modified(obj)):
            raise PublishedAwardIsFrozen(
                f"{type(obj).__name__} rows are frozen once an award is published")
