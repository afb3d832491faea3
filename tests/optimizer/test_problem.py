"""Problem files: the contract's example parses and round-trips; invalid files list every error."""

from __future__ import annotations

import json

import pytest

from consortium.optimizer import (
    DemandLine,
    Problem,
    ProblemError,
    Product,
    Tier,
    load_problem,
    optimize,
    parse_problem,
)

EXAMPLE = {
    "periods": ["2027Q1", "2027Q2", "2027Q3", "2027Q4"],
    "products": [{
        "code": "BEB-40", "name": "40-ft battery-electric transit bus", "unit": "each",
        "tiers": [{"min_qty": 1, "unit_price": 1150000}, {"min_qty": 10, "unit_price": 1115500},
                  {"min_qty": 25, "unit_price": 1092500}],
        "min_tranche": 5, "max_per_period": 150, "tranche_cost": 40000}],
    "demand": [{
        "id": "LA-2027-001", "member": "Los Angeles", "product": "BEB-40", "quantity": 40,
        "earliest": "2027Q1", "latest": "2027Q3", "options": {"charging": "SAE-J3105"},
        "splittable": True, "max_unit_price": 1120000}],
}


def test_the_contract_example_parses_and_round_trips():
    problem = parse_problem(EXAMPLE)
    assert problem.product("BEB-40").tiers[2] == Tier(25, 1092500)
    line = problem.demand[0]
    assert line.options_dict == {"charging": "SAE-J3105"} and line.splittable
    assert problem.to_dict() == EXAMPLE
    assert parse_problem(problem.to_dict()) == problem


def test_defaults_are_filled_and_kept_on_round_trip():
    data = {"periods": ["P"], "products": [{"code": "X", "tiers": [{"min_qty": 1,
                                                                    "unit_price": 5}]}],
            "demand": [{"id": "d", "member": "m", "product": "X", "quantity": 1,
                        "earliest": "P", "latest": "P"}]}
    problem = parse_problem(data)
    product = problem.products[0]
    assert (product.min_tranche, product.max_per_period, product.tranche_cost) == (1, None, 0)
    assert problem.demand[0].options == () and problem.demand[0].max_unit_price is None
    assert parse_problem(problem.to_dict()) == problem


def test_the_contract_example_solves_to_its_plan_figures():
    plan = optimize(parse_problem(EXAMPLE)).to_dict()
    assert plan["status"] == "optimal" and plan["total_cost"] == 43_740_000
    assert plan["lower_bound"] == 43_740_000 and plan["gap"] == 0.0
    assert plan["members"] == [{"member": "Los Angeles", "standalone_cost": 43_740_000,
                                "consortium_cost": 43_740_000, "savings": 0}]
    assert plan["solver"]["name"] == "HiGHS"


BROKEN = {
    "periods": ["2027Q1", "2027Q1"],
    "products": [
        {"code": "A", "tiers": [{"min_qty": 2, "unit_price": 10},
                                {"min_qty": 2, "unit_price": 12}], "min_tranche": 0},
        {"code": "A", "tiers": [], "max_per_period": -1, "tranche_cost": "free"},
    ],
    "demand": [
        {"id": "d1", "member": "", "product": "Z", "quantity": 0, "earliest": "2029Q1",
         "latest": "2027Q1", "splittable": "yes", "max_unit_price": 0,
         "max_unit_prise": 5},
        {"id": "d1", "member": "m", "product": "A", "quantity": True, "earliest": "2027Q1",
         "latest": "2027Q1", "options": {"charging": ["a"]}},
    ],
    "name": "x",
}

BROKEN_ERRORS = [
    ("name", "unknown field (expected one of demand, periods, products)"),
    ("periods[1]", '"2027Q1" is listed twice'),
    ("products[0].tiers[0].min_qty", "2: the first tier must start at 1"),
    ("products[0].tiers[1].min_qty", "2 must be greater than the previous tier's 2"),
    ("products[0].tiers[1].unit_price", "12 rises above the previous tier's 10"),
    ("products[0].min_tranche", "0 must be an integer >= 1"),
    ("products[1].code", '"A" is used by an earlier product'),
    ("products[1].tiers", "must be a non-empty list of tiers"),
    ("products[1].max_per_period", "-1 must be an integer >= 1"),
    ("products[1].tranche_cost", '"free" must be a number >= 0'),
    ("demand[0].max_unit_prise", ("unknown field (expected one of earliest, id, latest, "
                                  "max_unit_price, member, member_id, options, product, quantity, "
                                  "splittable)")),
    ("demand[0].member", '"" must be a non-empty string'),
    ("demand[0].product", '"Z" is not one of the product codes'),
    ("demand[0].quantity", "0 must be an integer >= 1"),
    ("demand[0].earliest", '"2029Q1" is not one of the periods'),
    ("demand[0].splittable", '"yes" must be true or false'),
    ("demand[0].max_unit_price", "0 must be a number > 0"),
    ("demand[1].id", '"d1" is used by an earlier line'),
    ("demand[1].quantity", "true must be an integer >= 1"),
    ("demand[1].options.charging", '["a"] must be a string, number or true/false'),
]


def test_every_error_is_listed_at_once_with_its_field_path():
    with pytest.raises(ProblemError) as caught:
        parse_problem(BROKEN)
    assert caught.value.errors == BROKEN_ERRORS
    text = str(caught.value)
    assert text.startswith(f"invalid problem ({len(BROKEN_ERRORS)} errors)")
    assert 'demand[0].earliest: "2029Q1" is not one of the periods' in text


def test_window_order_and_missing_fields():
    data = json.loads(json.dumps(EXAMPLE))
    data["demand"][0]["earliest"], data["demand"][0]["latest"] = "2027Q3", "2027Q1"
    del data["products"][0]["tiers"][0]["unit_price"]
    data["demand"].append({"id": "x"})
    with pytest.raises(ProblemError) as caught:
        parse_problem(data)
    assert caught.value.errors == [
        ("products[0].tiers[0].unit_price", "is required"),
        ("demand[0].latest", '"2027Q1" is before earliest "2027Q3"'),
        ("demand[1].member", "is required"),
        ("demand[1].product", "is required"),
        ("demand[1].quantity", "is required"),
        ("demand[1].earliest", "is required"),
        ("demand[1].latest", "is required"),
    ]


@pytest.mark.parametrize("doc, path", [
    ([], ""), ({}, "periods"), ({"periods": [], "products": [], "demand": []}, "periods"),
])
def test_top_level_shape(doc, path):
    with pytest.raises(ProblemError) as caught:
        parse_problem(doc)
    assert caught.value.errors[0][0] == path


def test_non_finite_numbers_are_refused():
    data = json.loads(json.dumps(EXAMPLE))
    data["products"][0]["tranche_cost"] = float("nan")
    data["demand"][0]["max_unit_price"] = float("inf")
    with pytest.raises(ProblemError) as caught:
        parse_problem(data)
    assert [p for p, _r in caught.value.errors] == ["products[0].tranche_cost",
                                                    "demand[0].max_unit_price"]


def test_load_problem_reports_unreadable_and_non_json_files(tmp_path):
    with pytest.raises(ProblemError) as caught:
        load_problem(tmp_path / "missing.json")
    assert "cannot read" in caught.value.errors[0][1]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ProblemError) as caught:
        load_problem(bad)
    assert caught.value.errors[0][1].startswith("not valid JSON")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(EXAMPLE))
    assert load_problem(good) == parse_problem(EXAMPLE)


def test_a_problem_built_in_code_is_validated_before_any_solve():
    problem = Problem(
        periods=["P1"],
        products=[Product("X", [Tier(1, 10)])],
        demand=[DemandLine("d", "m", "Y", 1, "P1", "P2", options={"a": "b"})],
    )
    with pytest.raises(ProblemError) as caught:
        optimize(problem)
    assert [p for p, _r in caught.value.errors] == ["demand[0].product", "demand[0].latest"]


def test_bad_arguments_are_refused():
    problem = parse_problem(EXAMPLE)
    for kwargs in ({"solver": "gurobi"}, {"time_limit": 0}, {"gap": 1.5}):
        with pytest.raises(ValueError):
            optimize(problem, **kwargs)
