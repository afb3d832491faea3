"""The award problem export carries each lot's price cap (`lots[].max_unit_price`,
docs/award-format.md): the lowest `max_unit_price` among the demand lines the version's run placed
in the lot, none when no line behind it has one; the file validates and a price above the cap is
never awarded."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from consortium.award import optimize_award, parse_award_problem
from consortium.award.validation import validate_award_dict
from consortium.db import commit, utcnow
from consortium.models import Product
from consortium.services import bid_export, bid_opening, bids, publishing
from consortium.services.errors import ServiceError
from tests.bids.conftest import contents, set_bid_deadline
from tests.bids.test_bid_opening import _cli

# Caps per demand line of the demo plan (tests/publish/conftest.demo_plan): allocation ids are
# "<tranche>-<n>". T1 = BEB-40 LOT-1 (Los Angeles 8, Long Beach 4), T2 = LOT-2 (no cap at all),
# T3 = LOT-3 (Seattle 6), T4 = SEDAN-EV LOT-1 (Seattle capped, Portland not), T5 = LOT-2 (none).
CAPS = {"T1-1": 1100000, "T1-2": 1060000.5, "T3-1": 1095000, "T4-1": 32000}


def _problem_with_caps(run) -> dict:
    """The run's problem with a demand line per allocation of its plan, capped as in CAPS."""
    problem = dict(run.problem)
    lines = []
    for tranche in run.plan["tranches"]:
        for a in tranche["allocations"]:
            line = {"id": a["demand"], "member": a["member"], "product": tranche["product"],
                    "quantity": a["quantity"], "earliest": tranche["period"],
                    "latest": tranche["period"], "options": tranche["options"]}
            if a["demand"] in CAPS:
                line["max_unit_price"] = CAPS[a["demand"]]
            lines.append(line)
    problem["demand"] = lines
    return problem


@pytest.fixture
def capped(session, admin, demo_round, deadlines):
    """The demo round published from a run whose problem caps some lines: {code: package}."""
    round_, run = demo_round
    run.problem = _problem_with_caps(run)
    session.add(run)
    commit(session)
    packages = publishing.publish_round(session, run, admin, **deadlines)
    commit(session)
    return {session.get(Product, p.product_id).code: p for p in packages}


def _open_all(session, packages, admin, sealer):
    for package in packages.values():
        deadline = bids.aware(bids.latest(session, package).bid_deadline)
        bid_opening.open_package(session, package, admin, sealer=sealer,
                                 now=deadline + timedelta(minutes=1))
    session.commit()


def test_each_lot_carries_the_lowest_cap_of_its_lines_and_none_without(session, capped, vendors,
                                                                        demo_round, admin, sealer):
    bids.submit_bid(session, capped["BEB-40"], vendors["Transit Motors"],
                    contents(("LOT-1", 1000000), ("LOT-2", 1000000)), sealer=sealer)
    session.commit()
    _open_all(session, capped, admin, sealer)
    problem = bid_export.award_problem(session, demo_round[0])
    caps = {lot["id"]: lot.get("max_unit_price") for lot in problem["lots"]}
    assert caps == {"BEB-40/LOT-1": 1060000.5, "BEB-40/LOT-2": None, "BEB-40/LOT-3": 1095000,
                    "SEDAN-EV/LOT-1": 32000, "SEDAN-EV/LOT-2": None}
    assert all("max_unit_price" not in lot for lot in problem["lots"]
               if lot["id"] in ("BEB-40/LOT-2", "SEDAN-EV/LOT-2"))  # absent, not null
    assert validate_award_dict(problem) == []
    parsed = parse_award_problem(problem)
    assert {lot.id: lot.max_unit_price for lot in parsed.lots}["BEB-40/LOT-1"] == 1060000.5


def test_a_price_above_the_cap_is_not_awarded(session, capped, vendors, demo_round, admin, sealer):
    beb = capped["BEB-40"]
    # LOT-1 (cap 1,060,000.50): Pacific is cheaper overall with its discount but above the cap;
    # Evergreen is exactly at the cap. LOT-3 (cap 1,095,000): the only bid is above it.
    bids.submit_bid(session, beb, vendors["Pacific Coach Works"],
                    contents(("LOT-1", "1060000.51"), ("LOT-2", 1040000), ("LOT-3", 1100000),
                             discounts=[(("LOT-1", "LOT-2"), 250000)]), sealer=sealer)
    bids.submit_bid(session, beb, vendors["Evergreen Bus"],
                    contents(("LOT-1", "1060000.50")), sealer=sealer)
    session.commit()
    _open_all(session, capped, admin, sealer)
    result = optimize_award(parse_award_problem(bid_export.award_problem(session, demo_round[0])))
    awards = {a.lot: (a.vendor, a.unit_price) for a in result.awards}
    assert awards["BEB-40/LOT-1"] == ("Evergreen Bus", 1060000.5)
    assert awards["BEB-40/LOT-2"] == ("Pacific Coach Works", 1040000)
    assert "BEB-40/LOT-3" not in awards
    [lot3] = [u for u in result.unawarded if u.lot == "BEB-40/LOT-3"]
    assert lot3.kind == "above_cap" and "$1,095,000" in lot3.reason
    assert result.discounts == []  # Pacific did not win LOT-1, so its discount never applies


def test_without_caps_in_the_run_no_lot_has_one(session, published, vendors, demo_round, admin,
                                                sealer):
    """The demo_round's run has no demand lines at all: nothing to cap, no field written."""
    _open_all(session, published, admin, sealer)
    problem = bid_export.award_problem(session, demo_round[0])
    assert all("max_unit_price" not in lot for lot in problem["lots"])
    assert validate_award_dict(problem) == []


def test_a_version_whose_lots_differ_from_its_run_is_refused(session, capped, demo_round, admin,
                                                              sealer):
    _open_all(session, capped, admin, sealer)
    run = demo_round[1]
    plan = json.loads(json.dumps(run.plan))
    plan["tranches"] = [t for t in plan["tranches"] if t["id"] != "T2"]  # LOT-2 gone, LOT-3 moves
    run.plan = plan
    session.add(run)
    session.commit()
    with pytest.raises(ServiceError, match="no longer matches run"):
        bid_export.award_problem(session, demo_round[0])


def test_the_export_command_writes_the_caps(app, session, engine, capped, vendors, tmp_path,
                                            sealer):
    bids.submit_bid(session, capped["BEB-40"], vendors["Transit Motors"],
                    contents(("LOT-3", 1090000)), sealer=sealer)
    session.commit()
    for package in capped.values():
        set_bid_deadline(engine, package, utcnow() - timedelta(minutes=5))
        assert _cli(app, ["bids", "open", package.reference]).exit_code == 0
    out = tmp_path / "award-problem.json"
    done = _cli(app, ["bids", "export", "2027-clean-fleet", "-o", str(out)])
    assert done.exit_code == 0, done.output
    lots = {lot["id"]: lot for lot in json.loads(out.read_text())["lots"]}
    assert lots["BEB-40/LOT-3"]["max_unit_price"] == 1095000
    assert "max_unit_price" not in lots["SEDAN-EV/LOT-2"]
    award = tmp_path / "award.json"
    assert _cli(app, ["award-optimize", str(out), "-o", str(award)]).exit_code == 0
    assert [a["lot"] for a in json.loads(award.read_text())["awards"]] == ["BEB-40/LOT-3"]
