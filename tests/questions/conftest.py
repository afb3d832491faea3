"""Fixtures for the questions-and-answers tests: the demo round published, two approved vendors
and a pending one, each with a user."""

from __future__ import annotations

import pytest

from tests import factories
from tests.notify.conftest import inbox, outbox  # noqa: F401 (helpers for the tests)
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401 (fixtures)


@pytest.fixture
def asker(session):
    """An approved vendor's user who asks questions."""
    vendor = factories.make_vendor(session, "Pacific Coach Works", status="approved")
    return factories.make_user(session, "vendor", vendor=vendor, email="bids@pacific.example")


@pytest.fixture
def rival(session):
    """Another approved vendor's user, who must never learn who asked."""
    vendor = factories.make_vendor(session, "Cascade EV Fleet Sales", status="approved")
    return factories.make_user(session, "vendor", vendor=vendor, email="sales@cascade.example")


@pytest.fixture
def pending(session):
    """A vendor user whose company is not approved yet."""
    vendor = factories.make_vendor(session, "Pending Motors", status="pending")
    return factories.make_user(session, "vendor", vendor=vendor, email="new@pending.example")
