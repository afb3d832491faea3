"""Time limits and solvers: the status is what the solver proved, and the award stays valid."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from consortium.award import award_to_dict, optimize_award, parse_award_problem
from tests.award.checker import check_award, exact

BENCH = Path(__file__).resolve().parents[2] / "bench" / "award.py"


def generate(n_lots: int) -> dict:
    spec = importlib.util.spec_from_file_location("award_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(n_lots)


def test_a_tight_time_limit_gives_a_valid_award_with_the_status_the_solver_proved():
    data = generate(400)
    result = optimize_award(parse_award_problem(data), time_limit=0.01)
    award = award_to_dict(result)
    check_award(data, award)
    assert award["status"] in ("optimal", "feasible")
    if award["status"] == "feasible":
        assert award["gap"] > 0 or exact(award["lower_bound"]) < exact(award["total_cost"]) \
            or award["awarded_units"] < optimize_award(parse_award_problem(data)).awarded_units


def test_enough_time_proves_the_award_optimal_and_cbc_agrees():
    data = generate(120)
    highs = award_to_dict(optimize_award(parse_award_problem(data), time_limit=60))
    check_award(data, highs)
    assert highs["status"] == "optimal" and highs["gap"] == 0.0
    assert highs["lower_bound"] == highs["total_cost"]
    cbc = award_to_dict(optimize_award(parse_award_problem(data), time_limit=60, solver="cbc"))
    check_award(data, cbc)
    assert (cbc["awarded_units"], cbc["total_cost"]) == (highs["awarded_units"],
                                                         highs["total_cost"])
    assert cbc["solver"]["name"] == "CBC"
