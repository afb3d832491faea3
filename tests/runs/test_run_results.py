"""Reading plans: comparison of two runs and one member's results, on hand-made plans."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from consortium.optimizer import parse_problem, plan_from_dict
from consortium.services.run_results import (
    StoredDocumentError,
    chart_data,
    compare_runs,
    member_results,
    plan_of,
    problem_of,
    tranche_rows,
)


def typed(plan: dict):
    return plan_from_dict(plan)


def who(name: str, member_id: int | None = None):
    return SimpleNamespace(id=member_id, name=name)


def _tranche(tid, product, period, quantity, unit_price, allocations, options=None, tranche_cost=0):
    return {"id": tid, "product": product, "options": options or {"charging": "CCS1"},
            "period": period, "quantity": quantity, "unit_price": unit_price,
            "tranche_cost": tranche_cost, "total_cost": quantity * unit_price + tranche_cost,
            "allocations": allocations}


def _plan(status, tranches, standalone, savings, fairness_cost=0, gap=0.0):
    total = sum(t["total_cost"] for t in tranches)
    return {"status": status, "placed_units": sum(t["quantity"] for t in tranches),
            "total_cost": total, "lower_bound": total, "gap": gap, "tranches": tranches,
            "unplaced": [], "members": [],
            "solver": {"name": "highs", "build_seconds": 0.1, "solve_seconds": 0.2},
            "totals": {"standalone_cost": standalone, "consortium_cost": total, "savings": savings,
                       "savings_pct": round(100 * savings / standalone, 2),
                       "fairness_cost": fairness_cost}}


PLAN_A = _plan("optimal", [
    _tranche("T1", "BUS", "2027Q1", 10, 95, [{"demand": "A1", "member": "LA", "quantity": 10}]),
    _tranche("T2", "BUS", "2027Q2", 5, 100, [{"demand": "B1", "member": "SEA", "quantity": 5}]),
    _tranche("T3", "VAN", "2027Q1", 3, 50, [{"demand": "C1", "member": "LA", "quantity": 3}]),
], standalone=1700, savings=50)
PLAN_B = _plan("feasible", [
    _tranche("T1", "BUS", "2027Q1", 15, 95, [{"demand": "A1", "member": "LA", "quantity": 10},
                                             {"demand": "B1", "member": "SEA", "quantity": 5}]),
    _tranche("T2", "VAN", "2027Q1", 3, 50, [{"demand": "C1", "member": "LA", "quantity": 3}]),
    _tranche("T3", "VAN", "2027Q3", 4, 48, [{"demand": "D1", "member": "SEA", "quantity": 4}],
             options={"length": "long"}),
], standalone=1900, savings=183, fairness_cost=7, gap=0.01)


def test_comparison_of_two_plans():
    result = compare_runs(typed(PLAN_A), typed(PLAN_B))
    assert result["totals"] == [
        {"key": "status", "label": "Status", "a": "optimal", "b": "feasible", "diff": None},
        {"key": "placed_units", "label": "Placed units", "a": 18, "b": 22, "diff": 4},
        {"key": "total_cost", "label": "Total cost", "a": 1600, "b": 1767, "diff": 167},
        {"key": "gap", "label": "Gap", "a": 0.0, "b": 0.01, "diff": 0.01},
        {"key": "standalone_cost", "label": "Stand-alone cost", "a": 1700, "b": 1900, "diff": 200},
        {"key": "consortium_cost", "label": "Consortium cost", "a": 1600, "b": 1767, "diff": 167},
        {"key": "savings", "label": "Savings", "a": 50, "b": 183, "diff": 133},
        {"key": "savings_pct", "label": "Savings %", "a": 2.94, "b": 9.63, "diff": 6.69},
        {"key": "fairness_cost", "label": "Fairness cost", "a": 0, "b": 7, "diff": 7},
    ]
    assert result["changes"] == [
        {"change": "changed", "product": "BUS", "options": {"charging": "CCS1"},
         "options_label": "charging: CCS1", "period": "2027Q1",
         "a_quantity": 10, "b_quantity": 15, "a_unit_price": 95, "b_unit_price": 95},
        {"change": "removed", "product": "BUS", "options": {"charging": "CCS1"},
         "options_label": "charging: CCS1", "period": "2027Q2",
         "a_quantity": 5, "b_quantity": None, "a_unit_price": 100, "b_unit_price": None},
        {"change": "added", "product": "VAN", "options": {"length": "long"},
         "options_label": "length: long", "period": "2027Q3",
         "a_quantity": None, "b_quantity": 4, "a_unit_price": None, "b_unit_price": 48},
    ]  # VAN 2027Q1 is the same in both: not listed


def test_comparison_per_member():
    a = dict(PLAN_A, members=[
        {"member": "LA", "standalone_cost": 1000, "consortium_cost": 950, "savings": 50},
        {"member": "SEA", "standalone_cost": 700, "consortium_cost": 700, "savings": 0}])
    b = dict(PLAN_B, members=[
        {"member": "LA", "standalone_cost": 1000, "consortium_cost": 977.5, "savings": 22.5},
        {"member": "SF", "standalone_cost": 100, "consortium_cost": 90, "savings": 10}])
    assert compare_runs(typed(a), typed(b))["members"] == [
        {"member": "LA", "a_consortium_cost": 950, "b_consortium_cost": 977.5,
         "consortium_cost_diff": 27.5, "a_savings": 50, "b_savings": 22.5, "savings_diff": -27.5},
        {"member": "SEA", "a_consortium_cost": 700, "b_consortium_cost": None,
         "consortium_cost_diff": None, "a_savings": 0, "b_savings": None, "savings_diff": None},
        {"member": "SF", "a_consortium_cost": None, "b_consortium_cost": 90,
         "consortium_cost_diff": None, "a_savings": None, "b_savings": 10, "savings_diff": None},
    ]


def test_comparing_a_plan_with_itself_lists_no_change():
    result = compare_runs(typed(PLAN_A), typed(PLAN_A))
    assert result["changes"] == []
    assert all(row["diff"] in (0, None) for row in result["totals"])


def test_a_price_change_alone_is_a_change():
    cheaper = _plan("optimal", [dict(PLAN_A["tranches"][0], unit_price=90)] + PLAN_A["tranches"][1:],
                    standalone=1700, savings=100)
    [change] = compare_runs(typed(PLAN_A), typed(cheaper))["changes"]
    assert (change["change"], change["a_unit_price"], change["b_unit_price"]) == ("changed", 95, 90)


PROBLEM = {
    "periods": ["2027Q1", "2027Q2"],
    "products": [{"code": "BUS", "name": "Bus", "tiers": [{"min_qty": 1, "unit_price": 100},
                                                          {"min_qty": 10, "unit_price": 95}],
                  "tranche_cost": 30}],
    "demand": [{"id": "A1", "member": "LA", "product": "BUS", "quantity": 10, "earliest": "2027Q1",
                "latest": "2027Q2"},
               {"id": "B1", "member": "SEA", "product": "BUS", "quantity": 5, "earliest": "2027Q1",
                "latest": "2027Q1"}],
}
POOLED = {
    **_plan("optimal", [_tranche("T1", "BUS", "2027Q1", 15, 95,
                                 [{"demand": "A1", "member": "LA", "quantity": 10},
                                  {"demand": "B1", "member": "SEA", "quantity": 5}],
                                 tranche_cost=30)], standalone=1090, savings=-5),
    "members": [{"member": "LA", "standalone_cost": 980, "consortium_cost": 970, "savings": 10},
                {"member": "SEA", "standalone_cost": 530, "consortium_cost": 485, "savings": 45}],
    "unplaced": [{"demand": "C9", "member": "SEA", "quantity": 1, "reason": "below minimum"}],
}


def test_member_results_show_only_that_member():
    sea = member_results(typed(POOLED), who("SEA"), parse_problem(PROBLEM))
    assert sea["allocations"] == [{
        "demand": "B1", "demand_id": "B1", "product": "BUS", "options_label": "charging: CCS1",
        "window": "2027Q1–2027Q1", "period": "2027Q1", "quantity": 5, "unit_price": 95, "tranche": "T1", "tranche_quantity": 15,
        "tranche_cost_share": 10.0, "cost": 485.0}]
    assert (sea["standalone_cost"], sea["consortium_cost"], sea["savings"], sea["savings_pct"]) == (
        530, 485, 45, 8.49)
    assert [u["demand"] for u in sea["unplaced"]] == ["C9"]
    la = member_results(typed(POOLED), who("LA"), parse_problem(PROBLEM))
    assert [a["demand"] for a in la["allocations"]] == ["A1"] and la["unplaced"] == []
    nobody = member_results(typed(POOLED), who("Boston"), parse_problem(PROBLEM))
    assert nobody["allocations"] == [] and nobody["savings"] == 0


def test_tranche_rows_and_charts():
    [row] = tranche_rows(parse_problem(PROBLEM), typed(POOLED))
    assert row["tier"] == {"number": 2, "min_qty": 10, "unit_price": 95, "of": 2}
    assert row["members"] == [("LA", 10), ("SEA", 5)]
    charts = chart_data(parse_problem(PROBLEM), typed(POOLED))
    assert charts["units"] == [{"product": "BUS", "values": [15, 0]}]
    [curve] = charts["curves"]
    assert curve["tiers"] == [{"x": 1, "y": 100}, {"x": 10, "y": 95}, {"x": 17, "y": 95}]
    assert curve["tranches"] == [{"x": 15, "y": 95, "label": "T1 2027Q1"}]
    assert [m["savings"] for m in charts["members"]] == [10, 45]


def _with_ids(plan: dict, ids: dict[str, int]) -> dict:
    tranches = [dict(t, allocations=[dict(a, member_id=ids[a["member"]]) for a in t["allocations"]])
                for t in plan["tranches"]]
    return dict(plan, tranches=tranches,
                members=[dict(m, member_id=ids[m["member"]]) for m in plan["members"]],
                unplaced=[dict(u, member_id=ids[u["member"]]) for u in plan["unplaced"]])


def test_members_are_matched_by_id_so_a_rename_keeps_their_results():
    plan = typed(_with_ids(POOLED, {"LA": 1, "SEA": 2}))
    renamed = member_results(plan, who("Seattle", 2), parse_problem(PROBLEM))
    assert [a["demand"] for a in renamed["allocations"]] == ["B1"]
    assert renamed["savings"] == 45 and [u["demand"] for u in renamed["unplaced"]] == ["C9"]
    # Another member that took the old name gets nothing of SEA's.
    impostor = member_results(plan, who("SEA", 3), parse_problem(PROBLEM))
    assert impostor["allocations"] == [] and impostor["unplaced"] == [] and impostor["savings"] == 0


def test_comparison_follows_a_member_across_a_rename():
    ids = {"LA": 1, "SEA": 2}
    a = _with_ids(dict(PLAN_A, members=[
        {"member": "LA", "standalone_cost": 1000, "consortium_cost": 950, "savings": 50},
        {"member": "SEA", "standalone_cost": 700, "consortium_cost": 700, "savings": 0}]), ids)
    b = _with_ids(dict(PLAN_A, members=[
        {"member": "LA", "standalone_cost": 1000, "consortium_cost": 940, "savings": 60},
        {"member": "SEA", "standalone_cost": 700, "consortium_cost": 690, "savings": 10}]), ids)
    b["members"][1]["member"] = "Seattle"
    rows = compare_runs(typed(a), typed(b))["members"]
    assert [(r["member"], r["savings_diff"]) for r in rows] == [("LA", 10), ("Seattle", 10)]


@pytest.mark.parametrize("breakage", [
    lambda p: p.pop("tranches"),
    lambda p: p["tranches"][0].pop("quantity"),
    lambda p: p["tranches"][0].update(allocations=[{"line": "A1", "member": "LA", "quantity": 10}]),
    lambda p: p["totals"].update(saving=p["totals"].pop("savings")),
    lambda p: p.update(members="everyone"),
])
def test_a_stored_plan_in_another_shape_fails_loudly(breakage):
    import copy
    plan = copy.deepcopy(POOLED)
    breakage(plan)
    run = SimpleNamespace(id=7, plan=plan, problem=PROBLEM)
    with pytest.raises(StoredDocumentError, match="stored plan of run 7 cannot be read"):
        plan_of(run)


def test_plan_of_and_problem_of_read_the_stored_documents():
    run = SimpleNamespace(id=7, plan=POOLED, problem=PROBLEM)
    assert plan_of(run).tranches[0].allocations[1].member == "SEA"
    assert problem_of(run).demand[0].id == "A1"
    assert plan_of(SimpleNamespace(id=8, plan=None, problem=None)) is None
    with pytest.raises(StoredDocumentError, match="stored problem of run 9"):
        problem_of(SimpleNamespace(id=9, plan=None, problem={"periods": []}))
