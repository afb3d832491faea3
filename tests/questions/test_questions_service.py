"""The questions service: the deadline on a controllable clock, answers published without the
asker, answered by an addendum, one answer per question, audit entries, addendum recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.models import Answer, AuditEntry, Question, QuestionStatus
from consortium.services import addenda, publishing, questions
from consortium.services.errors import NotAllowed
from consortium.services.questions import QuestionError
from tests import factories
from tests.questions.conftest import inbox, outbox


def _ask(session, user, package, text="Is CCS1 required on every bus?", **kw):
    question = questions.ask(session, user, package, text, **kw)
    session.commit()
    return question


def test_ask_until_the_questions_deadline_then_refused(session, asker, published, deadlines):
    bus = published["BEB-40"]
    deadline = deadlines["questions_deadline"]
    on_time = _ask(session, asker, bus, now=deadline)  # the deadline itself is still in time
    assert on_time.status == QuestionStatus.OPEN and on_time.asked_at == deadline
    assert on_time.version_id == publishing.latest_version(session, bus).id
    with pytest.raises(QuestionError) as refused:
        questions.ask(session, asker, bus, "One more?", now=deadline + timedelta(seconds=1))
    session.rollback()
    assert "questions deadline" in str(refused.value) and "no longer accepted" in str(refused.value)
    assert deadline.strftime("%Y-%m-%d %H:%M") in str(refused.value)
    assert len(session.exec(select(Question)).all()) == 1


def test_an_addendum_that_extends_the_questions_deadline_reopens_questions(
        session, admin, asker, published, deadlines):
    bus = published["BEB-40"]
    later = deadlines["questions_deadline"] + timedelta(days=3)
    after_first = deadlines["questions_deadline"] + timedelta(days=1)
    with pytest.raises(QuestionError):
        questions.ask(session, asker, bus, "Late?", now=after_first)
    session.rollback()
    v1 = publishing.publish_addendum(session, bus, admin, change_note="Questions until later.",
                                     questions_deadline=later)
    question = _ask(session, asker, bus, "Now in time?", now=after_first)
    assert question.version_id == v1.id


def test_bad_question_text_is_refused_and_nothing_saved(session, asker, published):
    bus = published["BEB-40"]
    for text, message in (("   ", "Write the question first."),
                          ("x" * 4001, "the limit is 4000")):
        with pytest.raises(QuestionError, match=message):
            questions.ask(session, asker, bus, text)
        session.rollback()
    assert session.exec(select(Question)).all() == []


def test_only_approved_vendors_ask(session, published, pending, admin):
    bus = published["BEB-40"]
    fleet_manager = factories.make_user(session, "fleet_manager")
    for user, message in ((pending, "not been approved"), (fleet_manager, "Only registered vendors"),
                          (admin, "Only registered vendors")):
        with pytest.raises(NotAllowed, match=message):
            questions.ask(session, user, bus, "May I ask?")
        session.rollback()


def test_answer_is_published_to_every_approved_vendor_without_the_asker(
        session, admin, asker, rival, pending, published):
    bus = published["BEB-40"]
    question = _ask(session, asker, bus, "Is CCS1 required on every bus?")
    answer = questions.answer(session, admin, question, "Yes, CCS1 on every bus of the lot.")
    session.commit()
    session.refresh(question)
    assert question.status == QuestionStatus.ANSWERED and answer.answered_by_id == admin.id
    messages = outbox(session, kind="question_answered")
    assert {m.to for m in messages} == {asker.email, rival.email}  # not the pending vendor
    for m in messages:
        assert "Is CCS1 required on every bus?" in m.body and "CCS1 on every bus" in m.body
        assert "Pacific" not in m.subject + m.body and asker.email not in m.subject + m.body
        assert m.link == f"/vendors/packages/{bus.id}"
    assert "question_answered" in [n.kind for n in inbox(session, rival)]
    [public] = questions.published(session, bus)
    assert public.question == question.text and public.answer == answer.text
    assert public.addendum is None
    assert not hasattr(public, "vendor_id") and not hasattr(public, "user_id")


def test_a_question_is_answered_once(session, admin, asker, published):
    question = _ask(session, asker, published["BEB-40"])
    questions.answer(session, admin, question, "First answer.")
    session.commit()
    with pytest.raises(QuestionError, match="already been answered"):
        questions.answer(session, admin, question, "Second answer.")
    session.rollback()
    assert [a.text for a in session.exec(select(Answer)).all()] == ["First answer."]


def test_two_admins_answering_at_once_one_wins(session, engine, admin, asker, published):
    """The other admin's copy of the question still says open: the conditional update refuses."""
    from sqlmodel import Session
    question = _ask(session, asker, published["BEB-40"])
    with Session(engine, expire_on_commit=False) as other:
        stale = other.get(Question, question.id)
        questions.answer(session, admin, question, "Ours.")
        session.commit()
        with pytest.raises(QuestionError, match="someone else just now"):
            questions.answer(other, admin, stale, "Theirs.")
        other.rollback()
    assert [a.text for a in session.exec(select(Answer)).all()] == ["Ours."]


def test_only_admins_answer(session, asker, rival, published):
    question = _ask(session, asker, published["BEB-40"])
    with pytest.raises(NotAllowed):
        questions.answer(session, rival, question, "I know the answer.")
    session.rollback()
    assert session.get(Question, question.id).status == QuestionStatus.OPEN


def test_answered_by_an_addendum(session, admin, asker, rival, published):
    bus, sedan = published["BEB-40"], published["SEDAN-EV"]
    question = _ask(session, asker, bus, "Can lot 3 move to 2027Q4?")
    original = publishing.latest_version(session, bus)
    with pytest.raises(QuestionError, match="Choose an addendum"):
        questions.answer_by_addendum(session, admin, question, original)  # version 0
    session.rollback()
    v1 = publishing.publish_addendum(session, bus, admin, change_note="Lot 3 moved to 2027Q4.")
    other_v1 = publishing.publish_addendum(session, sedan, admin, change_note="Sedan fix.")
    session.commit()  # the addenda stand; the refused answer below is rolled back alone
    with pytest.raises(QuestionError, match="Choose an addendum"):
        questions.answer_by_addendum(session, admin, question, other_v1)  # another package's
    session.rollback()
    answer = questions.answer_by_addendum(session, admin, question, v1, "See the new schedule.")
    session.commit()
    session.refresh(question)
    assert question.status == QuestionStatus.ANSWERED_BY_ADDENDUM
    assert answer.addendum_version_id == v1.id
    [public] = questions.published(session, bus)
    assert public.addendum == 1
    assert public.answer == "Answered by addendum 1: Lot 3 moved to 2027Q4. See the new schedule."
    assert any("Answered by addendum 1" in m.body for m in outbox(session, kind="question_answered",
                                                                   to=rival.email))


def test_every_question_and_answer_is_audited(session, admin, asker, published):
    bus = published["BEB-40"]
    question = _ask(session, asker, bus, "Audited?")
    questions.answer(session, admin, question, "Yes.")
    session.commit()
    entries = session.exec(select(AuditEntry).where(AuditEntry.entity == "question")
                           .order_by(AuditEntry.id)).all()
    assert [(e.action, e.entity_id, e.user_email) for e in entries] == [
        ("ask", question.id, asker.email), ("answer", question.id, admin.email)]
    assert entries[0].after["text"] == "Audited?" and entries[1].after["answer"] == "Yes."
    assert entries[1].before == {"status": "open"} and entries[1].after["status"] == "answered"


def test_unanswered_oldest_first_and_vendor_lists(session, admin, asker, rival, published,
                                                  deadlines):
    bus, sedan = published["BEB-40"], published["SEDAN-EV"]
    start = deadlines["questions_deadline"] - timedelta(days=5)
    late = _ask(session, rival, bus, "Later question", now=start + timedelta(hours=2))
    early = _ask(session, asker, sedan, "Earlier question", now=start)
    mine = _ask(session, asker, bus, "Mine on the bus", now=start + timedelta(hours=3))
    assert questions.unanswered_count(session) == 3
    assert [q.id for q in session.exec(questions.unanswered_query()).all()] == [
        early.id, late.id, mine.id]
    questions.answer(session, admin, late, "Answered.")
    session.commit()
    assert questions.unanswered_count(session) == 2
    assert [q.id for q in questions.of_vendor(session, asker.vendor_id, bus)] == [mine.id]
    assert questions.published_counts(session) == {bus.id: 1}


def test_addendum_recipients_are_the_downloaders_and_the_notice_has_the_new_deadline(
        session, admin, asker, rival, published, deadlines):
    bus = published["BEB-40"]
    gone = factories.make_user(session, "vendor", vendor=factories.make_vendor(session),
                               email="gone@example.com")
    file = publishing.files_of(session, publishing.latest_version(session, bus))[0]
    for user in (asker, asker, gone):  # twice: still one message
        publishing.record_download(session, user, file)
    gone.active = False  # deactivated since its download: not told
    session.add(gone)
    session.commit()
    assert [u.email for u in addenda.addendum_recipients(session, bus)] == [asker.email]
    later = deadlines["bid_deadline"] + timedelta(days=7)
    publishing.publish_addendum(session, bus, admin, change_note="Bids a week later.",
                                bid_deadline=later)
    [message] = outbox(session, kind="addendum_published")
    assert message.to == asker.email and "Bids a week later." in message.body
    assert f"The bid deadline is now {later:%Y-%m-%d %H:%M} UTC" in message.body
    assert f"(was {deadlines['bid_deadline']:%Y-%m-%d %H:%M} UTC)" in message.body
    assert "questions deadline" not in message.body  # it did not move
    assert outbox(session, to=rival.email, kind="addendum_published") == []
