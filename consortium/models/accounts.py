"""Members (cities, agencies), vendors, users and sign-in attempts."""

from __future__ import annotations

from typing import Optional

from flask_login import UserMixin
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import StatusType, VendorStatus
from consortium.models.types import UTCDateTime, UTCMoment

ROLES = ("admin", "fleet_manager", "vendor")
VENDOR_STATUSES = tuple(VendorStatus)


class MemberBase(SQLModel):
    """A city or agency of the consortium."""

    name: str = Field(min_length=2, max_length=120, index=True, unique=True)
    state: str = Field(default="", max_length=60)
    country: str = Field(default="US", max_length=60)
    delivery_address: str = Field(default="", max_length=500)
    contact_email: str = Field(default="", max_length=254)
    active: bool = True


class Member(MemberBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class VendorBase(SQLModel):
    """A company that bids on published packages."""

    name: str = Field(min_length=2, max_length=160, index=True, unique=True)
    contact_name: str = Field(default="", max_length=160)
    contact_email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=60)
    website: str = Field(default="", max_length=300)
    address: str = Field(default="", max_length=500)
    status: VendorStatus = Field(default=VendorStatus.PENDING, sa_type=StatusType(VendorStatus, 20))


class Vendor(VendorBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    approved_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_by_id: Optional[int] = None  # no foreign key: user and vendor would reference each other


class UserBase(SQLModel):
    """A person who signs in: an admin, a member's fleet manager or a vendor's representative."""

    email: str = Field(min_length=3, max_length=254, index=True, unique=True)
    name: str = Field(default="", max_length=160)
    role: str = Field(max_length=20)  # one of ROLES
    member_id: Optional[int] = Field(default=None, foreign_key="member.id", index=True)
    vendor_id: Optional[int] = Field(default=None, foreign_key="vendor.id", index=True)
    active: bool = True


class User(UserBase, UserMixin, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    password_hash: str = Field(max_length=255)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    last_login_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    # Set when an admin issues a temporary password: every page asks for a new one first.
    must_change_password: bool = False
    # Part of every session and remember-me cookie; bumping it (sign-out, password change or
    # reset: services.accounts.end_sessions) makes all earlier cookies of the user invalid.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    def get_id(self) -> str:  # Flask-Login: what the session and remember-me cookie hold
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users cannot sign in
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_fleet_manager(self) -> bool:
        return self.role == "fleet_manager"

    @property
    def is_vendor(self) -> bool:
        return self.role == "vendor"


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, kept to limit failures per IP and per account."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    ip: str = Field(max_length=64, index=True)
    email: str = Field(max_length=254, index=True)
    success: bool = False


class Throttle(SQLModel, table=True):
    """Attempts of one kind by one key (sign-in: account and client address; vendor sign-up:
    client address), counted with a compare-and-set on `version` so simultaneous attempts
    are each counted once (see services.throttle)."""

    __table_args__ = (UniqueConstraint("scope", "key", name="uq_throttle_scope_key"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    scope: str = Field(max_length=20)
    key: str = Field(max_length=400)
    attempts: int = 0
    version: int = 0
    blocked_until: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    updated_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
