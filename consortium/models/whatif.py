"""What-if tables: scenarios copied from a run's problem, their runs, and member-value jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import JobStatus, StatusType

VALUE_JOB_STATUSES = tuple(JobStatus)


class Scenario(SQLModel, table=True):
    """An admin's copy of a run's problem, changed in the app and run beside the base run.

    `problem` is the current (edited) problem document; `edits` lists what was changed, in
    order, as {"kind", "summary", "at", "by"}. Its runs are linked through `ScenarioRun` and
    can never be approved, published or shown to fleet managers.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    base_run_id: int = Field(foreign_key="run.id", index=True)
    name: str = Field(min_length=1, max_length=120)
    problem: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    edits: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class ScenarioRun(SQLModel, table=True):
    """Marks an optimizer run as a scenario's run (a run appears here at most once)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenario.id", index=True)
    run_id: int = Field(foreign_key="run.id", unique=True)


class MemberValueJob(SQLModel, table=True):
    """The member values of one run (see optimizer.value), computed in the background.

    `figures` is the list of `MemberValue.to_dict()` once the job succeeded.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", unique=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=StatusType(JobStatus, 12))
    stage: str = Field(default="queued", max_length=40)
    progress_done: int = 0
    progress_total: int = 0
    figures: Optional[list] = Field(default=None, sa_column=Column(JSON))
    error: str = Field(default="")
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: Optional[datetime] = None
    heartbeat_at: Optional[datetime] = None
    finished_at: Optional[datetime] = None
