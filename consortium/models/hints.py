"""Hint jobs: the hints of one optimizer run, computed in the background (see docs/hints.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import JobStatus, StatusType

HINT_STATUSES = tuple(JobStatus)


class HintJob(SQLModel, table=True):
    """Hints for every line of a run's problem; `result` is the hints file's JSON. Fleet managers
    see them only once an admin makes them `visible`."""

    id: Optional[int] = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=StatusType(JobStatus, 12))
    stage: str = Field(default="queued", max_length=40)
    progress_done: int = 0
    progress_total: int = 0
    threshold: float = 1.0
    result: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    error: str = Field(default="")
    visible: bool = False
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: Optional[datetime] = None
    heartbeat_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
