"""Award problem validation: every problem listed at once, each with its field path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consortium.award import (
    AwardProblem,
    Bid,
    Lot,
    Price,
    ProblemError,
    load_award_problem,
    optimize_award,
    parse_award_problem,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "award"


def errors_of(data) -> list[tuple[str, str]]:
    with pytest.raises(ProblemError) as info:
        parse_award_problem(data)
    return info.value.errors


def test_fixtures_parse_and_round_trip():
    for path in sorted(FIXTURES.glob("*.json")):
        problem = load_award_problem(path)
        assert parse_award_problem(problem.to_dict()) == problem
        assert problem.to_dict() == json.loads(path.read_text())


def test_every_error_is_listed_with_its_path():
    data = {
        "lots": [
            {"id": "L1", "product": "BUS", "period": "", "quantity": 0, "max_unit_price": -5,
             "allocations": [{"member": "A", "quantity": 2}, {"member": "A", "quantity": 0}]},
            {"id": "L1", "product": "BUS", "period": "P", "quantity": 3, "colour": "red",
             "allocations": [{"member": "A", "quantity": 2}]},
        ],
        "bids": [
            {"id": "B", "vendor": "V",
             "prices": [{"lot": "L1", "unit_price": 10}, {"lot": "L1", "unit_price": 11},
                        {"lot": "L9", "unit_price": 0}],
             "capacity": [{"product": "BUS", "period": "P", "max_units": -1},
                          {"product": "BUS", "period": "P", "max_units": 4}],
             "discounts": [{"lots": ["L1", "L1", "L7"], "amount": 5}, {"lots": [], "amount": 0}]},
            {"id": "B", "vendor": "", "prices": []},
        ],
        "max_lots_per_vendor": 0,
        "extra": True,
    }
    assert errors_of(data) == [
        ("extra", "unknown field (expected one of bids, lots, max_lots_per_vendor)"),
        ("lots[0].period", '"" must be a non-empty string'),
        ("lots[0].quantity", "0 must be an integer >= 1"),
        ("lots[0].max_unit_price", "-5 must be a number > 0"),
        ("lots[0].allocations[1].member", '"A" is listed twice in the lot'),
        ("lots[0].allocations[1].quantity", "0 must be an integer >= 1"),
        ("lots[1].colour", "unknown field (expected one of allocations, id, max_unit_price, "
                           "period, product, quantity)"),
        ("lots[1].allocations", "quantities add up to 2, not the lot's quantity 3"),
        ("lots[1].id", '"L1" is used by an earlier lot'),
        ("bids[0].prices[1].lot", '"L1" is priced twice in this bid'),
        ("bids[0].prices[2].unit_price", "0 must be a number > 0"),
        ("bids[0].prices[2].lot", '"L9" is not one of the lots'),
        ("bids[0].capacity[0].max_units", "-1 must be an integer >= 0"),
        ("bids[0].capacity[1]", 'product "BUS" in period "P" has an earlier capacity entry '
                                "in this bid"),
        ("bids[0].discounts[0].lots[1]", '"L1" is listed twice in the discount'),
        ("bids[0].discounts[0].lots[2]", '"L7" is not one of the lots'),
        ("bids[0].discounts[1].lots", "must be a non-empty list of lot ids"),
        ("bids[0].discounts[1].amount", "0 must be a number > 0"),
        ("bids[1].id", '"B" is used by an earlier bid'),
        ("bids[1].vendor", '"" must be a non-empty string'),
        ("bids[1].prices", "must be a non-empty list of lot prices"),
        ("max_lots_per_vendor", "0 must be an integer >= 1"),
    ]


def test_a_discount_must_not_exceed_its_lots_value_and_its_lots_must_be_priced():
    data = {"lots": [{"id": "L1", "product": "BUS", "period": "P", "quantity": 2},
                     {"id": "L2", "product": "BUS", "period": "P", "quantity": 1}],
            "bids": [{"id": "B", "vendor": "V", "prices": [{"lot": "L1", "unit_price": 10}],
                      "discounts": [{"lots": ["L1"], "amount": 20.01},
                                    {"lots": ["L1"], "amount": 20},
                                    {"lots": ["L2"], "amount": 1}]}]}
    assert errors_of(data) == [
        ("bids[0].discounts[0].amount", "20.01 is more than the 20.00 the set's lots cost"),
        ("bids[0].discounts[2].lots[0]", '"L2" is not priced by this bid'),
    ]


def test_wrong_types_are_errors_not_crashes():
    assert errors_of([]) == [("", "the award problem must be a JSON object with lots and bids")]
    assert errors_of({"lots": "x", "bids": {}}) == [
        ("lots", "must be a non-empty list of lots"), ("bids", "must be a list of bids")]
    assert errors_of({"lots": [1], "bids": [None]}) == [
        ("lots[0]", "must be an object"), ("bids[0]", "must be an object")]
    assert errors_of({"lots": [{"id": "L", "product": "P", "period": "Q", "quantity": True}],
                      "bids": []}) == [("lots[0].quantity", "true must be an integer >= 1")]
    assert errors_of({}) == [("lots", "is required"), ("bids", "is required")]


def test_problems_built_in_code_are_validated_too():
    problem = AwardProblem(lots=(Lot("L1", "BUS", "P", 0),),
                           bids=(Bid("B", "V", (Price("L2", 5),)),))
    with pytest.raises(ProblemError) as info:
        optimize_award(problem)
    assert info.value.errors == [("lots[0].quantity", "0 must be an integer >= 1"),
                                 ("bids[0].prices[0].lot", '"L2" is not one of the lots')]


def test_bad_arguments_are_value_errors():
    problem = load_award_problem(FIXTURES / "small.json")
    for kwargs in ({"time_limit": 0}, {"gap": 1}, {"solver": "gurobi"}):
        with pytest.raises(ValueError):
            optimize_award(problem, **kwargs)
