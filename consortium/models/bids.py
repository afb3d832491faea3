"""Sealed bids: one bid per (package, vendor), its sealed versions, and each package's opening.

A bid's contents are stored only as a Fernet token (services.sealing); the row holds no price.
Each submission, replacement or re-confirmation adds a `BidVersion` (never changed afterwards);
`Bid.status` says where the bid stands and moves only along `BID_TRANSITIONS`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from consortium.db import utcnow


class BidStatus(StrEnum):
    """Where a bid stands."""

    SEALED = "sealed"  # valid, sealed, against the package's latest version
    MUST_RECONFIRM = "must_reconfirm"  # an addendum came after it: not valid until re-confirmed
    WITHDRAWN = "withdrawn"  # the vendor withdrew it before the deadline
    OPENED = "opened"  # opened at the deadline, hash checked: part of the tabulation
    INVALID = "invalid"  # at opening: not re-confirmed, or its contents fail the receipt check


# Which status may follow which. Replacing a sealed bid keeps it sealed; a withdrawn bid may be
# submitted again before the deadline; opened and invalid are final.
BID_TRANSITIONS: dict[BidStatus, frozenset[BidStatus]] = {
    BidStatus.SEALED: frozenset({BidStatus.SEALED, BidStatus.MUST_RECONFIRM, BidStatus.WITHDRAWN,
                                 BidStatus.OPENED, BidStatus.INVALID}),
    BidStatus.MUST_RECONFIRM: frozenset({BidStatus.SEALED, BidStatus.MUST_RECONFIRM,
                                         BidStatus.WITHDRAWN, BidStatus.INVALID}),
    BidStatus.WITHDRAWN: frozenset({BidStatus.SEALED}),
    BidStatus.OPENED: frozenset(),
    BidStatus.INVALID: frozenset(),
}


def can_move(current: str, new: str) -> bool:
    """Whether a bid in status `current` may move to `new`."""
    return BidStatus(new) in BID_TRANSITIONS[BidStatus(current)]


class Bid(SQLModel, table=True):
    """A vendor's bid on one package; its contents are in its latest `BidVersion`."""

    __table_args__ = (UniqueConstraint("package_id", "vendor_id", name="uq_bid_package_vendor"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="bidpackage.id", index=True)
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    status: str = Field(default=BidStatus.SEALED, max_length=20)  # a BidStatus
    version: int = 1  # bumped by every change (an optimistic lock: services.bids._move)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    opened_at: Optional[datetime] = None
    invalid_reason: str = Field(default="", max_length=500)


class BidVersion(SQLModel, table=True):
    """One sealed submission of a bid: the token, its receipt and the package version it answers."""

    __table_args__ = (UniqueConstraint("bid_id", "number", name="uq_bidversion_bid_number"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id", index=True)
    number: int = 1
    kind: str = Field(default="submit", max_length=12)  # submit, replace, reconfirm
    package_version_id: int = Field(foreign_key="packageversion.id")
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # Fernet token
    receipt_sha256: str = Field(max_length=64)
    submitted_at: datetime = Field(default_factory=utcnow)
    submitted_by_id: Optional[int] = Field(default=None, foreign_key="user.id")


class BidOpening(SQLModel, table=True):
    """A package's bid opening: when, by whom, and the tabulation and OCDS release it published."""

    id: Optional[int] = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="bidpackage.id", unique=True)
    opened_at: datetime = Field(default_factory=utcnow)
    opened_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    tabulation: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ocds: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
