"""Publishing an award run: only approved, only once; contracts stored frozen with their hashes,
every bidder told what it won and lost, the public record gains valid award and contract
releases, and each user sees only the contracts that are theirs."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
from decimal import Decimal

import pytest
from sqlmodel import select

from consortium import policy
from consortium.db import commit
from consortium.models import (AuditEntry, AwardContract, AwardRelease, Notification,
                               PublishedAwardIsFrozen, User)
from consortium.publish.award_inputs import money
from consortium.publish.validate import validate_release_package
from consortium.services import award_notices, public_record
from consortium.services.award_publish import PublishRefused, publish_award
from consortium.services.errors import ServiceError
from tests.award_publish.conftest import award_run


def _contracts(session) -> dict[tuple[str, str], AwardContract]:
    return {(c.member_name, c.vendor_name): c for c in session.exec(select(AwardContract))}


def test_publish_stores_one_contract_per_member_and_vendor(session, approved_run, admin):
    rows = publish_award(session, approved_run, admin)
    commit(session)
    assert approved_run.published_at is not None and approved_run.published_by_id == admin.id
    contracts = _contracts(session)
    assert sorted(contracts) == [
        ("Long Beach", "Pacific Coach Works"), ("Los Angeles", "Pacific Coach Works"),
        ("Portland", "Transit Motors"), ("San Diego", "Pacific Coach Works"),
        ("Seattle", "Evergreen Bus"), ("Seattle", "Transit Motors")]
    assert len(rows) == 6
    la = contracts[("Los Angeles", "Pacific Coach Works")]
    # 8 x 1,050,000 + 20 x 1,040,000 = 29,200,000; its share of the 700,000 discount is
    # 700,000 x 29.2 / 43.8 = 466,666.67 (by hand).
    assert (la.units, la.gross, la.discount, la.net) == (
        28, Decimal("29200000.00"), Decimal("466666.67"), Decimal("28733333.33"))
    # The nets add up to the award's total cost within a cent per contract.
    total = sum(c.net for c in contracts.values())
    assert abs(total - money(approved_run.result["total_cost"])) <= Decimal("0.01") * len(rows)
    for c in contracts.values():
        assert hashlib.sha256(c.pdf).hexdigest() == c.pdf_sha256
        assert hashlib.sha256(c.csv).hexdigest() == c.csv_sha256
    lines = list(csv.DictReader(io.StringIO(la.csv.decode())))
    assert [(r["row"], r["lot"], r["units"]) for r in lines] == [
        ("line", "BEB-40/LOT-1", "8"), ("line", "BEB-40/LOT-2", "20"),
        ("discount", "BEB-40/LOT-1 BEB-40/LOT-2", ""), ("net", "", "28")]


def test_the_contract_carries_the_delivery_address_the_package_published(session, approved_run,
                                                                         admin):
    publish_award(session, approved_run, admin)
    la = _contracts(session)[("Los Angeles", "Pacific Coach Works")]
    from pypdf import PdfReader
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(la.pdf)).pages).split())
    assert "2500 E 15th St, Los Angeles" in text and la.reference in text


def test_only_an_approved_run_is_published(session, opened, demo_round, admin):
    run = award_run(session, demo_round[0], admin, approved=False)
    with pytest.raises(PublishRefused, match="approved"):
        publish_award(session, run, admin)
    assert run.published_at is None
    assert session.exec(select(AwardContract)).all() == []


def test_a_run_is_published_once(session, approved_run, admin):
    publish_award(session, approved_run, admin)
    commit(session)
    with pytest.raises(PublishRefused, match="already published"):
        publish_award(session, approved_run, admin)
    assert len(session.exec(select(AwardContract)).all()) == 6
    entries = session.exec(select(AuditEntry).where(AuditEntry.action == "award_publish")).all()
    assert len(entries) == 1


def test_published_contracts_never_change(session, approved_run, admin):
    publish_award(session, approved_run, admin)
    commit(session)
    row = session.exec(select(AwardContract)).first()
    row.net = Decimal(1)
    session.add(row)
    with pytest.raises(PublishedAwardIsFrozen):
        session.flush()
    session.rollback()


def test_every_bidder_learns_what_it_won_and_lost(session, approved_run, admin, vendors,
                                                  city_users):
    publish_award(session, approved_run, admin)
    commit(session)
    notes = {session.get(User, n.user_id).email: n for n in session.exec(
        select(Notification).where(Notification.kind == "award_published"))}
    pacific = notes["sales@pacific.example.com"]
    assert "you won 2 lots" in pacific.subject
    assert "BEB-40/LOT-1 at $1,050,000.00 per unit" in pacific.body
    evergreen = notes["sales@evergreen.example.com"].body
    assert "Won (1): BEB-40/LOT-3" in evergreen and "Not won (1): BEB-40/LOT-1" in evergreen
    assert "Won (1): SEDAN-EV/LOT-1" in notes["sales@transit.example.com"].body
    assert "sales@pending.example.com" not in notes  # it did not bid
    assert "1 contract ready" in notes["fleet@los.example.com"].subject
    assert "fleet@denver.example.com" not in notes  # Denver's lot was not awarded
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "award_publish")).one()
    assert len(entry.after["contracts"]) == 6


def test_the_public_record_gains_valid_award_and_contract_releases(session, approved_run, admin,
                                                                   opened):
    publish_award(session, approved_run, admin)
    commit(session)
    assert len(session.exec(select(AwardRelease)).all()) == 2
    for package in opened.values():
        data = public_record.release_package(session, package, "https://example.org/x.json")
        validate_release_package(data)
        tags = [r["tag"] for r in data["releases"]]
        assert tags[-2:] == [["award"], ["contract"]]
    sedan = public_record.release_package(session, opened["SEDAN-EV"], "u")
    awards = sedan["releases"][-2]["awards"]
    assert [(a["status"], a["relatedLots"]) for a in awards] == [
        ("active", ["LOT-1"]), ("unsuccessful", ["LOT-2"])]
    assert awards[1]["description"] == "no bid priced it"
    buyers = {c["buyer"]["name"] for c in sedan["releases"][-1]["contracts"]}
    assert buyers == {"Seattle", "Portland"}


def test_each_user_sees_only_their_contracts(session, approved_run, admin, vendors, city_users):
    publish_award(session, approved_run, admin)
    commit(session)
    la, denver = city_users["Los Angeles"], city_users["Denver"]
    pacific = vendors["Pacific Coach Works"]

    def seen(user):
        return {(c.member_name, c.vendor_name)
                for c in session.exec(award_notices.contracts_query(user)).all()}

    assert seen(la) == {("Los Angeles", "Pacific Coach Works")}
    assert seen(denver) == set()
    assert seen(pacific) == {("Long Beach", "Pacific Coach Works"),
                             ("Los Angeles", "Pacific Coach Works"),
                             ("San Diego", "Pacific Coach Works")}
    assert len(seen(admin)) == 6
    other = next(c for c in _contracts(session).values() if c.member_name != "Los Angeles")
    assert not policy.can_see(la, other, session)
    assert not policy.can_change(admin, other, session)


def test_a_published_run_is_readable_by_all_an_unpublished_one_by_admins(session, approved_run,
                                                                        admin, vendors,
                                                                        city_users):
    la, pacific = city_users["Los Angeles"], vendors["Pacific Coach Works"]
    assert not policy.can_see(la, approved_run, session)
    assert not policy.can_see(pacific, approved_run, session)
    publish_award(session, approved_run, admin)
    commit(session)
    for user in (la, pacific):
        assert policy.can_see(user, approved_run, session)
        assert not policy.can_change(user, approved_run, session)


def test_vendor_results_list_lots_won_and_lost(session, approved_run, admin, vendors):
    publish_award(session, approved_run, admin)
    commit(session)
    (result,) = award_notices.vendor_results(session, vendors["Evergreen Bus"])
    ((package, outcome),) = result.bids
    assert package.reference.endswith("BEB-40")
    assert [o.lot for o in outcome.won] == ["BEB-40/LOT-3"] and outcome.lost == ("BEB-40/LOT-1",)
    assert [c.member_name for c in result.contracts] == ["Seattle"]
    assert award_notices.vendor_results(session, vendors["Pending Coaches"]) == []


def _cli(app, args):
    from click.testing import CliRunner

    from consortium.cli import cli
    settings = app.extensions["consortium.settings"]
    env = {"DATABASE_URL": settings.database_url, "CONSORTIUM_ENV": "testing",
           "CONSORTIUM_INSTANCE": str(settings.instance_path), "SECRET_KEY": "", "REDIS_URL": "",
           "BID_SEALING_KEY": ""}
    return CliRunner().invoke(cli, ["award", "publish", *args], env=env, catch_exceptions=False)


def test_the_command_publishes_once_and_says_why_it_refuses(app, session, approved_run):
    assert _cli(app, ["999999"]).exit_code == 1
    done = _cli(app, [str(approved_run.id)])
    assert done.exit_code == 0, done.output
    assert f"Published award run {approved_run.id}: 6 contract(s)" in done.output
    assert "/awards/2027-clean-fleet" in done.output
    session.expire_all()
    assert len(session.exec(select(AwardContract)).all()) == 6
    again = _cli(app, [str(approved_run.id)])
    assert again.exit_code == 1 and "already published" in again.output


def test_of_two_simultaneous_publishers_one_goes_on(session, engine, approved_run, admin):
    from sqlmodel import Session

    from consortium.models import AwardRun
    with Session(engine, expire_on_commit=False) as other:
        stale = other.get(AwardRun, approved_run.id)  # read before the first publisher commits
        publish_award(session, approved_run, admin)
        commit(session)
        with pytest.raises(PublishRefused, match="already published"):
            publish_award(other, stale, admin)
        other.rollback()
    assert len(session.exec(select(AwardContract)).all()) == 6


def test_an_award_file_whose_contracts_disagree_with_its_awards_is_refused(session, approved_run,
                                                                           admin):
    from sqlalchemy.orm.attributes import flag_modified
    result = copy.deepcopy(approved_run.result)
    result["contracts"][0]["net"] = result["contracts"][0]["net"] + 1
    approved_run.result = result
    flag_modified(approved_run, "result")
    session.add(approved_run)
    session.commit()
    with pytest.raises(ServiceError, match="do not match its awards"):
        publish_award(session, approved_run, admin)
    assert approved_run.published_at is None


def test_a_bidder_left_out_of_the_award_is_told_why(session, opened, demo_round, admin, vendors,
                                                    client):
    from consortium.award import award_to_dict, optimize_award, parse_award_problem
    from consortium.db import utcnow
    from consortium.models import AwardRun, Bid
    from consortium.services import awards
    from tests.conftest import login
    evergreen = session.exec(select(Bid).where(
        Bid.vendor_id == vendors["Evergreen Bus"].vendor_id)).one()
    awards.set_evaluation(session, evergreen, admin, responsive=False,
                          reason="No Buy America certificate")
    problem = awards.build_problem(session, demo_round[0], None)
    assert f"BID-{evergreen.id}" not in {b["id"] for b in problem["bids"]}
    run = AwardRun(round_id=demo_round[0].id, status="succeeded", problem=problem,
                   result=award_to_dict(optimize_award(parse_award_problem(problem))),
                   approved_at=utcnow())
    session.add(run)
    commit(session)
    publish_award(session, run, admin)
    commit(session)
    note = session.exec(select(Notification).where(
        Notification.user_id == vendors["Evergreen Bus"].id,
        Notification.kind == "award_published")).one()
    assert "no lot won" in note.subject
    assert "was not considered (evaluated not responsive: No Buy America certificate)" in note.body
    login(client, vendors["Evergreen Bus"])
    page = client.get("/awards/results").get_data(as_text=True)
    assert "your bid was not considered" in page and "No Buy America certificate" in page
