"""A closed round with a succeeded run (tests/runs' hand-checked round), for what-if tests.

Los Angeles (6, 2027Q1-Q2) and Seattle (6, 2027Q2-Q3) share one 2027Q2 tranche of 12 at
95,000 plus the 10,000 tranche cost: 1,150,000, each paying 575,000 (alone 610,000). Seattle's
2 SAE-J3105 units in 2027Q4 stay unplaced. Without either city, the other buys its 6 alone for
610,000: each is worth 35,000 to the other.
"""

from __future__ import annotations

import pytest

from consortium.db import commit
from consortium.services.runs import create_run, execute_run
from tests.runs.conftest import closed_round, fresh  # noqa: F401  (fixtures and helper)


@pytest.fixture
def base_run(app, session, admin, closed_round):  # noqa: F811
    run = create_run(session, closed_round, admin, time_limit=30, gap=0)
    commit(session)
    assert execute_run(app.extensions["consortium.engine"], run.id) == "succeeded"
    session.expire_all()
    return session.get(type(run), run.id)
