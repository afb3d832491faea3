"""Stand-alone costs: the dynamic programme and the MILP agree with brute force."""

from __future__ import annotations

import time
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from consortium.optimizer.instance import ProductInfo
from consortium.optimizer.solve import SolveSettings
from consortium.optimizer.standalone import dp_cost, milp_cost
from tests.optimizer.checker import brute_standalone

PERIODS = ["P0", "P1", "P2", "P3"]


@st.composite
def shapes(draw):
    tiers = [(1, 100)]
    for q in sorted(draw(st.sets(st.integers(2, 9), max_size=3))):
        tiers.append((q, tiers[-1][1] - draw(st.integers(0, 12))))
    fee = draw(st.sampled_from([0, 15, 60]))
    shape = []
    for _ in range(draw(st.integers(2, 4))):
        lo = draw(st.integers(0, 3))
        hi = draw(st.integers(lo, 3))
        split = draw(st.booleans())
        shape.append((lo, hi, draw(st.integers(1, 5 if split else 9)), split))
    return tiers, fee, tuple(sorted(shape))


def _info(tiers, fee) -> ProductInfo:
    return ProductInfo("X", [q for q, _p in tiers], [Fraction(p) for _q, p in tiers], 1, None,
                       Fraction(fee))


def _brute(tiers, fee, shape) -> Fraction:
    problem = {"periods": PERIODS, "products": [
        {"code": "X", "tiers": [{"min_qty": q, "unit_price": p} for q, p in tiers],
         "tranche_cost": fee}]}
    own = [{"id": str(i), "member": "m", "product": "X", "quantity": q, "earliest": PERIODS[lo],
            "latest": PERIODS[hi], "splittable": split}
           for i, (lo, hi, q, split) in enumerate(shape)]
    return brute_standalone(problem, own)


@settings(max_examples=80, deadline=None)
@given(shapes())
def test_dynamic_programme_and_milp_match_brute_force(case):
    tiers, fee, shape = case
    info = _info(tiers, fee)
    expected = _brute(tiers, fee, shape)
    assert dp_cost(info, shape) == expected
    run = SolveSettings("highs", 0.0, 10.0, time.monotonic() + 10)
    assert milp_cost(info, shape, run) == (expected, True)


def test_splitting_alone_can_pay():
    # 8 in P0, 23 in P1, 4 splittable over both: 2 + 2 reaches both tiers
    info = _info([(1, 100), (10, 90), (25, 80)], 0)
    shape = ((0, 0, 8, False), (0, 1, 4, True), (1, 1, 23, False))
    assert dp_cost(info, shape) == 10 * 90 + 25 * 80
