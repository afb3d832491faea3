"""Notifications: the in-app list, the email outbox, opt-outs, deadline reminders, password resets."""

from __future__ import annotations

from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from consortium.db import utcnow
from consortium.models.status import OutboxStatus, StatusType
from consortium.models.types import UTCDateTime, UTCMoment

OUTBOX_STATUSES = tuple(OutboxStatus)


class Notification(SQLModel, table=True):
    """One message in a user's in-app list; unread until `read_at` is set."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=200)
    body: str = ""
    link: str = Field(default="", max_length=500)  # a path inside the app
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    read_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """One email: queued by a request or job, sent by the job queue (or kept when no SMTP)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    kind: str = Field(max_length=40)
    to: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = ""
    link: str = Field(default="", max_length=500)  # a path inside the app; the email adds PUBLIC_URL
    status: OutboxStatus = Field(default=OutboxStatus.QUEUED, sa_type=StatusType(OutboxStatus, 10),
                                 index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    sent_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)


class NotificationOptOut(SQLModel, table=True):
    """A kind of notification a user has turned off (neither in-app nor by email)."""

    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_optout_user_kind"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=40)


class DeadlineReminder(SQLModel, table=True):
    """A deadline reminder already sent for a round (once per round and threshold)."""

    __table_args__ = (UniqueConstraint("round_id", "days", name="uq_reminder_round_days"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    days: int
    sent_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)


class PasswordResetRequest(SQLModel, table=True):
    """A "forgot password" request, known address or not, kept to throttle them."""

    id: Optional[int] = Field(default=None, primary_key=True)
    at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow, index=True)
    ip: str = Field(max_length=64, index=True)
    email: str = Field(max_length=254, index=True)


class PasswordResetToken(SQLModel, table=True):
    """A single-use, expiring reset link; only the SHA-256 of its token is stored."""

    id: Optional[int] = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, index=True, unique=True)
    created_at: UTCMoment = Field(sa_type=UTCDateTime, default_factory=utcnow)
    expires_at: UTCMoment = Field(sa_type=UTCDateTime)
    used_at: Optional[UTCMoment] = Field(default=None, sa_type=UTCDateTime)
