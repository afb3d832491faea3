"""The demo vendors' questions on the published packages of the demo's closed round.

`consortium demo` calls `add_questions` after the demo tender (services.demo_tender) has published
the closed round's packages: it writes the INVENTED questions of fixtures/demo/questions.json
through the same services a vendor and an admin use. Question times count from the package's
publication, never later than now. Idempotent: a question already asked is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import BidPackage, Product, Question, Round, User, Vendor
from consortium.services import publishing, questions
from consortium.services.fixture_checks import FixtureError

QUESTIONS_FILE = "questions.json"


def _admin(session: Session) -> User:
    admin = session.exec(select(User).where(User.role == "admin", User.active.is_(True))
                         .order_by(User.id)).first()
    if admin is None:
        raise FixtureError([(QUESTIONS_FILE, "", "the demo needs an admin user")])
    return admin


def _read(folder: Path) -> list[dict]:
    path = folder / QUESTIONS_FILE
    if not path.exists():
        return []
    return json.loads(path.read_text(encoding="utf-8")).get("questions", [])


def _at(published: datetime, minutes, now: datetime) -> datetime:
    return min(published + timedelta(minutes=float(minutes)), now)


def add_questions(session: Session, folder: Path) -> int:
    """Ask (and answer) the file's questions on published packages; how many were new.

    Entries whose round has no published package for the product are skipped; unknown vendors or
    products are a FixtureError, listing every one, and nothing is written.
    """
    entries = _read(folder)
    vendors = {v.name: v for v in session.exec(select(Vendor)).all()}
    products = {p.code: p for p in session.exec(select(Product)).all()}
    problems = []
    for n, e in enumerate(entries):
        if e.get("vendor") not in vendors:
            problems.append((QUESTIONS_FILE, f"questions[{n}].vendor", "names no vendor"))
        if e.get("product") not in products:
            problems.append((QUESTIONS_FILE, f"questions[{n}].product", "names no product"))
    if problems:
        raise FixtureError(problems)
    added, now = 0, utcnow()
    for e in entries:
        package = session.exec(select(BidPackage).join(Round, Round.id == BidPackage.round_id)
                               .where(Round.slug == e["round"],
                                      BidPackage.product_id == products[e["product"]].id)).first()
        if package is None or session.exec(select(Question.id).where(
                Question.package_id == package.id, Question.text == e["question"])).first():
            continue
        published_at = publishing.versions(session, package)[0].published_at
        published_at = published_at if published_at.tzinfo else published_at.replace(
            tzinfo=now.tzinfo)
        asker = session.exec(select(User).where(User.vendor_id == vendors[e["vendor"]].id)
                             .order_by(User.id)).first()
        question = questions.ask(session, asker, package, e["question"],
                                 now=_at(published_at, e.get("asked_after_minutes", 0), now))
        if e.get("answer"):
            questions.answer(session, _admin(session), question, e["answer"],
                             now=_at(published_at, e.get("answered_after_minutes", 0), now))
        added += 1
    session.flush()
    return added
