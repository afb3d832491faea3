"""Optimizer runs: one row per solve, with its parameters, progress, problem and plan."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import RunStatus, StatusType
from consortium.models.types import UTCDateTime, UTCMoment

RUN_STATUSES = tuple(RunStatus)


class Run(SQLModel, table=True):
    """A solve of a closed round. `problem` and `plan` are the contract's JSON documents."""

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    status: RunStatus = Field(default=RunStatus.QUEUED, sa_type=StatusType(RunStatus, 12))
    stage: str = Field(default="queued", max_length=40)
    progress_done: int = 0
    progress_total: int = 0
    time_limit: float = 60.0
    gap: float = 1e-6
    fairness: bool = True
    solver: str = Field(default="highs", max_length=10)
    problem: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    plan: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    error: str = Field(default="")
    note: str = Field(default="", max_length=500)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    started_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    heartbeat_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    finished_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
    approved_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
