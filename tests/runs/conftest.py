"""A small closed round whose optimal plan is easy to check by hand.

Product BUS: tiers 1 -> 100,000; 10 -> 95,000; 25 -> 90,000; vendor minimum 5; tranche cost 10,000.
Los Angeles wants 6 (2027Q1-Q2), Seattle 6 (2027Q2-Q3): pooled in one 2027Q2 tranche of 12 at
95,000 = 1,150,000 with the tranche cost. Alone each pays 6 x 100,000 + 10,000 = 610,000; in the
consortium 6 x 95,000 + 5,000 = 575,000, so each saves 35,000. Seattle's 2 SAE-J3105 units in
2027Q4 are below the vendor minimum with nobody to share: unplaced.
"""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def closed_round(session, member, other_member):
    round_ = factories.make_round(session, status="closed", slug="test-round", name="Test round 2027")
    product = factories.make_product(session, "BUS", tiers=((1, 100000), (10, 95000), (25, 90000)),
                                     min_tranche=5, tranche_cost=10000)
    factories.make_line(session, round=round_, member=member, product=product, quantity=6,
                        ref="LA-1", earliest="2027Q1", latest="2027Q2")
    factories.make_line(session, round=round_, member=other_member, product=product, quantity=6,
                        ref="SEA-1", earliest="2027Q2", latest="2027Q3")
    factories.make_line(session, round=round_, member=other_member, product=product, quantity=2,
                        ref="SEA-2", earliest="2027Q4", latest="2027Q4",
                        options={"charging": "SAE-J3105"})
    return round_


def fresh(session, row):
    """The row as the database has it now (other sessions wrote it)."""
    session.expire_all()
    return session.get(type(row), row.id)
