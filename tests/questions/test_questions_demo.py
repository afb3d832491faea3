"""The demo's tender stage: the closed round optimized, approved and published by the demo
admin, then the demo vendors' questions asked and mostly answered; running it again adds nothing."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from consortium.cli import FIXTURES
from consortium.models import BidPackage, Question, QuestionStatus, Round
from consortium.services import demo_tender, questions
from consortium.services.fixture_checks import FixtureError
from consortium.services.fixtures import load_fixtures

DEMO = FIXTURES / "demo"


def test_demo_round_is_published_with_questions_and_answers(session, engine, client):
    load_fixtures(session, DEMO)
    counts = demo_tender.prepare(engine, DEMO, "2026-pilot")
    entries = json.loads((DEMO / "questions.json").read_text())["questions"]
    assert counts["packages"] >= 4 and counts["questions"] == len(entries) == 4
    session.expire_all()
    round_ = session.exec(select(Round).where(Round.slug == "2026-pilot")).one()
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)).all()
    assert len(packages) == counts["packages"]
    statuses = sorted(q.status for q in session.exec(select(Question)).all())
    assert statuses == ["answered"] * 3 + [QuestionStatus.OPEN]
    answered = [a for p in packages for a in questions.published(session, p)]
    assert {a.answer for a in answered} == {e["answer"] for e in entries if e.get("answer")}
    for p in packages:  # every public record validates (the endpoint validates before serving)
        assert client.get(f"/api/packages/{p.reference}/releases.json").status_code == 200
    assert demo_tender.prepare(engine, DEMO, "2026-pilot") == {"packages": 0, "questions": 0}


def test_unknown_vendor_or_product_in_the_questions_file_is_refused(session, tmp_path):
    (tmp_path / "questions.json").write_text(json.dumps({"questions": [
        {"round": "2026-pilot", "product": "NOPE", "vendor": "Nobody", "question": "?"}]}))
    with pytest.raises(FixtureError) as refused:
        demo_tender.add_questions(session, tmp_path)
    assert "questions[0].vendor" in str(refused.value) and "questions[0].product" in str(refused.value)
