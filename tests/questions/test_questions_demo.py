"""The demo vendors' questions on the demo tender's published packages (services.demo_tender
publishes the closed round): asked and mostly answered; running it again adds nothing."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from consortium.cli import FIXTURES
from consortium.models import BidPackage, Question, QuestionStatus, Round
from consortium.db import commit
from consortium.services import demo_questions, questions
from consortium.services.demo_tender import seed_demo_tender
from consortium.services.fixture_checks import FixtureError
from consortium.services.fixtures import load_fixtures

DEMO = FIXTURES / "demo"


def test_demo_round_is_published_with_questions_and_answers(app, session, engine, client):
    sealer = app.extensions["consortium.sealer"]
    load_fixtures(session, DEMO)
    commit(session)
    published = seed_demo_tender(session, sealer=sealer)["bid_packages"]
    added = demo_questions.add_questions(session, DEMO)
    commit(session)
    entries = json.loads((DEMO / "questions.json").read_text())["questions"]
    assert published >= 3 and added == len(entries) == 4
    session.expire_all()
    round_ = session.exec(select(Round).where(Round.slug == "2026-pilot")).one()
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)).all()
    assert len(packages) == published
    statuses = sorted(q.status for q in session.exec(select(Question)).all())
    assert statuses == ["answered"] * 3 + [QuestionStatus.OPEN]
    answered = [a for p in packages for a in questions.published(session, p)]
    assert {a.answer for a in answered} == {e["answer"] for e in entries if e.get("answer")}
    for p in packages:  # every public record validates (the endpoint validates before serving)
        assert client.get(f"/api/packages/{p.reference}/releases.json").status_code == 200
    assert demo_questions.add_questions(session, DEMO) == 0


def test_unknown_vendor_or_product_in_the_questions_file_is_refused(session, tmp_path):
    (tmp_path / "questions.json").write_text(json.dumps({"questions": [
        {"round": "2026-pilot", "product": "NOPE", "vendor": "Nobody", "question": "?"}]}))
    with pytest.raises(FixtureError) as refused:
        demo_questions.add_questions(session, tmp_path)
    assert "questions[0].vendor" in str(refused.value) and "questions[0].product" in str(refused.value)
