"""Fixtures for the sealed-bid tests: the published demo round (tests/publish), approved vendors,
the app's sealer, bid contents, and a way to move a package's deadline into the past."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from consortium.services.sealing import BidContents
from tests import factories
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401  (fixtures)


@pytest.fixture
def sealer(app):
    return app.extensions["consortium.sealer"]


@pytest.fixture
def vendors(session):
    """Three approved vendors with one user each, and a pending one: {name: user}."""
    out = {}
    for name, status in (("Pacific Coach Works", "approved"), ("Transit Motors", "approved"),
                         ("Evergreen Bus", "approved"), ("Pending Coaches", "pending")):
        vendor = factories.make_vendor(session, name, status=status)
        slug = name.split()[0].lower()
        out[name] = factories.make_user(session, "vendor", vendor=vendor,
                                        email=f"sales@{slug}.example.com")
    return out


@pytest.fixture
def beb(published):
    """The BEB-40 package (lots LOT-1 2027Q1 12 units, LOT-2 2027Q2 30, LOT-3 2027Q3 6)."""
    return published["BEB-40"]


def contents(*prices, capacity=(), discounts=(), valid_until=None) -> BidContents:
    """Bid contents: prices as (lot, amount) pairs."""
    return BidContents(prices=tuple((lot, Decimal(str(p))) for lot, p in prices),
                       capacity=tuple(capacity),
                       discounts=tuple((tuple(lots), Decimal(str(a))) for lots, a in discounts),
                       valid_until=valid_until or date.today() + timedelta(days=120))


def _db_time(engine, when):
    # SQLite keeps UTC datetimes as text (as SQLAlchemy writes them); PostgreSQL takes them aware.
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") if engine.dialect.name == "sqlite" else when


def set_bid_deadline(engine, package, when) -> None:
    """Move the latest version's bid deadline (and the questions deadline, a day earlier) to
    `when`, by SQL: the ORM refuses to change a published version, as it should."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE packageversion SET bid_deadline = :when, questions_deadline = :q "
                          "WHERE package_id = :pid"),
                     {"when": _db_time(engine, when), "pid": package.id,
                      "q": _db_time(engine, when - timedelta(days=1))})
