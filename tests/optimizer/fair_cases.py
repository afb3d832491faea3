"""Random small problems where the no-member-worse-off guarantee binds, for brute-force checks."""

from __future__ import annotations

import math
import random

from tests.optimizer.checker import brute_fair_optimum

PERIODS = ["Q1", "Q2", "Q3"]
MEMBERS = ["A", "B", "C"]
MAX_PLANS = 20_000      # plans enumerated per problem, at most


def _plans(data: dict) -> int:
    """How many plans brute force will enumerate."""
    index = {p: i for i, p in enumerate(data["periods"])}
    total = 1
    for d in data["demand"]:
        width = index[d["latest"]] - index[d["earliest"]] + 1
        total *= 1 + (math.comb(d["quantity"] + width - 1, width - 1) if d["splittable"]
                      else width)
    return total


def random_problem(rng: random.Random) -> dict:
    """One product, 2-3 periods, 3-5 lines of three members, in the problem-file format."""
    periods = PERIODS[:rng.choice([2, 3])]
    price = 100
    tiers = [{"min_qty": 1, "unit_price": price}]
    for low in sorted(rng.sample(range(2, 10), rng.choice([1, 2]))):
        price -= rng.randint(1, 12)
        tiers.append({"min_qty": low, "unit_price": price})
    product = {"code": "P", "name": "P", "tiers": tiers,
               "tranche_cost": rng.choice([0, 10, 40, 150])}
    if rng.random() < 0.3:
        product["min_tranche"] = rng.randint(1, 3)
    if rng.random() < 0.3:
        product["max_per_period"] = rng.randint(4, 9)
    demand = []
    for i in range(rng.randint(3, 5)):
        start = rng.randrange(len(periods))
        end = rng.randrange(start, len(periods))
        line = {"id": f"d{i}", "member": rng.choice(MEMBERS), "product": "P",
                "quantity": rng.randint(1, 5), "earliest": periods[start],
                "latest": periods[end], "splittable": rng.random() < 0.4}
        if rng.random() < 0.15:
            line["options"] = {"c": "x"}
        if rng.random() < 0.15:
            line["max_unit_price"] = rng.choice(tiers)["unit_price"]
        demand.append(line)
    return {"periods": periods, "products": [product], "demand": demand}


def binding_cases(count: int, seed: int = 16):
    """`count` (problem, brute-force answer) pairs where some cheapest plan leaves a member
    worse off, so the guarantee has work to do."""
    rng = random.Random(seed)
    found = 0
    while found < count:
        data = random_problem(rng)
        if _plans(data) > MAX_PLANS:
            continue
        answer = brute_fair_optimum(data)
        units, best, fair, unfair_cheapest = answer
        if fair is None or fair != best or unfair_cheapest:
            found += 1
            yield data, answer
