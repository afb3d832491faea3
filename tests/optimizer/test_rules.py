"""One rule at a time, on cases small enough to check by hand, with exact expected figures."""

from __future__ import annotations

import json
from pathlib import Path

from tests.optimizer.helpers import line, member, problem, product, reasons, solve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_tier_boundary_prices_every_unit_of_the_tranche():
    # 4 + 6 = 10 units reach the 10-unit tier: every unit at 90, not only the tenth
    plan = solve(problem([product()], [line("A", "Ash", 4), line("B", "Birch", 6)]))
    assert plan["status"] == "optimal"
    assert plan["total_cost"] == 900 and plan["lower_bound"] == 900 and plan["gap"] == 0.0
    (tranche,) = plan["tranches"]
    assert (tranche["quantity"], tranche["unit_price"], tranche["tier_min_qty"]) == (10, 90, 10)
    assert member(plan, "Ash") == {"member": "Ash", "standalone_cost": 400,
                                   "consortium_cost": 360, "savings": 40}
    assert member(plan, "Birch")["savings"] == 60
    assert plan["totals"] == {"standalone_cost": 1000, "consortium_cost": 900, "savings": 100,
                              "savings_pct": 10.0, "fairness_cost": 0}


def test_one_unit_below_the_tier_pays_the_lower_tier():
    plan = solve(problem([product()], [line("A", "Ash", 4), line("B", "Birch", 5)]))
    assert plan["total_cost"] == 900 and plan["tranches"][0]["unit_price"] == 100


def test_tranche_cost_is_shared_in_proportion_to_units():
    data = problem([product(tranche_cost=30)], [line("A", "Ash", 4), line("B", "Birch", 6)])
    plan = solve(data)
    assert plan["total_cost"] == 930
    assert member(plan, "Ash")["consortium_cost"] == 372        # 4 * 90 + 30 * 4/10
    assert member(plan, "Ash")["standalone_cost"] == 430        # 4 * 100 + 30
    assert member(plan, "Birch")["consortium_cost"] == 558
    assert plan["totals"]["savings"] == 1060 - 930


def test_minimum_tranche_leaves_a_lone_small_line_out_with_the_reason():
    data = problem([product(min_tranche=5)],
                   [line("A", "Ash", 3, "2027Q2"), line("B", "Birch", 6, "2027Q3")])
    plan = solve(data)
    assert plan["placed_units"] == 6 and plan["total_cost"] == 600
    assert reasons(plan) == {"A": "3 units is below the vendor minimum of 5 and no compatible "
                                  "demand shares its window 2027Q2-2027Q2"}


def test_minimum_tranche_is_met_by_pooling():
    data = problem([product(min_tranche=5)],
                   [line("A", "Ash", 3, "2027Q1", "2027Q2"), line("B", "Birch", 3, "2027Q2")])
    plan = solve(data)
    assert plan["placed_units"] == 6 and plan["total_cost"] == 600 and plan["unplaced"] == []
    assert [t["period"] for t in plan["tranches"]] == ["2027Q2"]


def test_capacity_is_shared_by_option_variants_and_units_come_first():
    data = problem([product(max_per_period=10)], [
        line("A", "Ash", 6, options={"charging": "CCS1"}),
        line("B", "Birch", 7, options={"charging": "J3105"}),
        line("C", "Cedar", 3, options={"charging": "CCS1"}),
    ])
    plan = solve(data)
    # 13 units fit in no way; the most that fit is 10 (B 7 + C 3), not 9 (A 6 + C 3)
    assert plan["placed_units"] == 10
    assert plan["total_cost"] == 7 * 100 + 3 * 100
    assert set(reasons(plan)) == {"A"}
    assert "limit of 10 BUS per period" in reasons(plan)["A"]


def test_capacity_spreads_variants_over_the_window():
    data = problem([product(max_per_period=10)], [
        line("A", "Ash", 6, "2027Q1", "2027Q2", options={"charging": "CCS1"}),
        line("B", "Birch", 7, "2027Q1", options={"charging": "J3105"}),
    ])
    plan = solve(data)
    assert plan["placed_units"] == 13 and plan["total_cost"] == 1300
    assert {t["period"] for t in plan["tranches"]} == {"2027Q1", "2027Q2"}


def test_disjoint_windows_cannot_pool():
    data = problem([product(tranche_cost=10)],
                   [line("A", "Ash", 5, "2027Q1"), line("B", "Birch", 5, "2027Q2")])
    plan = solve(data)
    assert plan["total_cost"] == 2 * (500 + 10) and len(plan["tranches"]) == 2


def test_overlapping_windows_pool_in_the_shared_period():
    data = problem([product()], [line("A", "Ash", 5, "2027Q1", "2027Q2"),
                                 line("B", "Birch", 5, "2027Q2", "2027Q4")])
    plan = solve(data)
    assert plan["total_cost"] == 900 and plan["tranches"][0]["period"] == "2027Q2"


def test_options_keep_lines_apart():
    data = problem([product()], [line("A", "Ash", 5, options={"charging": "CCS1"}),
                                 line("B", "Birch", 5, options={"charging": "J3105"})])
    plan = solve(data)
    assert plan["total_cost"] == 1000 and len(plan["tranches"]) == 2


def _split_case(splittable: bool) -> dict:
    tiers = ((1, 100), (10, 90), (25, 80))
    return problem([product(tiers=tiers)], [
        line("A", "Ash", 8, "2027Q1"),
        line("B", "Birch", 4, "2027Q1", "2027Q2", splittable=splittable),
        line("C", "Cedar", 23, "2027Q2"),
    ])


def test_a_splittable_line_is_split_to_reach_two_tiers():
    plan = solve(_split_case(True))
    # 2 of B's units lift Q1 to 10 (90 each), the other 2 lift Q2 to 25 (80 each)
    assert plan["total_cost"] == 10 * 90 + 25 * 80 == 2900
    b_parts = sorted(a["quantity"] for t in plan["tranches"] for a in t["allocations"]
                     if a["demand"] == "B")
    assert b_parts == [2, 2]
    assert member(plan, "Birch")["consortium_cost"] == 2 * 90 + 2 * 80


def test_an_unsplittable_line_goes_whole():
    plan = solve(_split_case(False))
    assert plan["total_cost"] == 8 * 100 + 27 * 80 == 2960


def test_price_cap_met_only_when_pooled():
    data = problem([product()], [line("A", "Ash", 5, max_unit_price=90), line("B", "Birch", 5)])
    plan = solve(data)
    assert plan["placed_units"] == 10 and plan["total_cost"] == 900


def test_price_cap_below_every_reachable_price_is_explained():
    data = problem([product()], [line("A", "Ash", 5, max_unit_price=89), line("B", "Birch", 5)])
    plan = solve(data)
    assert plan["placed_units"] == 5 and plan["total_cost"] == 500
    assert reasons(plan) == {"A": "the lowest price reachable in its window 2027Q1-2027Q1 is "
                                  "$90, above its cap of $89"}


def test_a_capped_line_takes_the_period_where_volume_is():
    # A (cap 90) can be placed only in Q2 with C; B is free to go anywhere
    data = problem([product()], [
        line("A", "Ash", 2, "2027Q1", "2027Q2", max_unit_price=90),
        line("B", "Birch", 3, "2027Q1"),
        line("C", "Cedar", 8, "2027Q2"),
    ])
    plan = solve(data)
    assert plan["placed_units"] == 13 and plan["total_cost"] == 300 + 10 * 90


def _fairness_case() -> dict:
    tiers = ((1, 100), (10, 90), (20, 80))
    return problem([product(tiers=tiers, tranche_cost=10)], [
        line("X1", "Xenia", 5, "2027Q1", "2027Q2"),
        line("X2", "Xenia", 5, "2027Q2", "2027Q3"),
        line("Y1", "York", 15, "2027Q1"),
    ])


def test_without_the_guarantee_a_member_can_be_worse_off():
    plan = solve(_fairness_case(), fairness=False)
    # X1 lifts York's Q1 tranche to 20 units (80 each); X2 is left alone at 100
    assert plan["total_cost"] == 20 * 80 + 10 + 5 * 100 + 10 == 2120
    assert member(plan, "Xenia")["standalone_cost"] == 910          # 10 * 90 + 10 in Q2
    assert member(plan, "Xenia")["consortium_cost"] == 912.5        # 400 + 2.5 + 500 + 10
    assert member(plan, "Xenia")["savings"] == -2.5
    assert plan["totals"]["fairness_cost"] == 0


def test_the_guarantee_keeps_everyone_whole_and_says_what_it_cost():
    plan = solve(_fairness_case())
    assert plan["total_cost"] == 15 * 90 + 10 + 10 * 90 + 10 == 2270
    assert plan["totals"]["fairness_cost"] == 150
    assert member(plan, "Xenia")["savings"] == 0 and member(plan, "York")["savings"] == 0
    assert all(m["savings"] >= 0 for m in plan["members"])
    assert plan["status"] == "optimal"


def test_units_come_before_the_guarantee_and_the_member_is_listed():
    # alone, Xenia buys 10 at 90; the vendor can take only 5 a period, so she pays 100
    data = problem([product(max_per_period=5)], [
        line("X1", "Xenia", 5, "2027Q1", "2027Q2"),
        line("X2", "Xenia", 5, "2027Q1", "2027Q2"),
    ])
    plan = solve(data)
    assert plan["placed_units"] == 10 and plan["total_cost"] == 1000
    assert plan["solver"]["fairness_waived"] == ["Xenia"]
    assert member(plan, "Xenia")["savings"] == -100


def test_float_prices_are_exact_to_the_cent():
    data = problem([product(tiers=((1, 100.01), (3, 99.99)), tranche_cost=0.1)],
                   [line("A", "Ash", 1), line("B", "Birch", 2)])
    plan = solve(data)
    assert plan["total_cost"] == 300.07                # 3 * 99.99 + 0.1
    assert member(plan, "Ash")["consortium_cost"] == 100.02   # 99.99 + 0.1/3, to the cent
    assert member(plan, "Ash")["standalone_cost"] == 100.11


def test_progress_reports_every_stage():
    seen = []
    solve(_fairness_case(), progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _d, _t in seen]
    assert stages[0] == "validate" and stages[-1] == "done"
    for stage in ("build", "solve", "standalone", "fairness"):
        assert stage in stages
    assert all(0 <= d <= t for _s, d, t in seen)


def test_empty_demand_gives_an_empty_plan():
    plan = solve(problem([product()], []))
    assert plan["placed_units"] == 0 and plan["tranches"] == [] and plan["members"] == []
    assert plan["totals"]["savings_pct"] == 0.0 and plan["status"] == "optimal"


def test_tranche_ids_follow_product_period_options():
    data = problem([product("VAN"), product("BUS")], [
        line("V", "Ash", 5, "2027Q2", product="VAN"),
        line("B2", "Ash", 5, "2027Q2", options={"c": "b"}),
        line("B1", "Ash", 5, "2027Q2", options={"c": "a"}),
        line("B0", "Ash", 5, "2027Q1", options={"c": "z"}),
    ])
    plan = solve(data)
    order = [(t["id"], t["product"], t["period"], t["options"].get("c")) for t in plan["tranches"]]
    assert order == [("T1", "BUS", "2027Q1", "z"), ("T2", "BUS", "2027Q2", "a"),
                     ("T3", "BUS", "2027Q2", "b"), ("T4", "VAN", "2027Q2", None)]


def test_small_fixture_matches_its_readme():
    data = json.loads((FIXTURES / "small.json").read_text())
    plan = solve(data)
    assert plan["total_cost"] == 20_940_000 and plan["placed_units"] == 22
    assert plan["totals"]["standalone_cost"] == 22_080_000
    assert plan["totals"]["savings"] == 1_140_000
    assert [(t["period"], t["quantity"], t["unit_price"]) for t in plan["tranches"]] == [
        ("2027Q2", 10, 950_000), ("2027Q3", 12, 950_000)]
    assert member(plan, "Brookfield")["consortium_cost"] == 4_758_333.33
    assert reasons(plan) == {"ELM-1": "1 unit is below the vendor minimum of 2 and no "
                                      "compatible demand shares its window 2027Q1-2027Q1"}


def test_unplaced_fixture_matches_its_readme():
    data = json.loads((FIXTURES / "unplaced.json").read_text())
    plan = solve(data)
    assert plan["total_cost"] == 2_154_000 and plan["placed_units"] == 32
    why = reasons(plan)
    assert set(why) == {"S-1", "W-1", "E-1", "C-1", "B-1"}
    assert why["E-1"] == ("the lowest price reachable in its window 2027Q2-2027Q3 is $67,000, "
                          "above its cap of $66,000")
    assert "limit of 30 VAN per period" in why["S-1"] and "not splittable" in why["B-1"]
    assert "below the vendor minimum of 5" in why["W-1"]


def test_medium_fixture_is_consistent():
    data = json.loads((FIXTURES / "medium.json").read_text())
    plan = solve(data, check=False)
    assert plan["status"] == "optimal" and plan["gap"] <= 1e-6
    assert all(m["savings"] >= 0 for m in plan["members"])
