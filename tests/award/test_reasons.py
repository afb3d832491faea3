"""Every unawarded lot carries a reason of the kind the contract names, from the solved award."""

from __future__ import annotations

from consortium.award import optimize_award, parse_award_problem
from tests.award.helpers import bid, lot, problem, reasons, solve


def kinds(data: dict) -> dict[str, str]:
    result = optimize_award(parse_award_problem(data))
    return {u.lot: u.kind for u in result.unawarded}


def test_no_bid_priced_it():
    data = problem([lot("L1", 2), lot("L2", 1)], [bid("A", "Va", {"L2": 5})])
    assert reasons(solve(data)) == {"L1": "no bid priced it"}
    assert kinds(data) == {"L1": "no_bid"}


def test_every_bid_above_the_cap_names_the_cap_and_the_lowest_bid():
    data = problem([lot("L1", 2, cap=1_120_000)],
                   [bid("A", "Va", {"L1": 1_180_000}), bid("B", "Vb", {"L1": 1_150_000.5})])
    assert reasons(solve(data)) == {
        "L1": "every bid is above its cap of $1,120,000, the lowest being $1,150,000.50"}
    assert kinds(data) == {"L1": "above_cap"}


def test_capacity_taken_by_other_lots_names_the_bid_and_its_use():
    # A (the only bidder) can deliver 5 in 2027Q1; L1 (4) takes 4 of them, L2 (3) cannot fit
    data = problem([lot("L1", 4), lot("L2", 3)],
                   [bid("A", "Va", {"L1": 10, "L2": 10}, capacity=[("BUS", "2027Q1", 5)])])
    assert reasons(solve(data)) == {
        "L2": "the bidders' capacity for BUS in 2027Q1 is taken by other lots "
              "(A of Va has 4 of its 5 units taken)"}
    assert kinds(data) == {"L2": "capacity"}


def test_capacity_smaller_than_the_lot_is_said_so():
    data = problem([lot("L1", 8)],
                   [bid("A", "Va", {"L1": 10}, capacity=[("BUS", "2027Q1", 5)])])
    assert reasons(solve(data)) == {
        "L1": "the bidders' capacity for BUS in 2027Q1 is smaller than the lot's 8 units "
              "(A of Va can deliver 5)"}
    assert kinds(data) == {"L1": "capacity"}


def test_vendor_limit_reached():
    # one lot per vendor: Va takes L1 (it alone prices it), so nobody may take L2
    data = problem([lot("L1", 2), lot("L2", 1)],
                   [bid("A", "Va", {"L1": 10}), bid("A2", "Va", {"L2": 10})],
                   max_lots_per_vendor=1)
    award = solve(data)
    assert award["awarded_units"] == 2
    assert reasons(award) == {
        "L2": "the bidders reached the most lots one vendor may win, 1 (Va)"}
    assert kinds(data) == {"L2": "vendor_limit"}


def test_several_bidders_blocked_in_different_ways_are_all_named():
    # Two lots per vendor. L3 (3 units): A's capacity is taken by L1 (4 of 5), and Vb holds
    # L2 (6) and L4 (5), worth more units than L3 with either.
    data = problem([lot("L1", 4), lot("L2", 6), lot("L3", 3), lot("L4", 5, period="2027Q2")],
                   [bid("A", "Va", {"L1": 10, "L3": 10}, capacity=[("BUS", "2027Q1", 5)]),
                    bid("B", "Vb", {"L2": 10, "L3": 50}), bid("B2", "Vb", {"L4": 10})],
                   max_lots_per_vendor=2)
    award = solve(data)
    assert award["awarded_units"] == 15
    assert reasons(award) == {
        "L3": "the bidders' capacity for BUS in 2027Q1 is taken by other lots "
              "(A of Va has 4 of its 5 units taken); "
              "the bidders reached the most lots one vendor may win, 2 (Vb)"}
    assert kinds(data) == {"L3": "capacity"}
