"""Line refs per member (failure 9): two members' lines may share a ref; the problem file keeps
ids unique, and each member's results map back to its own line."""

from __future__ import annotations

from consortium.optimizer import optimize, parse_problem
from consortium.services import csv_import, line_refs, run_results
from consortium.services.problem import build_problem
from tests import factories


def test_shared_refs_are_qualified_in_the_problem_and_map_back_to_each_member(
        session, bus, round_, member, other_member):
    factories.make_line(session, round=round_, member=member, product=bus, ref="BUS-1",
                        quantity=7)
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="BUS-1",
                        quantity=4)
    factories.make_line(session, round=round_, member=member, product=bus, ref="BUS-2",
                        quantity=2)
    problem = build_problem(session, round_)
    ids = [d["id"] for d in problem["demand"]]
    assert ids == ["BUS-1@Los Angeles", "BUS-1@Seattle", "BUS-2"]
    assert len(set(ids)) == len(ids)
    parsed = parse_problem(problem)
    plan = optimize(parsed, time_limit=20)
    assert plan.placed_units == 13
    mine = run_results.member_results(plan, member, parsed)
    theirs = run_results.member_results(plan, other_member, parsed)
    assert {a["demand"]: a["quantity"] for a in mine["allocations"]} == {"BUS-1": 7, "BUS-2": 2}
    assert {a["demand"]: a["quantity"] for a in theirs["allocations"]} == {"BUS-1": 4}
    assert {a["demand_id"] for a in theirs["allocations"]} == {"BUS-1@Seattle"}


def test_a_csv_row_with_another_members_ref_is_unknown_to_me(session, bus, round_, member,
                                                              other_member):
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-1")
    body = b"ref,product,quantity,earliest,latest,options\nSEA-1,BEB-40,3,2027Q1,2027Q2,charging=CCS1\n"
    checked = csv_import.check_upload(session, round_, body, 10**6, member.id)
    assert checked.rows[0].errors["ref"] == (
        "none of your lines in this round has the ref SEA-1; leave ref blank to add a new line "
        "(refs are given automatically)")


def test_generated_refs_skip_numbers_typed_by_hand_and_continue_older_lines(
        session, bus, round_, member):
    start = line_refs.prefix(round_, member)
    factories.make_line(session, round=round_, member=member, product=bus, ref=f"{start}004")
    factories.make_line(session, round=round_, member=member, product=bus, ref=f"{start}006")
    # No counter yet (lines from before counters): numbering continues after the highest.
    assert line_refs.draw(session, round_, member, 2) == [f"{start}007", f"{start}008"]
    for typed in ("009", "011"):
        factories.make_line(session, round=round_, member=member, product=bus,
                            ref=f"{start}{typed}")
    assert line_refs.draw(session, round_, member, 2) == [f"{start}010", f"{start}012"]
