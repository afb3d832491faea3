"""The demo's tender stage: the closed round's bid packages published, with vendors' questions.

`consortium demo` calls `prepare` after loading the demo consortium into an empty database: the
closed round is optimized, its plan approved by the demo admin and its packages published (the
usual deadlines: questions in 21 days, bids in 30), and then `add_questions` writes the INVENTED
questions of fixtures/demo/questions.json through the same services a vendor and an admin use.
Question times count from the package's publication, never later than now. Both steps are
idempotent: a published round is not published again, a question already asked is skipped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from consortium.db import session_scope, utcnow
from consortium.models import BidPackage, Product, Question, Round, Run, User, Vendor
from consortium.publish.inputs import ConsortiumInfo
from consortium.services import publishing, questions, runs
from consortium.services.fixture_checks import FixtureError

QUESTIONS_FILE = "questions.json"


def _admin(session: Session) -> User:
    admin = session.exec(select(User).where(User.role == "admin", User.active.is_(True))
                         .order_by(User.id)).first()
    if admin is None:
        raise FixtureError([(QUESTIONS_FILE, "", "the demo needs an admin user")])
    return admin


def publish_closed_round(engine: Engine, slug: str, consortium: ConsortiumInfo | None = None,
                         time_limit: float = 30.0) -> int:
    """Optimize, approve and publish the closed round `slug`, unless it is published already.

    Returns how many packages were published (0 when there was nothing to do).
    """
    with session_scope(engine) as session:
        round_ = session.exec(select(Round).where(Round.slug == slug)).first()
        if round_ is None or round_.status != "closed" or publishing.is_published(session,
                                                                                  round_.id):
            return 0
        admin = _admin(session)
        run_id = runs.create_run(session, round_, admin, time_limit=time_limit,
                                 note="demo: the plan whose packages the demo publishes").id
    if runs.execute_run(engine, run_id) != "succeeded":
        return 0
    with session_scope(engine) as session:
        run, admin = session.get(Run, run_id), _admin(session)
        runs.approve_run(session, run, admin)
        now = utcnow().replace(second=0, microsecond=0)
        packages = publishing.publish_round(
            session, run, admin, bid_deadline=now + timedelta(days=30),
            questions_deadline=now + timedelta(days=21), consortium=consortium)
        return len(packages)


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


def prepare(engine: Engine, folder: Path, slug: str,
            consortium: ConsortiumInfo | None = None) -> dict[str, int]:
    """Publish the demo's closed round and add its questions; the counts of what was new."""
    published = publish_closed_round(engine, slug, consortium)
    with session_scope(engine) as session:
        added = add_questions(session, folder)
        session.commit()
    return {"packages": published, "questions": added}
