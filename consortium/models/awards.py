"""The award stage: each opened bid's evaluation, and award runs (the award optimizer's solves).

An admin marks each opened bid responsive or not (`BidEvaluation`, one per bid; a bid without one
counts as responsive). An `AwardRun` keeps the award problem built when it was queued (so the run
is reproducible), its progress, and the award file the optimizer wrote (`result`, exactly as
`consortium.award.dump_award` writes it). One run of a round may be approved; a partial unique
index holds that in the database too. Publishing sets `published_at` / `published_by_id`.
"""

from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, Column, Index, text
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import AwardRunStatus, StatusType
from consortium.models.types import UTCDateTime, UTCMoment

AWARD_RUN_STATUSES = tuple(AwardRunStatus)


class BidEvaluation(SQLModel, table=True):
    """An admin's decision on one opened bid: responsive (awardable) or not, and why."""

    id: Optional[int] = Field(default=None, primary_key=True)
    bid_id: int = Field(foreign_key="bid.id", unique=True)
    responsive: bool = True
    reason: str = Field(default="", max_length=500)
    evaluated_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    evaluated_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


_APPROVED = text("approved_at IS NOT NULL")


class AwardRun(SQLModel, table=True):
    """A solve of a round's award problem: parameters, problem, progress, and the award file."""

    __table_args__ = (
        # At most one approved award run per round, whatever the code above does.
        Index("uq_awardrun_one_approved_per_round", "round_id", unique=True,
              sqlite_where=_APPROVED, postgresql_where=_APPROVED),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    status: AwardRunStatus = Field(default=AwardRunStatus.QUEUED,
                                   sa_type=StatusType(AwardRunStatus, 12))
    max_lots_per_vendor: Optional[int] = None
    time_limit: float = 60.0
    problem: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    result: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    error: str = Field(default="")
    progress: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=500)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    started_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    finished_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    published_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    published_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
