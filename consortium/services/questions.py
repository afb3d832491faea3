"""Questions and answers on published bid packages.

An approved vendor asks until the package's questions deadline (the latest version's, server
time). An admin answers once, in writing or by pointing at the addendum that answers it; the
answer is published to every approved vendor and joins the package's public record. Who asked is
kept for the consortium only: nothing here that other vendors or the public see names the asker.
These functions flush; the request or command commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, update
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import (QUESTION_TRANSITIONS, Answer, BidPackage, PackageVersion, Question,
                               QuestionStatus, User, Vendor)
from consortium.services import audit, notifications, publishing
from consortium.services.errors import NotAllowed, ServiceError

MAX_QUESTION = 4000
MAX_ANSWER = 8000


class QuestionError(ServiceError):
    """A question or answer refused, with the reason to show."""


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def questions_open(version: PackageVersion, now: datetime | None = None) -> bool:
    """Whether questions are still accepted on a package whose latest version is `version`."""
    return (now or utcnow()) <= _aware(version.questions_deadline)


def _clean(text: str, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise QuestionError(f"Write the {what} first.")
    if len(text) > limit:
        raise QuestionError(f"The {what} is {len(text)} characters long; the limit is {limit}.")
    return text


def _approved_vendor(session: Session, user: User) -> Vendor:
    vendor = session.get(Vendor, user.vendor_id) if user.is_vendor and user.vendor_id else None
    if vendor is None:
        raise NotAllowed("Only registered vendors ask questions on bid packages.")
    if vendor.status != "approved":
        raise NotAllowed("Your company's registration has not been approved yet; questions can be "
                         "asked once a consortium admin approves it.")
    return vendor


def ask(session: Session, user: User, package: BidPackage, text: str, *,
        now: datetime | None = None) -> Question:
    """An approved vendor's question on a published package, before its questions deadline."""
    vendor = _approved_vendor(session, user)
    version = publishing.latest_version(session, package)
    if version is None:
        raise QuestionError("This package has not been published.")
    now = now or utcnow()
    if not questions_open(version, now):
        raise QuestionError(
            f"The questions deadline of {package.reference} was "
            f"{_aware(version.questions_deadline):%Y-%m-%d %H:%M} UTC; questions are no longer "
            "accepted. Read the published answers and addenda, or write to the consortium.")
    text = _clean(text, MAX_QUESTION, "question")
    question = Question(package_id=package.id, version_id=version.id, vendor_id=vendor.id,
                        user_id=user.id, text=text, asked_at=now, status=QuestionStatus.OPEN)
    session.add(question)
    session.flush()
    audit.record(session, user=user, action="ask", entity="question", entity_id=question.id,
                 round_id=package.round_id,
                 summary=f"question {question.id} on {package.reference} v{version.number}",
                 after={"package_id": package.id, "version": version.number,
                        "vendor_id": vendor.id, "text": text})
    return question


def _move(session: Session, question: Question, to: QuestionStatus) -> None:
    """Move an open question to `to`, once: a conditional UPDATE, so two admins cannot both win."""
    if to not in QUESTION_TRANSITIONS[QuestionStatus(question.status)]:
        raise QuestionError("This question has already been answered.")
    moved = session.exec(update(Question).where(Question.id == question.id,
                                                Question.status == question.status)
                         .values(status=to.value)).rowcount
    if moved != 1:
        raise QuestionError("This question was answered by someone else just now; reload the page.")
    session.expire(question, ["status"])  # reloaded on next access: the row says `to` now


def _admin(user: User) -> None:
    if not user.is_admin:
        raise NotAllowed("Only consortium admins answer questions.")


def answer(session: Session, user: User, question: Question, text: str, *,
           now: datetime | None = None) -> Answer:
    """Publish the written answer to an open question and tell every approved vendor."""
    _admin(user)
    text = _clean(text, MAX_ANSWER, "answer")
    return _publish(session, user, question, QuestionStatus.ANSWERED,
                    Answer(question_id=question.id, text=text, answered_by_id=user.id,
                           answered_at=now or utcnow()))


def answer_by_addendum(session: Session, user: User, question: Question, version: PackageVersion,
                       note: str = "", *, now: datetime | None = None) -> Answer:
    """Mark an open question as answered by an addendum (version 1 or later) of its package."""
    _admin(user)
    if version.package_id != question.package_id or version.number < 1:
        raise QuestionError("Choose an addendum of this question's package.")
    note = (note or "").strip()
    if len(note) > MAX_ANSWER:
        raise QuestionError(f"The note is {len(note)} characters long; the limit is {MAX_ANSWER}.")
    return _publish(session, user, question, QuestionStatus.ANSWERED_BY_ADDENDUM,
                    Answer(question_id=question.id, text=note, addendum_version_id=version.id,
                           answered_by_id=user.id, answered_at=now or utcnow()))


def _publish(session: Session, user: User, question: Question, to: QuestionStatus,
             row: Answer) -> Answer:
    _move(session, question, to)
    session.add(row)
    session.flush()
    package = session.get(BidPackage, question.package_id)
    addendum = session.get(PackageVersion, row.addendum_version_id) if row.addendum_version_id else None
    public = public_answer_text(row, addendum)
    audit.record(session, user=user, action="answer", entity="question", entity_id=question.id,
                 round_id=package.round_id,
                 summary=f"answered question {question.id} on {package.reference}"
                         + (f" by addendum {addendum.number}" if addendum else ""),
                 before={"status": QuestionStatus.OPEN.value},
                 after={"status": to.value, "answer": row.text,
                        "addendum": addendum.number if addendum else None})
    notifications.question_answered(session, package, question.text, public)
    return row


def public_answer_text(answer: Answer, addendum: PackageVersion | None) -> str:
    """The answer as published: the text, or which addendum answers it (and the admin's note)."""
    if addendum is None:
        return answer.text
    said = f"Answered by addendum {addendum.number}: {addendum.change_note}"
    return f"{said} {answer.text}".strip() if answer.text else said


# --- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedAnswer:
    """A question and its answer as anyone may see them: no asker, no internal ids but its own."""

    id: int
    question: str
    asked_at: datetime
    answer: str
    answered_at: datetime
    addendum: int | None


def published(session: Session, package: BidPackage) -> list[PublishedAnswer]:
    """The package's answered questions, in the order they were asked."""
    rows = session.exec(
        select(Question, Answer).join(Answer, Answer.question_id == Question.id)
        .where(Question.package_id == package.id).order_by(Question.asked_at, Question.id)).all()
    ids = {a.addendum_version_id for _q, a in rows if a.addendum_version_id}
    addenda = {v.id: v for v in session.exec(select(PackageVersion)
                                             .where(PackageVersion.id.in_(ids))).all()} if ids else {}
    out = []
    for q, a in rows:
        version = addenda.get(a.addendum_version_id)
        out.append(PublishedAnswer(id=q.id, question=q.text, asked_at=_aware(q.asked_at),
                                   answer=public_answer_text(a, version),
                                   answered_at=_aware(a.answered_at),
                                   addendum=version.number if version else None))
    return out


def published_counts(session: Session) -> dict[int, int]:
    """How many answered questions each package has (package id -> count)."""
    return dict(session.exec(select(Question.package_id, func.count()).join(
        Answer, Answer.question_id == Question.id).group_by(Question.package_id)).all())


def of_vendor(session: Session, vendor_id: int, package: BidPackage) -> list[Question]:
    """The vendor's own questions on the package, newest first (open ones included)."""
    return list(session.exec(select(Question).where(Question.vendor_id == vendor_id,
                                                    Question.package_id == package.id)
                             .order_by(Question.asked_at.desc(), Question.id.desc())).all())


def unanswered_query():
    """Every open question, oldest first (the admin's to-do list)."""
    return (select(Question).where(Question.status == QuestionStatus.OPEN.value)
            .order_by(Question.asked_at, Question.id))


def unanswered_count(session: Session) -> int:
    """How many questions wait for an answer."""
    return session.exec(select(func.count()).select_from(Question)
                        .where(Question.status == QuestionStatus.OPEN.value)).one()


def package_questions_query(package: BidPackage):
    """A package's questions for its admin page: open ones first, then oldest first."""
    is_answered = Question.status != QuestionStatus.OPEN.value
    return (select(Question).where(Question.package_id == package.id)
            .order_by(is_answered, Question.asked_at, Question.id))


def answers_of(session: Session, questions: list[Question]) -> dict[int, Answer]:
    """The answers of `questions`, by question id."""
    ids = [q.id for q in questions]
    if not ids:
        return {}
    return {a.question_id: a for a in session.exec(select(Answer)
                                                   .where(Answer.question_id.in_(ids))).all()}
