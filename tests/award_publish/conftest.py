"""Fixtures for the award publication tests: the published demo round (tests/publish) with bids
on both packages, opened after their deadline, and an approved award run of its award problem.

BEB-40 (LOT-1 2027Q1 12 units: Los Angeles 8, Long Beach 4; LOT-2 2027Q2 30: Los Angeles 20,
San Diego 10; LOT-3 2027Q3 6: Seattle 6): Pacific prices LOT-1 and LOT-2 with $700,000 off for
both, Evergreen LOT-1 and LOT-3. SEDAN-EV (LOT-1 2027Q1 40: Seattle 15, Portland 25; LOT-2 2027Q2
60: Denver 35, Los Angeles 25): Transit prices LOT-1 only, so LOT-2 is unawarded.
Pacific wins BEB LOT-1 and LOT-2 (12 x 1,050,000 + 30 x 1,040,000 - 700,000 = 43,100,000 beats
Evergreen's LOT-1 at 12,000,000 + Pacific's LOT-2 alone at 31,200,000 = 43,200,000).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.award import award_to_dict, optimize_award, parse_award_problem
from consortium.db import commit, utcnow
from consortium.models import AwardRun, Member
from consortium.services import bid_export, bid_opening, bids
from tests import factories
from tests.bids.conftest import contents, set_bid_deadline, vendors  # noqa: F401  (fixtures)
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401  (fixtures)


def award_run(session, round_, admin, *, approved: bool = True) -> AwardRun:
    """A succeeded award run of the round's opened bids (approved unless told otherwise)."""
    problem = bid_export.award_problem(session, round_)
    result = award_to_dict(optimize_award(parse_award_problem(problem)))
    now = utcnow()
    run = AwardRun(round_id=round_.id, status="succeeded", problem=problem, result=result,
                   finished_at=now, approved_at=now if approved else None,
                   approved_by_id=admin.id if approved else None)
    session.add(run)
    session.commit()
    return run


@pytest.fixture
def opened(session, engine, published, vendors, admin, app):  # noqa: F811
    """Bids on both packages, opened after their (moved) deadline: {product code: package}."""
    sealer = app.extensions["consortium.sealer"]
    beb, sedan = published["BEB-40"], published["SEDAN-EV"]
    bids.submit_bid(session, beb, vendors["Pacific Coach Works"],
                    contents(("LOT-1", 1050000), ("LOT-2", 1040000),
                             discounts=[(("LOT-1", "LOT-2"), 700000)]), sealer=sealer)
    bids.submit_bid(session, beb, vendors["Evergreen Bus"],
                    contents(("LOT-1", 1000000), ("LOT-3", "1090000.50")), sealer=sealer)
    bids.submit_bid(session, sedan, vendors["Transit Motors"], contents(("LOT-1", 31000)),
                    sealer=sealer)
    session.commit()
    past = utcnow() - timedelta(hours=1)
    for package in (beb, sedan):
        set_bid_deadline(engine, package, past)
    session.expire_all()
    for package in (beb, sedan):
        bid_opening.open_package(session, package, admin, sealer=sealer)
    commit(session)
    return published


@pytest.fixture
def approved_run(session, opened, demo_round, admin):  # noqa: F811
    """The approved award run of the demo round's opened bids."""
    return award_run(session, demo_round[0], admin)


@pytest.fixture
def city_users(session, opened):
    """A fleet manager of Los Angeles and one of Denver (which wins nothing): {city: user}."""
    out = {}
    for city in ("Los Angeles", "Denver"):
        member = session.exec(select(Member).where(Member.name == city)).one()
        out[city] = factories.make_user(session, "fleet_manager", member=member,
                                        email=f"fleet@{city.split()[0].lower()}.example.com")
    return out
