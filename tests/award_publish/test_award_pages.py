"""The award pages: the public notice (linked from the package notices), the contracts of a city
and of a vendor (never another's), a vendor's results, and the admin's publication with its
confirmation."""

from __future__ import annotations

import hashlib
import html

import pytest
from sqlmodel import select

from consortium.db import commit
from consortium.models import AwardContract, AwardRun, Notification
from consortium.services.award_publish import publish_award
from tests.award_publish.conftest import award_run
from tests.conftest import login


@pytest.fixture
def published_award(session, approved_run, admin):
    publish_award(session, approved_run, admin)
    commit(session)
    return approved_run


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _contract(session, member: str, vendor: str) -> AwardContract:
    return session.exec(select(AwardContract).where(AwardContract.member_name == member,
                                                    AwardContract.vendor_name == vendor)).one()


def test_the_public_notice_lists_lots_winners_prices_and_unawarded_lots(client, published_award,
                                                                        opened):
    page = client.get("/awards/2027-clean-fleet")
    assert page.status_code == 200
    text = _text(page)
    for expected in ("Award notice: 2027 Clean Fleet Round", "Pacific Coach Works",
                     "$1,050,000.00", "$12,600,000.00", "Evergreen Bus", "$1,090,000.50",
                     "Transit Motors", "$31,000.00", "not awarded", "no bid priced it",
                     "$700,000.00 off for winning BEB-40/LOT-1, BEB-40/LOT-2"):
        assert expected in text, expected
    assert "2027-clean-fleet" in _text(client.get("/awards/"))
    # The package's public notice links to the award notice.
    package_page = _text(client.get(f"/notices/{opened['BEB-40'].reference}"))
    assert "/awards/2027-clean-fleet" in package_page and "Award notice" in package_page


def test_no_notice_before_publication(client, approved_run):
    assert client.get("/awards/2027-clean-fleet").status_code == 404
    assert client.get("/awards/no-such-round").status_code == 404
    assert "No award has been published yet" in _text(client.get("/awards/"))


def test_a_fleet_manager_sees_and_downloads_only_its_citys_contracts(client, session,
                                                                     published_award, city_users):
    login(client, city_users["Los Angeles"])
    page = _text(client.get("/awards/contracts"))
    assert "Contracts of Los Angeles" in page and "Pacific Coach Works" in page
    assert "Seattle" not in page and "Long Beach" not in page
    mine = _contract(session, "Los Angeles", "Pacific Coach Works")
    pdf = client.get(f"/awards/contracts/{mine.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == mine.pdf_sha256
    assert "attachment" in pdf.headers["Content-Disposition"]
    csv = client.get(f"/awards/contracts/{mine.id}.csv")
    assert csv.data == mine.csv and csv.headers["Cache-Control"] == "no-store"
    other = _contract(session, "Seattle", "Evergreen Bus")
    assert client.get(f"/awards/contracts/{other.id}.pdf").status_code == 404
    assert client.get(f"/awards/contracts/{other.id}.csv").status_code == 404
    assert client.get(f"/awards/contracts/{mine.id}.exe").status_code == 404


def test_a_city_without_contracts_sees_an_empty_state(client, published_award, city_users):
    login(client, city_users["Denver"])
    assert "No contracts yet" in _text(client.get("/awards/contracts"))


def test_a_vendor_sees_its_results_and_its_own_contracts(client, session, published_award,
                                                         vendors):
    login(client, vendors["Evergreen Bus"])
    results = _text(client.get("/awards/results"))
    assert "won 1 lot" in results and "BEB-40/LOT-3" in results
    assert "Not won: BEB-40/LOT-1." in results and "Seattle" in results
    contracts = _text(client.get("/awards/contracts"))
    assert "Evergreen Bus" in contracts and "Pacific Coach Works" not in contracts
    theirs = _contract(session, "Los Angeles", "Pacific Coach Works")
    assert client.get(f"/awards/contracts/{theirs.id}.pdf").status_code == 404
    mine = _contract(session, "Seattle", "Evergreen Bus")
    assert client.get(f"/awards/contracts/{mine.id}.pdf").status_code == 200


def test_the_admin_confirms_then_publishes_once(client, session, approved_run, admin):
    login(client, admin)
    page = _text(client.get(f"/awards/runs/{approved_run.id}/publish"))
    assert "Publishing is final" in page and "issue 6 contracts" in page
    assert "data-confirm" in page
    refused = client.post(f"/awards/runs/{approved_run.id}/publish", data={})
    assert refused.status_code == 422 and "Tick the box" in _text(refused)
    session.expire_all()
    assert session.get(AwardRun, approved_run.id).published_at is None
    done = client.post(f"/awards/runs/{approved_run.id}/publish", data={"confirm": "y"},
                       follow_redirects=True)
    assert "published: 6 contract(s) issued" in _text(done)
    assert "Award notice: 2027 Clean Fleet Round" in _text(done)
    session.expire_all()
    assert session.get(AwardRun, approved_run.id).published_at is not None
    assert len(session.exec(select(AwardContract)).all()) == 6
    again = client.post(f"/awards/runs/{approved_run.id}/publish", data={"confirm": "y"},
                        follow_redirects=True)
    assert "already published" in _text(again)
    assert len(session.exec(select(AwardContract)).all()) == 6
    assert session.exec(select(Notification).where(Notification.kind == "award_published")).all()


def test_an_unapproved_run_cannot_be_published_from_the_page(client, session, opened, demo_round,
                                                             admin):
    run = award_run(session, demo_round[0], admin, approved=False)
    login(client, admin)
    assert "Only an approved award run" in _text(client.get(f"/awards/runs/{run.id}/publish"))
    refused = client.post(f"/awards/runs/{run.id}/publish", data={"confirm": "y"},
                          follow_redirects=True)
    assert "Only an approved award run can be published" in _text(refused)
    assert session.exec(select(AwardContract)).all() == []


def test_nav_shows_contracts_and_results(client, published_award, city_users, vendors):
    login(client, city_users["Los Angeles"])
    assert 'href="/awards/contracts"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, vendors["Pacific Coach Works"])
    home = client.get("/").get_data(as_text=True)
    assert 'href="/awards/results"' in home and 'href="/awards/contracts"' in home


def test_the_tabulation_links_to_the_published_award(client, published_award, opened, vendors):
    login(client, vendors["Evergreen Bus"])
    page = _text(client.get(f"/bids/packages/{opened['BEB-40'].id}/tabulation"))
    assert "/awards/2027-clean-fleet" in page and "/awards/results" in page


def test_the_award_run_page_offers_publication_once_approved(client, session, approved_run,
                                                             admin):
    login(client, admin)
    page = _text(client.get(f"/admin/award-runs/{approved_run.id}"))
    assert f"/awards/runs/{approved_run.id}/publish" in page and "Publish this award" in page
    publish_award(session, approved_run, admin)
    commit(session)
    page = _text(client.get(f"/admin/award-runs/{approved_run.id}"))
    assert "Publish this award" not in page and "/awards/2027-clean-fleet" in page


def test_an_unapproved_run_page_has_no_publish_button(client, session, opened, demo_round, admin):
    run = award_run(session, demo_round[0], admin, approved=False)
    login(client, admin)
    assert "Publish this award" not in _text(client.get(f"/admin/award-runs/{run.id}"))
