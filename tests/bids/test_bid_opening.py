"""Opening bids: refused before the deadline, hash-checked after it, tabulated, published as a valid
OCDS release; the periodic job; the award problem export and its round trip; the commands."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlmodel import select

from consortium.award import optimize_award, parse_award_problem
from consortium.db import commit, utcnow
from consortium.models import AuditEntry, Bid, BidOpening, Notification
from consortium.publish.validate import validate_release_package, validation_errors
from consortium.services import bid_export, bid_opening, bids, public_record, publishing
from consortium.services.errors import NotAllowed
from tests.bids.conftest import contents, set_bid_deadline


def _after(session, package, **delta):
    deadline = bids.aware(bids.latest(session, package).bid_deadline)
    return deadline + timedelta(**(delta or {"minutes": 1}))


@pytest.fixture
def three_bids(session, beb, vendors, admin, sealer):
    """Pacific prices every lot with a discount and capacity; Transit prices LOT-2 and is then
    caught by an addendum it never re-confirms; Evergreen prices LOT-1 and LOT-3 and re-confirms;
    a withdrawn bid from nobody else."""
    pacific = bids.submit_bid(session, beb, vendors["Pacific Coach Works"],
                              contents(("LOT-1", 1050000), ("LOT-2", 1040000), ("LOT-3", 1100000),
                                       capacity=[("2027Q2", 30)],
                                       discounts=[(("LOT-1", "LOT-2"), 250000)]), sealer=sealer)
    transit = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-2", 990000)),
                              sealer=sealer)
    evergreen = bids.submit_bid(session, beb, vendors["Evergreen Bus"],
                                contents(("LOT-1", 1000000), ("LOT-3", "1090000.50")),
                                sealer=sealer)
    session.commit()
    publishing.publish_addendum(session, beb, admin, change_note="Delivery address corrected")
    commit(session)
    for user, row in ((vendors["Pacific Coach Works"], pacific),
                      (vendors["Evergreen Bus"], evergreen)):
        bids.reconfirm_bid(session, session.get(Bid, row.bid_id), user)
    session.commit()
    return {"pacific": pacific, "transit": transit, "evergreen": evergreen}


def test_no_one_opens_bids_before_the_deadline(session, beb, three_bids, admin, sealer):
    deadline = bids.aware(bids.latest(session, beb).bid_deadline)
    with pytest.raises(bid_opening.OpeningRefused, match="cannot be opened before the bid"):
        bid_opening.open_package(session, beb, admin, sealer=sealer,
                                 now=deadline - timedelta(seconds=1))
    assert session.exec(select(BidOpening)).all() == []
    assert bid_opening.open_due(session, sealer=sealer, now=deadline - timedelta(seconds=1)) == []


def test_opening_checks_each_receipt_and_tabulates_the_valid_bids(session, beb, three_bids, admin,
                                                                  sealer):
    opening = bid_opening.open_package(session, beb, admin, sealer=sealer,
                                       now=_after(session, beb))
    session.commit()
    tab = opening.tabulation
    assert [b["vendor"] for b in tab["bids"]] == ["Evergreen Bus", "Pacific Coach Works"]
    assert [(b["vendor"], "not re-confirmed" in b["reason"]) for b in tab["invalid"]] == [
        ("Transit Motors", True)]
    for bid in tab["bids"]:  # anyone can recompute each receipt from the published JSON
        import hashlib
        assert hashlib.sha256(bid["canonical"].encode()).hexdigest() == bid["receipt_sha256"]
    rows = bid_opening.tabulation_rows(tab)
    assert [r["prices"] for r in rows] == [["1000000.00", "1050000.00"], [None, "1040000.00"],
                                           ["1090000.50", "1100000.00"]]
    statuses = {b.vendor_id: b.status for b in session.exec(select(Bid)).all()}
    assert sorted(statuses.values()) == ["invalid", "opened", "opened"]
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "bids_open")).one()
    kinds = session.exec(select(Notification.kind)).all()
    assert kinds.count("bids_opened") == 4  # three bidders and the admin
    with pytest.raises(bid_opening.OpeningRefused, match="already opened"):
        bid_opening.open_package(session, beb, admin, sealer=sealer, now=_after(session, beb))


def test_a_bid_whose_contents_do_not_match_its_receipt_is_invalid(session, engine, beb, vendors,
                                                                  sealer, admin):
    row = bids.submit_bid(session, beb, vendors["Transit Motors"], contents(("LOT-1", 100)),
                          sealer=sealer)
    session.commit()
    forged = sealer.seal(b'{"prices":[{"lot":"LOT-1","unit_price":"1.00"}]}')
    with engine.begin() as conn:  # someone with database access swaps the sealed contents
        conn.execute(text("UPDATE bidversion SET sealed = :s WHERE id = :id"),
                     {"s": forged, "id": row.id})
    session.expire_all()
    opening = bid_opening.open_package(session, beb, admin, sealer=sealer, now=_after(session, beb))
    assert opening.tabulation["bids"] == []
    assert "receipt check" in opening.tabulation["invalid"][0]["reason"]


def test_the_opening_release_validates_with_the_bids_extension(session, beb, three_bids, admin,
                                                               sealer):
    opening = bid_opening.open_package(session, beb, admin, sealer=sealer, now=_after(session, beb))
    release_package = opening.ocds
    validate_release_package(release_package)
    [release] = release_package["releases"]
    details = release["bids"]["details"]
    pacific = next(d for d in details if d["tenderers"][0]["name"] == "Pacific Coach Works")
    assert pacific["relatedLots"] == ["LOT-1", "LOT-2", "LOT-3"]
    assert pacific["value"] == {"amount": 12 * 1050000 + 30 * 1040000 + 6 * 1100000,
                                "currency": "USD"}
    assert pacific["identifiers"][0]["id"] == three_bids["pacific"].receipt_sha256
    assert any("ocds_bid_extension" in e for e in release_package["extensions"])
    # The validation is real: a bid on a lot the tender lacks, or a bad status, is refused.
    pacific["relatedLots"].append("LOT-99")
    pacific["status"] = "opened"
    errors = "\n".join(validation_errors(release_package))
    assert "'LOT-99' is not a lot of this tender" in errors and "'opened' is not one of" in errors


def test_the_periodic_job_opens_due_packages_once(app, session, engine, published, three_bids):
    jobs = app.extensions["consortium.jobs"]
    later = _after(session, published["BEB-40"])
    assert jobs.open_due_bids(now=later - timedelta(minutes=2)) == 0
    assert jobs.open_due_bids(now=later) == 2  # both packages of the round are due by then
    assert jobs.open_due_bids(now=later) == 0
    assert len(session.exec(select(BidOpening)).all()) == 2


def test_export_is_an_award_problem_that_the_award_optimizer_solves(session, published, three_bids,
                                                                    demo_round, admin, sealer):
    round_ = demo_round[0]
    with pytest.raises(NotAllowed, match="not opened yet"):
        bid_export.award_problem(session, round_)
    for package in published.values():
        bid_opening.open_package(session, package, admin, sealer=sealer,
                                 now=_after(session, package))
    problem = bid_export.award_problem(session, round_)
    assert [lot["id"] for lot in problem["lots"]] == [
        "BEB-40/LOT-1", "BEB-40/LOT-2", "BEB-40/LOT-3", "SEDAN-EV/LOT-1", "SEDAN-EV/LOT-2"]
    lot1 = problem["lots"][0]
    assert lot1["allocations"] == [{"member": "Long Beach", "quantity": 4},
                                   {"member": "Los Angeles", "quantity": 8}]
    result = optimize_award(parse_award_problem(problem))
    awards = {a.lot: (a.vendor, a.unit_price) for a in result.awards}
    # LOT-1: Evergreen 1,000,000 x 12 beats Pacific's 1,050,000 x 12 - 250,000 discount only if
    # Pacific would not win LOT-2 anyway; Pacific is the only valid bidder on LOT-2, so its
    # discount applies: 12 x 1,050,000 - 250,000 = 12,350,000 > 12,000,000: Evergreen wins LOT-1.
    assert awards["BEB-40/LOT-1"] == ("Evergreen Bus", 1000000)
    assert awards["BEB-40/LOT-2"] == ("Pacific Coach Works", 1040000)
    assert awards["BEB-40/LOT-3"] == ("Evergreen Bus", 1090000.5)
    assert result.awarded_units == 48


def _cli(app, args):
    from consortium.cli import cli
    settings = app.extensions["consortium.settings"]
    env = {"DATABASE_URL": settings.database_url, "CONSORTIUM_ENV": "testing",
           "CONSORTIUM_INSTANCE": str(settings.instance_path), "SECRET_KEY": "", "REDIS_URL": "",
           "BID_SEALING_KEY": ""}
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_commands_open_and_export_and_award_optimize_reads_the_file(app, session, engine, published,
                                                                    three_bids, tmp_path):
    beb = published["BEB-40"]
    refused = _cli(app, ["bids", "open", beb.reference])
    assert refused.exit_code == 1 and "cannot be opened before the bid deadline" in refused.output
    assert _cli(app, ["bids", "open", "no-such-package"]).exit_code == 1
    for package in published.values():
        set_bid_deadline(engine, package, utcnow() - timedelta(minutes=5))
        done = _cli(app, ["bids", "open", package.reference])
        assert done.exit_code == 0, done.output
    out = tmp_path / "award-problem.json"
    exported = _cli(app, ["bids", "export", "2027-clean-fleet", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    problem = json.loads(out.read_text())
    assert len(problem["bids"]) == 2 and len(problem["lots"]) == 5
    award_file = tmp_path / "award.json"
    awarded = _cli(app, ["award-optimize", str(out), "-o", str(award_file)])
    assert awarded.exit_code == 0, awarded.output
    award = json.loads(award_file.read_text())
    assert award["awarded_units"] == 48 and award["status"] == "optimal"


def test_runs_approve_from_the_command_line(app, session, demo_round):
    from tests import factories
    round_ = demo_round[0]
    run = factories.make_run(session, round=round_, status="succeeded",
                             plan=demo_round[1].plan)
    result = _cli(app, ["runs", "approve", str(run.id)])
    assert result.exit_code == 0, result.output
    assert f"Run {run.id} is now the approved plan" in result.output
    session.refresh(round_)
    assert round_.approved_run_id == run.id
    again = _cli(app, ["runs", "approve", str(run.id)])
    assert again.exit_code == 1 and "already the approved plan" in again.output
    assert _cli(app, ["runs", "approve", "999999"]).exit_code == 1


def test_the_public_record_gains_the_opening_release_only_once_opened(session, beb, three_bids,
                                                                      admin, sealer):
    uri = f"https://example.org/api/packages/{beb.reference}/releases.json"
    before = public_record.release_package(session, beb, uri)
    assert not any("bids" in r for r in before["releases"])
    assert not any("ocds_bid_extension" in e for e in before["extensions"])
    opening = bid_opening.open_package(session, beb, admin, sealer=sealer, now=_after(session, beb))
    after = public_record.release_package(session, beb, uri)  # validated before it is returned
    [bids_release] = [r for r in after["releases"] if "bids" in r]
    assert bids_release == opening.ocds["releases"][0]
    assert any("ocds_bid_extension" in e for e in after["extensions"])
    assert after["releases"][:len(before["releases"])] == before["releases"]
