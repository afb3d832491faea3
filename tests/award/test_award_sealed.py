"""The award stage never opens a sealed bid: before the deadline there is nothing to evaluate or
award, and nothing is decrypted on the way."""

from __future__ import annotations

import pytest
from sqlmodel import select

from consortium.models import AwardRun, Bid, BidOpening, BidStatus, BidVersion, Round
from consortium.services import awards
from consortium.services.errors import NotAllowed
from consortium.services.bids import submit_bid
from tests.bids.conftest import beb, contents, vendors  # noqa: F401  (fixtures)
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401  (fixtures)


def test_sealed_bids_are_neither_evaluated_nor_awarded_before_the_opening(
        session, published, beb, vendors, admin, sealer, monkeypatch):  # noqa: F811
    version = submit_bid(session, beb, vendors["Pacific Coach Works"],
                         contents(("LOT-1", 1050000)), sealer=sealer)
    session.commit()
    bid = session.get(Bid, version.bid_id)

    def no_unsealing(*_args, **_kwargs):
        raise AssertionError("a sealed bid was decrypted before its deadline")

    monkeypatch.setattr(type(sealer), "unseal", no_unsealing)
    with pytest.raises(NotAllowed, match="not opened yet"):
        awards.set_evaluation(session, bid, admin, responsive=False, reason="Late bond")
    round_ = session.get(Round, beb.round_id)
    with pytest.raises(NotAllowed, match="not opened yet"):
        awards.create_award_run(session, round_, admin)
    assert awards.opened_bids(session, round_) == []
    session.rollback()
    assert session.get(Bid, bid.id).status == BidStatus.SEALED
    assert session.exec(select(BidOpening)).all() == []
    assert session.exec(select(AwardRun)).all() == []
    assert len(session.exec(select(BidVersion)).all()) == 1
