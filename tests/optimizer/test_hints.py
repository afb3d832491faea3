"""Hints per line: every figure is checked by solving the changed problem independently, with
the public `optimize` on the problem file's JSON; the fast path (re-solving only the touched
subproblems) must give exactly what solving the whole changed problem gives."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consortium.cli.hints import hints_command
from consortium.optimizer import parse_problem
from consortium.optimizer.hints import (
    HintSolver,
    apply_change,
    apply_change_dict,
    candidate_changes,
    compute_hints,
    option_values_of,
)
from tests.optimizer.checker import exact
from tests.optimizer.fair_cases import random_problem
from tests.optimizer.helpers import line, problem, product, solve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _member_cost(plan: dict, name: str):
    return next((m["consortium_cost"] for m in plan["members"] if m["member"] == name), 0)


def check_hint(data: dict, base: dict, hint: dict, *, fairness: bool) -> None:
    """Apply the hint's change to the problem JSON, solve it, and compare every figure."""
    change = hint["change"]
    changed = apply_change_dict(data, hint["line"], change["field"], change["value"])
    after = solve(changed, fairness=fairness)
    member = next(d["member"] for d in data["demand"] if d["id"] == hint["line"])
    assert hint["placed_units_delta"] == after["placed_units"] - base["placed_units"]
    assert exact(hint["consortium_cost_delta"]) == \
        exact(after["total_cost"]) - exact(base["total_cost"])
    assert exact(hint["member_cost_delta"]) == \
        exact(_member_cost(after, member)) - exact(_member_cost(base, member))


@pytest.mark.parametrize("name", ["small.json", "unplaced.json"])
@pytest.mark.parametrize("fairness", [True, False])
def test_every_hint_matches_solving_the_changed_problem(name, fairness):
    data = _load(name)
    report = compute_hints(parse_problem(data), fairness=fairness).to_dict()
    base = solve(data, fairness=fairness)
    assert report["base"] == {"placed_units": base["placed_units"],
                              "total_cost": base["total_cost"]}
    assert report["hints"]
    for hint in report["hints"]:
        check_hint(data, base, hint, fairness=fairness)


def test_every_unplaced_line_gets_something_to_do():
    data = _load("unplaced.json")
    base = solve(data)
    unplaced = {u["demand"] for u in base["unplaced"]}
    assert len(unplaced) == 5
    report = compute_hints(parse_problem(data)).to_dict()
    by_line = {e["line"]: e for e in report["lines"]}
    for line_id in unplaced:
        entry = by_line[line_id]
        assert not entry["placed"] and entry["reason"]
        assert entry["hints"], line_id
        assert any(h["places_line"] for h in entry["hints"]), line_id
    # the cap is what keeps E-1 out: raising it to the next tier price places it
    cap = [h for h in by_line["E-1"]["hints"] if h["kind"] == "price_cap"]
    assert cap and cap[0]["change"] == {"field": "max_unit_price", "value": 67000}
    assert cap[0]["places_line"]


def test_threshold_keeps_only_savings_above_it():
    data = problem([product(tiers=((1, 100), (10, 90)), tranche_cost=50)],
                   [line("A", "Ann", 6, "2027Q1"), line("B", "Bo", 6, "2027Q2"),
                    line("C", "Cy", 2, "2027Q3")])
    low = compute_hints(parse_problem(data), threshold=0).to_dict()["hints"]
    # widening A to Q2 (or B to Q1) pools 12 units at the 90 tier and one tranche cost less
    widen = [h for h in low if h["line"] == "A" and h["change"] == {"field": "latest",
                                                                       "value": "2027Q2"}]
    assert widen and widen[0]["placed_units_delta"] == 0
    saving = -exact(widen[0]["consortium_cost_delta"])
    assert saving == 12 * 10 + 50
    high = compute_hints(parse_problem(data), threshold=float(saving)).to_dict()["hints"]
    assert not [h for h in high if h["placed_units_delta"] == 0
                and max(-exact(h["consortium_cost_delta"]), -exact(h["member_cost_delta"]))
                <= saving]
    assert len(high) < len(low)
    for hint in low:  # every hint kept helps
        assert hint["placed_units_delta"] > 0 or exact(hint["consortium_cost_delta"]) < 0 \
            or exact(hint["member_cost_delta"]) < 0
    with pytest.raises(ValueError):
        compute_hints(parse_problem(data), threshold=-1)


def test_option_values_come_from_the_catalog_when_given():
    data = problem([product()], [line("A", "Ann", 2, options={"c": "x"}),
                                 line("B", "Bo", 9, options={"c": "y"})])
    p = parse_problem(data)
    assert option_values_of(p) == {"BUS": {"c": ["x", "y"]}}
    plan = solve(data)
    offered = {"BUS": {"c": ["x", "y", "z"]}}
    values = [v for kind, _f, v in candidate_changes(p, p.demand[0], plan_obj(p), offered)
              if kind == "options"]
    assert values == [{"c": "y"}, {"c": "z"}]
    assert plan["placed_units"] == 11


def plan_obj(p):
    from consortium.optimizer import optimize
    return optimize(p)


def _two_product_problem(rng: random.Random) -> dict:
    a, b = random_problem(rng), random_problem(rng)
    a["periods"] = max(a["periods"], b["periods"], key=len)
    b["products"][0]["code"] = "Q"
    for d in b["demand"]:
        d["id"], d["product"] = "q" + d["id"], "Q"
    return {"periods": a["periods"], "products": a["products"] + b["products"],
            "demand": a["demand"] + b["demand"]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.booleans())
def test_fast_path_equals_solving_the_whole_changed_problem(seed, fairness):
    p = parse_problem(_two_product_problem(random.Random(seed)))
    hs = HintSolver(p, fairness=fairness)
    assert hs.fast
    for d in p.demand:
        for _kind, field_name, value in candidate_changes(p, d, hs.base_plan, placed=False):
            changed = apply_change(p, d.id, field_name, value)
            assert hs.figures(changed, d.product) == hs.full_figures(changed), \
                (d.id, field_name, value)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_hints_of_random_problems_match_independent_solves(seed):
    data = _two_product_problem(random.Random(seed))
    base = solve(data, fairness=True, check=False)
    for hint in compute_hints(parse_problem(data), threshold=0).to_dict()["hints"]:
        check_hint(data, base, hint, fairness=True)


def test_apply_change_refuses_an_invalid_change():
    p = parse_problem(_load("small.json"))
    with pytest.raises(ValueError):
        apply_change(p, p.demand[0].id, "earliest", "1999Q1")
    with pytest.raises(ValueError):
        apply_change(p, p.demand[0].id, "member", "Someone")
    with pytest.raises(KeyError):
        apply_change(p, "no-such-line", "splittable", True)


def test_cli_round_trip(tmp_path):
    source = FIXTURES / "unplaced.json"
    target = tmp_path / "hints.json"
    result = CliRunner().invoke(hints_command, [str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "B-1 (Bigtown, unplaced" in result.stdout
    assert f"Hints written to {target}" in result.stdout
    written = json.loads(target.read_text())
    data = json.loads(source.read_text())
    base = solve(data)
    assert written["hints"]
    for hint in written["hints"]:
        assert set(hint) >= {"line", "change", "placed_units_delta", "consortium_cost_delta",
                             "member_cost_delta"}
        assert set(hint["change"]) == {"field", "value"}
        check_hint(data, base, hint, fairness=True)


def test_cli_no_fairness_threshold_and_stdout(tmp_path):
    source = str(FIXTURES / "small.json")
    result = CliRunner().invoke(hints_command, [source, "-o", "-", "--no-fairness",
                                                "--threshold", "1000000"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fairness"] is False and data["threshold"] == 1000000
    problem_data = json.loads(Path(source).read_text())
    base = solve(problem_data, fairness=False)
    for hint in data["hints"]:
        assert hint["placed_units_delta"] > 0 or \
            max(-exact(hint["consortium_cost_delta"]), -exact(hint["member_cost_delta"])) > 10**6
        check_hint(problem_data, base, hint, fairness=False)


def test_cli_invalid_file_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.json"
    data = _load("small.json")
    data["demand"][0]["earliest"] = "2029Q1"
    data["demand"][1]["quantity"] = 0
    bad.write_text(json.dumps(data))
    result = CliRunner().invoke(hints_command, [str(bad)])
    assert result.exit_code == 2
    assert 'demand[0].earliest: "2029Q1" is not one of the periods' in result.stderr
    assert "demand[1].quantity" in result.stderr


def test_unplaced_line_with_options_reaches_the_next_tier_period():
    data = problem([product(tiers=((1, 100), (10, 90)), min_tranche=5)],
                   [line("U", "Ann", 2, "2027Q1", options={"c": "x"}),
                    line("V", "Bo", 8, "2027Q3", options={"c": "x"}),
                    line("W", "Cy", 6, "2027Q4", options={"c": "y"})])
    p = parse_problem(data)
    plan = plan_obj(p)
    assert [u.demand for u in plan.unplaced] == ["U"]
    changes = candidate_changes(p, p.demand[0], plan, placed=False)
    assert ("widen_later", "latest", "2027Q3") in changes
    assert ("options", "options", {"c": "y"}) in changes
    report = compute_hints(p).to_dict()
    base = solve(data)
    hints = [h for h in report["hints"] if h["line"] == "U"]
    assert any(h["places_line"] for h in hints)
    for hint in hints:
        check_hint(data, base, hint, fairness=True)
