"""optimizer.value: each member's figures against problems solved independently."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from consortium.optimizer import optimize, parse_problem
from consortium.optimizer.value import member_values, without_member
from tests.optimizer.checker import brute_fair_optimum, brute_optimum, exact
from tests.optimizer.fair_cases import random_problem
from tests.optimizer.helpers import line, problem, product


def _pooled() -> dict:
    """Hand-checked: tiers 1 -> 100, 10 -> 90, vendor minimum 5, tranche cost 10.

    A (6, Q1-Q2) and B (6, Q2-Q3) share one Q2 tranche of 12 at 90: 1,090, each paying
    6 x 90 + 5 = 545 (alone 610, savings 65). C's 3 units in Q4 are below the minimum: unplaced.
    Without A, B buys 6 at 100 + 10 = 610, so A is worth 610 - 545 = 65 to the others
    (likewise B); without C nothing changes.
    """
    return problem([product(tiers=((1, 100), (10, 90)), min_tranche=5, tranche_cost=10)],
                   [line("A1", "A", 6, "2027Q1", "2027Q2"), line("B1", "B", 6, "2027Q2", "2027Q3"),
                    line("C1", "C", 3, "2027Q4")])


def test_hand_checked_figures():
    values = {v.member: v for v in member_values(parse_problem(_pooled()))}
    assert sorted(values) == ["A", "B", "C"]
    a = values["A"]
    assert (a.lines, a.units, a.placed_units) == (1, 6, 6)
    assert (a.standalone_cost, a.consortium_cost, a.savings) == (610, 545, 65)
    assert (a.total_with, a.total_without) == (1090, 610)
    assert (a.others_cost_with, a.others_cost_without, a.value_to_others) == (545, 610, 65)
    assert (a.others_placed_with, a.others_placed_without) == (6, 6)
    assert values["B"].value_to_others == 65
    c = values["C"]
    assert (c.placed_units, c.savings, c.total_without, c.value_to_others) == (0, 0, 1090, 0)
    assert (c.others_cost_with, c.others_placed_with, c.others_placed_without) == (1090, 12, 12)


def test_a_member_can_cost_the_others():
    """Capacity 10 per period: A's 8 units in Q1 leave no room for B's 6 (Q1 only). Without A
    the others pay 600 more, because they place 6 more units: the placed units beside the
    cost say why."""
    data = problem([product(tiers=((1, 100),), max_per_period=10)],
                   [line("A1", "A", 8, "2027Q1"), line("B1", "B", 6, "2027Q1")])
    values = {v.member: v for v in member_values(parse_problem(data), fairness=False)}
    a = values["A"]
    assert (a.placed_units, a.others_placed_with, a.others_placed_without) == (8, 0, 6)
    assert (a.others_cost_with, a.others_cost_without, a.value_to_others) == (0, 600, 600)
    b = values["B"]
    assert (b.placed_units, b.others_placed_with, b.others_placed_without) == (0, 8, 8)
    assert b.value_to_others == 0


def test_the_only_member_leaves_nothing_to_buy():
    data = problem([product()], [line("A1", "A", 4, "2027Q1")])
    (only,) = member_values(parse_problem(data))
    assert (only.total_with, only.total_without, only.others_cost_with) == (400, 0, 0)
    assert (only.value_to_others, only.others_placed_without) == (0, 0)


def test_a_given_base_plan_is_not_solved_again():
    data = parse_problem(_pooled())
    base = optimize(data)
    stages = []
    member_values(data, base=base, progress=lambda stage, done, total: stages.append(stage))
    assert "base" not in stages and stages.count("member") == 3 and stages[-1] == "done"
    stages.clear()
    member_values(data, progress=lambda stage, done, total: stages.append(stage))
    assert stages[:2] == ["base", "base"]


def test_without_member_keeps_everything_else():
    data = parse_problem(_pooled())
    rest = without_member(data, "A")
    assert [d.id for d in rest.demand] == ["B1", "C1"]
    assert rest.periods == data.periods and rest.products == data.products


@pytest.mark.parametrize("seed", range(12))
def test_totals_equal_brute_force_without_each_member(seed):
    """Random small problems, fairness off: every total against enumeration of every plan of
    the problem with and without the member, which shares no code with the optimizer."""
    rng = random.Random(1000 + seed)
    data = random_problem(rng)
    values = member_values(parse_problem(data), fairness=False)
    units, best = brute_optimum(data)
    for v in values:
        assert exact(v.total_with) == best
        rest = {**data, "demand": [d for d in data["demand"] if d["member"] != v.member]}
        rest_units, rest_best = brute_optimum(rest) if rest["demand"] else (0, Fraction(0))
        assert exact(v.total_without) == rest_best == exact(v.others_cost_without)
        assert v.others_placed_without == rest_units
        assert v.others_placed_with == units - v.placed_units
        assert abs(exact(v.others_cost_with) - (best - exact(v.consortium_cost))) <= Fraction(1, 100)
        assert exact(v.value_to_others) == exact(v.others_cost_without) - exact(v.others_cost_with)


@pytest.mark.parametrize("seed", range(8))
def test_fair_totals_equal_brute_force(seed):
    """Fairness on: where a plan leaving nobody worse off exists, its cost is the total."""
    rng = random.Random(2000 + seed)
    data = random_problem(rng)
    for v in member_values(parse_problem(data), fairness=True):
        rest = {**data, "demand": [d for d in data["demand"] if d["member"] != v.member]}
        if not rest["demand"]:
            assert v.total_without == 0
            continue
        units, _best, fair_best, _unfair = brute_fair_optimum(rest)
        assert v.others_placed_without == units
        if fair_best is not None:
            assert exact(v.total_without) == fair_best
