"""Procurement rounds, members' demand lines and the append-only audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import RoundStatus, StatusType
from consortium.models.types import Money, UTCDateTime, UTCMoment

ROUND_STATUSES = tuple(RoundStatus)


class RoundBase(SQLModel):
    """A procurement round: its delivery periods (in order) and the demand deadline (UTC)."""

    name: str = Field(min_length=3, max_length=160)
    slug: str = Field(min_length=2, max_length=80, index=True, unique=True)
    description: str = Field(default="")
    periods: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    deadline: UTCMoment = Field(sa_type=UTCDateTime)
    status: RoundStatus = Field(default=RoundStatus.DRAFT, sa_type=StatusType(RoundStatus, 10))


class Round(RoundBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    closed_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_run_id: Optional[int] = None  # the run whose plan the admin approved


class DemandLineBase(SQLModel):
    """One line of a member's demand: every field of a problem-file demand line."""

    ref: str = Field(min_length=1, max_length=60)  # unique among the member's lines of the round
    quantity: int = Field(ge=1, le=100000)
    earliest: str = Field(max_length=20)
    latest: str = Field(max_length=20)
    options: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    splittable: bool = False
    max_unit_price: Optional[Decimal] = Field(default=None, gt=0, sa_type=Money)
    notes: str = Field(default="", max_length=1000)


class DemandLine(DemandLineBase, table=True):
    # Unique per member: members may use the same refs, so no ref tells of another member's line.
    __table_args__ = (UniqueConstraint("round_id", "member_id", "ref",
                                       name="uq_demand_round_member_ref"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    version: int = 1
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    updated_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class DemandRefCounter(SQLModel, table=True):
    """The last number drawn for generated refs of one member's lines in one round, raised with
    one atomic UPDATE so that simultaneous adds never draw the same number (services.line_refs)."""

    round_id: int = Field(foreign_key="round.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    last: int = 0


class AuditEntry(SQLModel, table=True):
    """An append-only record of one change: who, when, what, before and after.

    Rows are never updated or deleted (enforced in `consortium.services.audit`).
    """

    __tablename__ = "audit_log"

    id: Optional[int] = Field(default=None, primary_key=True)
    at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    user_email: str = Field(default="", max_length=254)  # kept even if the user is renamed
    action: str = Field(max_length=40)  # create, update, delete, import, open, close, ...
    entity: str = Field(max_length=40, index=True)  # table name of the changed row
    entity_id: Optional[int] = None
    round_id: Optional[int] = Field(default=None, index=True)
    member_id: Optional[int] = Field(default=None, index=True)
    summary: str = Field(default="", max_length=500)
    before: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    after: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    # The hash chain (consortium.services.audit_chain): set when the entry's transaction commits.
    seq: Optional[int] = Field(default=None, unique=True, index=True)  # position in the chain
    prev_hash: Optional[str] = Field(default=None, max_length=64)
    hash: Optional[str] = Field(default=None, max_length=64)


class AuditChain(SQLModel, table=True):
    """The head of the audit hash chain: one row (id 1), locked while entries are appended.

    It also records the chain's length and last hash, so deleting the newest entries is seen too.
    """

    __tablename__ = "audit_chain"

    id: Optional[int] = Field(default=None, primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(default="", max_length=64)
