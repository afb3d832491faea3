"""The demo's finished tender: the closed pilot round is published in the past, bid on by the
three demo vendors, and opened, so the demo shows tabulations; loading twice adds nothing."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from consortium.award import optimize_award, parse_award_problem
from consortium.db import commit
from consortium.models import Bid, BidOpening, BidStatus, Round
from consortium.publish.validate import validate_release_package
from consortium.services import bid_export
from consortium.services.demo_tender import seed_demo_tender
from consortium.services.fixtures import load_fixtures

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def test_the_demo_round_has_opened_bids_and_a_solvable_award_problem(session, sealer):
    load_fixtures(session, DEMO)
    commit(session)
    counts = seed_demo_tender(session, sealer=sealer)
    session.commit()
    assert counts["bid_packages"] >= 3 and counts["openings"] == counts["bid_packages"]
    assert counts["sealed_bids"] >= 2 * counts["bid_packages"]
    openings = session.exec(select(BidOpening)).all()
    vendors = set()
    for opening in openings:
        validate_release_package(opening.ocds)
        assert opening.tabulation["bids"], opening.tabulation["reference"]
        vendors |= {b["vendor"] for b in opening.tabulation["bids"]}
    assert vendors == {"Pacific Coach Works", "Cascade EV Fleet Sales", "Summit Electric Trucks"}
    assert {b.status for b in session.exec(select(Bid)).all()} == {BidStatus.OPENED}
    round_ = session.exec(select(Round).where(Round.slug == "2026-pilot")).one()
    result = optimize_award(parse_award_problem(bid_export.award_problem(session, round_)))
    assert result.awarded_units > 0
    assert seed_demo_tender(session, sealer=sealer) == {"bid_packages": 0, "sealed_bids": 0,
                                                        "openings": 0}


def test_the_demo_round_shows_its_tabulations_on_the_web(session, sealer, admin_client):
    """Each of the demo round's packages has its tabulation page: lots x the demo vendors with
    their prices, and every receipt."""
    from consortium.models import BidPackage
    load_fixtures(session, DEMO)
    commit(session)
    seed_demo_tender(session, sealer=sealer)
    session.commit()
    round_ = session.exec(select(Round).where(Round.slug == "2026-pilot")).one()
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)).all()
    assert packages
    for package in packages:
        tab = session.exec(select(BidOpening).where(BidOpening.package_id == package.id)
                           ).one().tabulation
        page = admin_client.get(f"/bids/packages/{package.id}/tabulation").get_data(as_text=True)
        assert 'class="tabulation"' in page, package.reference
        for bid in tab["bids"]:
            assert f'scope="col">{bid["vendor"]}</th>' in page
            assert bid["receipt_sha256"] in page
        assert "$" in page.split('class="tabulation"')[1].split("</table>")[0]
