"""Fixtures of the award stage in the app: the demo's finished tender (opened bids) and admins."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from consortium.db import commit
from consortium.models import Round
from consortium.services.demo_tender import DEMO_ROUND, seed_demo_tender
from consortium.services.fixtures import load_fixtures

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


@pytest.fixture
def sealer(app):
    return app.extensions["consortium.sealer"]


@pytest.fixture
def tender(session, sealer) -> Round:
    """The demo consortium with its pilot round published, bid on by three vendors and opened."""
    load_fixtures(session, DEMO)
    commit(session)
    seed_demo_tender(session, sealer=sealer)
    session.commit()
    return session.exec(select(Round).where(Round.slug == DEMO_ROUND)).one()
