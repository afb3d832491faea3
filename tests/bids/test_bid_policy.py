"""The access rules of sealed bids (consortium.policy): a vendor sees its own bid only; an admin
sees that a bid exists but not its sealed versions until the bids are opened, and never changes a
bid; the same rule answers for one row and filters a list."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from consortium import policy
from consortium.models import Bid, BidVersion
from consortium.services import bid_opening, bids
from tests.bids.conftest import contents


def test_sealed_versions_are_hidden_even_from_admins_until_the_opening(session, beb, vendors,
                                                                       admin, sealer):
    mine, other = vendors["Transit Motors"], vendors["Evergreen Bus"]
    row = bids.submit_bid(session, beb, mine, contents(("LOT-1", 100)), sealer=sealer)
    bids.submit_bid(session, beb, other, contents(("LOT-1", 90)), sealer=sealer)
    session.commit()
    bid = session.get(Bid, row.bid_id)
    assert policy.can_see(mine, bid, session) and policy.can_change(mine, bid, session)
    assert not policy.can_see(other, bid, session)
    assert policy.can_see(admin, bid, session) and not policy.can_change(admin, bid, session)
    assert policy.can_see(mine, row, session) and not policy.can_see(other, row, session)
    assert not policy.can_see(admin, row, session)
    for user, expected in ((mine, 1), (other, 1), (admin, 0)):
        listed = session.exec(select(BidVersion).where(policy.visible(user, BidVersion))).all()
        assert len(listed) == expected
    deadline = bids.aware(bids.latest(session, beb).bid_deadline)
    bid_opening.open_package(session, beb, admin, sealer=sealer,
                             now=deadline + timedelta(minutes=1))
    session.commit()
    assert policy.can_see(admin, row, session)
    assert len(session.exec(select(BidVersion).where(policy.visible(admin, BidVersion))).all()) == 2
