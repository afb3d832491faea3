"""Optimizer benchmark: synthetic national-scale problems, timed end to end.

    python bench/optimizer.py                  # 200, 2,000 and 20,000 demand lines
    python bench/optimizer.py --sizes 2000 --solver cbc
    python bench/optimizer.py --sizes 2000 --repeat 3      # each size three times
    python bench/optimizer.py --write 200 fixtures/problems/medium.json

Every figure in the generated problems is ASSUMED demo data (list prices near published transit
and fleet prices, volume tiers giving 3-12% off, invented members); the generator is seeded, so
a size always gives the same problem. Members are a quarter as many as lines, with a few large
cities and many small agencies.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consortium.optimizer import optimize, parse_problem

PERIODS = [f"{year}Q{q}" for year in (2027, 2028) for q in (1, 2, 3, 4)]

# code, name, list price, tiers as (min_qty, % off), min_tranche, tranche_cost, options, qty range
CATALOG = [
    ("BEB-40", "40-ft battery-electric transit bus", 1_150_000,
     [(1, 0), (10, 3), (25, 5), (50, 7), (100, 9)], 5, 40_000,
     {"charging": ["SAE-J3105", "CCS1", "SAE-J3105+CCS1"]}, (1, 25)),
    ("BEB-60", "60-ft articulated battery-electric bus", 1_600_000,
     [(1, 0), (10, 3), (25, 6), (50, 8)], 3, 50_000,
     {"charging": ["SAE-J3105", "CCS1"]}, (1, 10)),
    ("CUT-EV", "cutaway paratransit bus", 250_000,
     [(1, 0), (5, 3), (20, 6), (50, 9)], 3, 15_000,
     {"fuel": ["electric", "gasoline"]}, (1, 12)),
    ("PICKUP", "half-ton pickup truck", 48_000,
     [(1, 0), (25, 4), (100, 7), (250, 10), (500, 12)], 10, 8_000,
     {"cab": ["crew", "regular"], "drive": ["4x4", "4x2"]}, (1, 40)),
    ("SEDAN", "fleet sedan (hybrid or EV)", 32_000,
     [(1, 0), (20, 4), (100, 8), (300, 11)], 10, 6_000,
     {"powertrain": ["hybrid", "ev"]}, (1, 50)),
    ("VAN-CARGO", "cargo van", 67_000,
     [(1, 0), (10, 3), (50, 6), (150, 9)], 5, 8_000,
     {"roof": ["high", "standard"]}, (1, 20)),
]
WEIGHTS = [0.18, 0.06, 0.12, 0.26, 0.22, 0.16]
CAPACITY_SHARE = {"BEB-40": 1.1, "BEB-60": 1.2}   # x the mean per-period demand


def _tiers(list_price: int, tiers) -> list[dict]:
    return [{"min_qty": q, "unit_price": round(list_price * (100 - off) / 100)} for q, off in tiers]


def generate(lines: int, seed: int = 20270101) -> dict:
    """A synthetic problem with `lines` demand lines (ASSUMED figures, fixed seed)."""
    rng = random.Random(seed * 1_000_003 + lines)
    members = [f"Agency {i:05d}" for i in range(max(1, lines // 4))]
    member_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(members))]
    products, expected = [], {}
    for code, name, price, tiers, min_tranche, tranche_cost, _opts, (lo, hi) in CATALOG:
        products.append({"code": code, "name": name, "unit": "each",
                         "tiers": _tiers(price, tiers), "min_tranche": min_tranche,
                         "tranche_cost": tranche_cost})
        expected[code] = (lo + hi) / 2
    demand = []
    chosen = rng.choices(range(len(CATALOG)), weights=WEIGHTS, k=lines)
    owners = rng.choices(range(len(members)), weights=member_weights, k=lines)
    for i, (p, m) in enumerate(zip(chosen, owners)):
        code, _name, _price, _t, _mt, _tc, options, (lo, hi) = CATALOG[p]
        qty = min(hi, max(lo, round(rng.lognormvariate(0, 0.9) * hi / 5)))
        start = rng.randrange(len(PERIODS))
        end = min(len(PERIODS) - 1, start + rng.choice([0, 1, 1, 2, 2, 3]))
        line = {"id": f"D{i:06d}", "member": members[m], "product": code, "quantity": qty,
                "earliest": PERIODS[start], "latest": PERIODS[end],
                "options": {key: rng.choice(values) for key, values in options.items()},
                "splittable": rng.random() < 0.3}
        if rng.random() < 0.15:
            tier_prices = [t["unit_price"] for t in products[p]["tiers"]]
            line["max_unit_price"] = rng.choice(tier_prices[1:] + [tier_prices[-1] - 1000])
        demand.append(line)
    for product in products:
        share = CAPACITY_SHARE.get(product["code"])
        if share:
            units = sum(d["quantity"] for d in demand if d["product"] == product["code"])
            product["max_per_period"] = max(product["min_tranche"],
                                            int(share * units / len(PERIODS)))
    return {"periods": PERIODS, "products": products, "demand": demand}


def run(size: int, solver: str, time_limit: float, fairness: bool) -> dict:
    """Generate, solve, and return the timing row for one size."""
    data = generate(size)
    start = time.perf_counter()  # end to end: validation and parsing included
    cpu_start = time.process_time()  # this process's CPU: less swayed by other jobs' load
    plan = optimize(parse_problem(data), solver=solver, time_limit=time_limit,
                    fairness=fairness)
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    s = plan.solver.extra
    return {"lines": size, "build": plan.solver.build_seconds, "solve": plan.solver.solve_seconds,
            "standalone": s["standalone_seconds"], "fairness": s["fairness_seconds"],
            "total": total, "cpu": cpu, "status": plan.status, "gap": plan.gap, "subproblems": s["subproblems"],
            "milps": s["milp_subproblems"], "placed": plan.placed_units,
            "unplaced": len(plan.unplaced), "waived": len(s["fairness_waived"]),
            "fair_resolves": s["fairness_resolves"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 20000])
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-fairness", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="run each size this many times")
    parser.add_argument("--write", nargs=2, metavar=("LINES", "PATH"),
                        help="write the generated problem of LINES lines to PATH and stop")
    args = parser.parse_args(argv)
    if args.write:
        Path(args.write[1]).write_text(json.dumps(generate(int(args.write[0])), indent=1) + "\n")
        return
    head = (f"{'lines':>6} {'build s':>8} {'solve s':>8} {'alone s':>8} {'fair s':>7} "
            f"{'total s':>8} {'cpu s':>6}  {'status':<8} {'gap':>9} {'subs':>5} {'milps':>5} {'placed':>7} "
            f"{'unplaced':>8} {'waived':>6}")
    print(head)
    for size in [size for size in args.sizes for _ in range(args.repeat)]:
        r = run(size, args.solver, args.time_limit, not args.no_fairness)
        print(f"{r['lines']:>6} {r['build']:>8.2f} {r['solve']:>8.2f} {r['standalone']:>8.2f} "
              f"{r['fairness']:>7.2f} {r['total']:>8.2f} {r['cpu']:>6.2f}  {r['status']:<8} {r['gap']:>9.2e} "
              f"{r['subproblems']:>5} {r['milps']:>5} {r['placed']:>7} {r['unplaced']:>8} "
              f"{r['waived']:>6}", flush=True)


if __name__ == "__main__":
    main()
