"""Vendors' questions on a published bid package and the consortium's public answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlmodel import Field, SQLModel

from consortium.db import utcnow


class QuestionStatus(StrEnum):
    """Where a question stands. Only an open question can be answered, once."""

    OPEN = "open"
    ANSWERED = "answered"
    ANSWERED_BY_ADDENDUM = "answered_by_addendum"


# The only moves a question's status may make (services.questions checks every change against it).
QUESTION_TRANSITIONS: dict[QuestionStatus, frozenset[QuestionStatus]] = {
    QuestionStatus.OPEN: frozenset({QuestionStatus.ANSWERED, QuestionStatus.ANSWERED_BY_ADDENDUM}),
    QuestionStatus.ANSWERED: frozenset(),
    QuestionStatus.ANSWERED_BY_ADDENDUM: frozenset(),
}


class Question(SQLModel, table=True):
    """A vendor's question on a package, asked against the version that was current then.

    Who asked (vendor and user) is kept for the consortium only: it is never shown to other
    vendors, on public pages or in OCDS data.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    package_id: int = Field(foreign_key="bidpackage.id", index=True)
    version_id: int = Field(foreign_key="packageversion.id")
    vendor_id: int = Field(foreign_key="vendor.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    text: str = Field(max_length=4000)
    asked_at: datetime = Field(default_factory=utcnow, index=True)
    status: str = Field(default=QuestionStatus.OPEN, max_length=24, index=True)


class Answer(SQLModel, table=True):
    """The public answer to a question: a text, or the addendum version that answers it."""

    id: Optional[int] = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", unique=True)
    text: str = Field(default="", max_length=8000)
    addendum_version_id: Optional[int] = Field(default=None, foreign_key="packageversion.id")
    answered_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    answered_at: datetime = Field(default_factory=utcnow, index=True)
