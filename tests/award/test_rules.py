"""Hand-checked exact awards, one rule at a time (figures worked out in the comments)."""

from __future__ import annotations

from tests.award.checker import check_award
from tests.award.helpers import bid, lot, problem, reasons, solve, winners


def test_the_cheapest_bid_within_the_cap_wins():
    # A asks 50 x 3 = 150 (above the cap of 45), B 40 x 3 = 120, C 30 x 3 = 90
    data = problem([lot("L1", 3, cap=45)],
                   [bid("A", "Va", {"L1": 50}), bid("B", "Vb", {"L1": 40}),
                    bid("C", "Vc", {"L1": 30})])
    award = solve(data)
    assert winners(award) == {"L1": "C"} and award["total_cost"] == 90
    data["bids"][2]["prices"][0]["unit_price"] = 46        # now above the cap of 45
    award = solve(data)
    assert winners(award) == {"L1": "B"} and award["total_cost"] == 120


def test_a_price_equal_to_the_cap_is_allowed_and_one_cent_above_is_not():
    data = problem([lot("L1", 2, cap=100.5)], [bid("A", "Va", {"L1": 100.5})])
    award = solve(data)
    assert winners(award) == {"L1": "A"} and award["total_cost"] == 201
    data["bids"][0]["prices"][0]["unit_price"] = 100.51
    award = solve(data)
    assert award["awards"] == [] and award["total_cost"] == 0
    assert reasons(award) == {
        "L1": "every bid is above its cap of $100.50, the lowest being $100.51"}


def test_capacity_bounds_the_units_of_a_product_and_period_per_bid():
    # A can deliver 5 buses in 2027Q1: L1 (4) or L2 (3), not both; B takes L2 at 20.
    # Most units: A-L1 + B-L2 = 7 units, 4 x 10 + 3 x 20 = 100.
    data = problem([lot("L1", 4), lot("L2", 3), lot("L3", 6, period="2027Q2")],
                   [bid("A", "Va", {"L1": 10, "L2": 10, "L3": 10},
                        capacity=[("BUS", "2027Q1", 5)]),
                    bid("B", "Vb", {"L2": 20})])
    award = solve(data)
    # L3 is in another period: A's 2027Q1 capacity does not bound it
    assert winners(award) == {"L1": "A", "L2": "B", "L3": "A"}
    assert award["awarded_units"] == 13 and award["total_cost"] == 40 + 60 + 60


def test_capacity_of_another_product_does_not_bind():
    data = problem([lot("L1", 4, product="VAN")],
                   [bid("A", "Va", {"L1": 10}, capacity=[("BUS", "2027Q1", 0)])])
    assert winners(solve(data)) == {"L1": "A"}


def test_lots_per_vendor_counts_every_bid_of_the_vendor():
    # Va holds two bids and may win one lot in all. Only Va prices L1, so the most units
    # (2) need Va-L1 (10) and Vb-L2 (30) = 40, though Va asks less for L2 too.
    data = problem([lot("L1", 1), lot("L2", 1)],
                   [bid("A1", "Va", {"L1": 10}), bid("A2", "Va", {"L2": 10}),
                    bid("B", "Vb", {"L2": 30})], max_lots_per_vendor=1)
    award = solve(data)
    assert winners(award) == {"L1": "A1", "L2": "B"} and award["total_cost"] == 40
    assert [(v["vendor"], v["lots"]) for v in award["vendors"]] == [("Va", 1), ("Vb", 1)]


def test_units_come_before_cost():
    # A can deliver 6: L1 (6 units at 100 = 600) or L2 (5 units at 1 = 5). Units first: L1.
    data = problem([lot("L1", 6), lot("L2", 5)],
                   [bid("A", "Va", {"L1": 100, "L2": 1}, capacity=[("BUS", "2027Q1", 6)])])
    award = solve(data)
    assert winners(award) == {"L1": "A"}
    assert award["awarded_units"] == 6 and award["total_cost"] == 600


def test_equal_units_go_to_the_cheaper_award():
    # Capacity 5: L1 (5 units at 100 = 500) or L2 + L3 (2 + 3 units at 10 = 50): same units.
    data = problem([lot("L1", 5), lot("L2", 2), lot("L3", 3)],
                   [bid("A", "Va", {"L1": 100, "L2": 10, "L3": 10},
                        capacity=[("BUS", "2027Q1", 5)])])
    award = solve(data)
    assert winners(award) == {"L2": "A", "L3": "A"} and award["total_cost"] == 50


def test_a_set_discount_applies_when_its_bid_wins_every_lot():
    # B alone: 80 + 80 = 160. A with its discount: 100 + 100 - 50 = 150: A wins both.
    data = problem([lot("L1", 1), lot("L2", 1)],
                   [bid("A", "Va", {"L1": 100, "L2": 100}, discounts=[(["L1", "L2"], 50)]),
                    bid("B", "Vb", {"L1": 80, "L2": 80})])
    award = solve(data)
    assert winners(award) == {"L1": "A", "L2": "A"} and award["total_cost"] == 150
    assert award["discounts"] == [{"bid": "A", "vendor": "Va", "lots": ["L1", "L2"],
                                   "amount": 50}]
    assert award["vendors"] == [{"vendor": "Va", "lots": 2, "units": 2, "value": 200,
                                 "discounts": 50}]


def test_a_discount_too_small_to_win_is_not_applied():
    # A with its discount: 200 - 30 = 170 > B's 160: B wins both, no discount
    data = problem([lot("L1", 1), lot("L2", 1)],
                   [bid("A", "Va", {"L1": 100, "L2": 100}, discounts=[(["L1", "L2"], 30)]),
                    bid("B", "Vb", {"L1": 80, "L2": 80})])
    award = solve(data)
    assert winners(award) == {"L1": "B", "L2": "B"} and award["total_cost"] == 160
    assert award["discounts"] == []


def test_a_discount_needs_every_lot_of_its_set_at_its_own_bid():
    # A wins L1 (70 < 80) but not L2 (90 > 80). The discount of 5 on {L1, L2} would make
    # A-both 155 against 150 for the split: not applied. Its discount on {L1} alone applies.
    data = problem([lot("L1", 1), lot("L2", 1)],
                   [bid("A", "Va", {"L1": 70, "L2": 90},
                        discounts=[(["L1", "L2"], 5), (["L1"], 7)]),
                    bid("B", "Vb", {"L1": 80, "L2": 80})])
    award = solve(data)
    assert winners(award) == {"L1": "A", "L2": "B"} and award["total_cost"] == 70 - 7 + 80
    assert award["discounts"] == [{"bid": "A", "vendor": "Va", "lots": ["L1"], "amount": 7}]


def test_discounts_of_a_bid_stack_and_cannot_buy_fewer_units():
    # Capacity 2 stops A taking all three lots; its discounts on {L1, L2} (15) and {L2} (4)
    # can both apply.
    data = problem([lot("L1", 1), lot("L2", 1), lot("L3", 1)],
                   [bid("A", "Va", {"L1": 50, "L2": 50, "L3": 10},
                        capacity=[("BUS", "2027Q1", 2)],
                        discounts=[(["L1", "L2"], 15), (["L2"], 4)]),
                    bid("B", "Vb", {"L1": 60, "L2": 60, "L3": 60})])
    award = solve(data)
    # options with 3 units: A{L1,L2}+B-L3 = 100-19+60 = 141; A{L1,L3}+B-L2 = 60+60 = 120;
    # A{L2,L3}+B-L1 = 60-4+60 = 116 (the cheapest)
    assert award["awarded_units"] == 3 and award["total_cost"] == 116
    assert winners(award) == {"L1": "B", "L2": "A", "L3": "A"}


def test_ties_give_the_same_cost_and_the_same_award_every_time():
    data = problem([lot("L1", 2), lot("L2", 2)],
                   [bid("A", "Va", {"L1": 10, "L2": 10}), bid("B", "Vb", {"L1": 10, "L2": 10})])
    first = solve(data)
    assert first["total_cost"] == 40 and first["awarded_units"] == 4
    assert all(winners(first)[lot_id] in ("A", "B") for lot_id in ("L1", "L2"))
    for _ in range(3):
        assert winners(solve(data)) == winners(first)


def test_float_prices_are_exact_money():
    # 3 x 1050000.35 = 3150001.05 exactly; discount 0.1: 3150000.95
    data = problem([lot("L1", 3)], [bid("A", "Va", {"L1": 1050000.35},
                                        discounts=[(["L1"], 0.1)])])
    award = solve(data)
    assert award["awards"][0]["value"] == 3150001.05
    assert award["total_cost"] == 3150000.95
    assert award["status"] == "optimal" and award["gap"] == 0.0
    assert award["lower_bound"] == 3150000.95


def test_no_lot_can_be_awarded():
    data = problem([lot("L1", 3)], [])
    award = solve(data)
    assert award["status"] == "optimal" and award["awards"] == [] and award["total_cost"] == 0
    assert award["vendors"] == [] and award["contracts"] == []


def test_two_discounts_on_one_lot_may_take_the_total_below_zero_with_a_gap_of_zero():
    # Each discount is within its lot's value (59.97), together they exceed it: both apply,
    # 59.97 - 40 - 40 = -20.03. The gap is measured against the cost's size: 0, not -0.0...
    data = problem([lot("L1", 1)],
                   [bid("A", "Va", {"L1": 59.97}, discounts=[(["L1"], 40), (["L1"], 40)])])
    award = solve(data)
    assert winners(award) == {"L1": "A"}
    assert award["total_cost"] == -20.03 and award["lower_bound"] == -20.03
    assert award["gap"] == 0.0 and award["status"] == "optimal"
    check_award(data, award)
