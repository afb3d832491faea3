"""Questions and answers through the web app: vendors ask, admins answer on a package's page,
everyone else sees the answer without the asker; access, CSRF and bad input."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from consortium.db import utcnow
from consortium.models import Answer, PackageVersion, Question, QuestionStatus
from consortium.services import publishing, questions
from tests import factories
from tests.conftest import csrf_token, login


def _ask_web(client, package, text):
    return client.post(f"/vendors/packages/{package.id}/questions", data={"text": text})


def _status(session, question_id: int) -> str:
    session.expire_all()  # the web request changed the row in its own session
    return session.get(Question, question_id).status


def _question(session, user, package, text, **kw):
    q = questions.ask(session, user, package, text, **kw)
    session.commit()
    return q


def test_vendor_asks_on_the_package_page_and_sees_it_as_open(client, session, asker, published):
    bus = published["BEB-40"]
    login(client, asker)
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    assert "Ask a question" in page and "No question has been answered yet." in page
    response = _ask_web(client, bus, "Is CCS1 required on every bus?")
    assert response.status_code == 302 and response.headers["Location"].endswith("#questions")
    [q] = session.exec(select(Question)).all()
    assert (q.vendor_id, q.user_id, q.status) == (asker.vendor_id, asker.id, "open")
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    assert "Your company's questions" in page and "Is CCS1 required on every bus?" in page


def test_empty_or_late_questions_are_refused_with_a_message(client, session, asker, published,
                                                           deadlines):
    bus = published["BEB-40"]
    login(client, asker)
    response = _ask_web(client, bus, "   ")
    assert response.status_code == 422 and "Write your question." in response.get_data(as_text=True)
    # The questions deadline passes: the web uses the server's clock, so the stored deadline is
    # moved into the past (past the frozen-row guard, which only watches ORM changes).
    past = utcnow() - timedelta(minutes=1)
    session.execute(PackageVersion.__table__.update()
                    .where(PackageVersion.package_id == bus.id).values(questions_deadline=past))
    session.commit()
    response = _ask_web(client, bus, "Too late?")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "questions are no longer accepted" in text
    assert "Ask a question" not in text and "has passed; no more questions are taken" in text
    assert session.exec(select(Question)).all() == []


def test_pending_vendors_and_fleet_managers_are_refused(client, session, pending, published):
    bus = published["BEB-40"]
    login(client, pending)
    assert _ask_web(client, bus, "Let me in?").status_code == 403
    assert client.get(f"/vendors/packages/{bus.id}").status_code == 403
    client.post("/logout")
    login(client, factories.make_user(session, "fleet_manager"))
    assert _ask_web(client, bus, "Fleet question?").status_code == 403
    assert client.get("/admin/questions/").status_code == 403
    assert client.get(f"/admin/questions/package/{bus.id}").status_code == 403
    assert session.exec(select(Question)).all() == []


def test_vendors_see_their_own_open_questions_only(client, session, asker, rival, published):
    bus = published["BEB-40"]
    theirs = _question(session, asker, bus, "A secret question from Pacific")
    login(client, rival)
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    assert "A secret question from Pacific" not in page
    # Admin routes are closed to vendors, whatever the id.
    for url in (f"/admin/questions/package/{bus.id}", "/admin/questions/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/admin/questions/{theirs.id}/answer",
                       data={f"q{theirs.id}-text": "Rival's answer"}).status_code == 403
    assert session.exec(select(Answer)).all() == []


def test_admin_home_lists_unanswered_questions_oldest_first(client, session, admin, asker, rival,
                                                            published, deadlines):
    bus, sedan = published["BEB-40"], published["SEDAN-EV"]
    start = deadlines["questions_deadline"] - timedelta(days=3)
    _question(session, rival, bus, "Second question", now=start + timedelta(hours=1))
    _question(session, asker, sedan, "First question", now=start)
    login(client, admin)
    page = client.get("/").get_data(as_text=True)
    assert "Unanswered questions (2)" in page and "Answer 2 vendor questions" in page
    assert page.index("First question") < page.index("Second question")
    listing = client.get("/admin/questions/").get_data(as_text=True)
    assert listing.index("First question") < listing.index("Second question")
    assert "Pacific Coach Works" in listing  # admins see who asked


def test_admin_answers_and_other_vendors_see_it_without_the_asker(client, session, admin, asker,
                                                                  rival, published):
    bus = published["BEB-40"]
    q = _question(session, asker, bus, "Is CCS1 required on every bus?")
    login(client, admin)
    page = client.get(f"/admin/questions/package/{bus.id}").get_data(as_text=True)
    assert "Pacific Coach Works" in page and f'name="q{q.id}-text"' in page
    response = client.post(f"/admin/questions/{q.id}/answer", data={f"q{q.id}-text": ""})
    assert response.status_code == 422 and "Write the answer." in response.get_data(as_text=True)
    response = client.post(f"/admin/questions/{q.id}/answer",
                           data={f"q{q.id}-text": "Yes: CCS1 on every bus of the lot."})
    assert response.status_code == 302
    assert _status(session, q.id) == QuestionStatus.ANSWERED
    again = client.post(f"/admin/questions/{q.id}/answer", data={f"q{q.id}-text": "Changed."})
    assert again.status_code == 422 and "already been answered" in again.get_data(as_text=True)
    assert "No question is waiting" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, rival)
    page = client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    assert "Is CCS1 required on every bus?" in page and "Yes: CCS1 on every bus of the lot." in page
    assert "Pacific" not in page and asker.email not in page
    assert page.count('id="questions"') == 1 and re.search(r"<title>[^<]*</title>", page)
    notices = client.get(f"/notices/{bus.reference}").get_data(as_text=True)
    assert "Yes: CCS1 on every bus of the lot." in notices and "Pacific" not in notices


def test_admin_marks_a_question_answered_by_an_addendum(client, session, admin, asker, published):
    bus = published["BEB-40"]
    q = _question(session, asker, bus, "Can lot 3 move?")
    login(client, admin)
    page = client.get(f"/admin/questions/package/{bus.id}").get_data(as_text=True)
    assert "publish one</a> first" in page  # no addendum yet
    v1 = publishing.publish_addendum(session, bus, admin, change_note="Lot 3 moved to 2027Q4.")
    sedan_v1 = publishing.publish_addendum(session, published["SEDAN-EV"], admin,
                                           change_note="Sedan change.")
    session.commit()
    response = client.post(f"/admin/questions/{q.id}/addendum",
                           data={f"q{q.id}-version_id": str(sedan_v1.id)})
    assert response.status_code == 422  # another package's addendum is not a choice
    assert _status(session, q.id) == "open"
    response = client.post(f"/admin/questions/{q.id}/addendum",
                           data={f"q{q.id}-version_id": str(v1.id), f"q{q.id}-note": ""})
    assert response.status_code == 302
    assert _status(session, q.id) == QuestionStatus.ANSWERED_BY_ADDENDUM
    public = client.get(f"/notices/{bus.reference}").get_data(as_text=True)
    assert "Answered by addendum 1: Lot 3 moved to 2027Q4." in public


def test_question_pages_404_for_unknown_or_hidden_rows(client, session, admin, asker, published):
    login(client, admin)
    assert client.get("/admin/questions/package/999999").status_code == 404
    assert client.post("/admin/questions/999999/answer", data={}).status_code == 404
    client.post("/logout")
    login(client, asker)
    assert client.post("/vendors/packages/999999/questions", data={"text": "x"}).status_code == 404
    assert client.get("/notices/no-such-reference").status_code == 404


def test_admin_package_questions_are_paginated(client, session, admin, asker, published):
    bus = published["BEB-40"]
    for n in range(23):
        _question(session, asker, bus, f"Question number {n:02d}")
    login(client, admin)
    first = client.get(f"/admin/questions/package/{bus.id}").get_data(as_text=True)
    assert "Question number 00" in first and "Question number 22" not in first
    assert "Page 1 of 2" in first and f"/admin/questions/package/{bus.id}?page=2" in first
    second = client.get(f"/admin/questions/package/{bus.id}?page=2").get_data(as_text=True)
    assert "Question number 22" in second and "Question number 00" not in second


def test_asking_and_answering_need_csrf_tokens(csrf_client, session, admin, asker, published):
    bus = published["BEB-40"]
    login_csrf(csrf_client, asker)
    assert csrf_client.post(f"/vendors/packages/{bus.id}/questions",
                            data={"text": "No token?"}).status_code == 400
    page = csrf_client.get(f"/vendors/packages/{bus.id}").get_data(as_text=True)
    token = csrf_token(page[page.index('id="questions"'):])
    assert csrf_client.post(f"/vendors/packages/{bus.id}/questions",
                            data={"text": "With a token", "csrf_token": token}).status_code == 302
    [q] = session.exec(select(Question)).all()
    csrf_client.post("/logout", data={"csrf_token": token})
    login_csrf(csrf_client, admin)
    assert csrf_client.post(f"/admin/questions/{q.id}/answer",
                            data={f"q{q.id}-text": "No token"}).status_code == 400
    page = csrf_client.get(f"/admin/questions/package/{bus.id}").get_data(as_text=True)
    token = re.search(rf'name="q{q.id}-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = csrf_client.post(f"/admin/questions/{q.id}/answer",
                                data={f"q{q.id}-text": "With a token", f"q{q.id}-csrf_token": token})
    assert response.status_code == 302
    assert [a.text for a in session.exec(select(Answer)).all()] == ["With a token"]


def login_csrf(client, user) -> None:
    """Sign in through the form, with the page's CSRF token."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_the_access_rule_for_questions(app, session, admin, asker, rival, published):
    """load_or_404: the asker's company and admins see an open question; other vendors and fleet
    managers get 404 until it is answered, and fleet managers never."""
    import pytest
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    from consortium.web.access import load_or_404
    fleet = factories.make_user(session, "fleet_manager")
    q = _question(session, asker, published["BEB-40"], "Open for now")

    def sees(user) -> bool:
        with app.test_request_context():
            login_user(user)
            try:
                return load_or_404(Question, q.id).id == q.id
            except NotFound:
                return False

    assert [sees(u) for u in (asker, admin, rival, fleet)] == [True, True, False, False]
    questions.answer(session, admin, q, "Now public.")
    session.commit()
    assert [sees(u) for u in (asker, admin, rival, fleet)] == [True, True, True, False]
    with pytest.raises(NotFound):
        with app.test_request_context():
            login_user(rival)
            load_or_404(Question, 999999)
