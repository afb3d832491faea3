"""Award optimizer benchmark: seeded random award problems, timed end to end.

    python bench/award.py                        # 300 and 2,000 lots, 8 vendors
    python bench/award.py --sizes 2000 --repeat 3
    python bench/award.py --write 12 /tmp/award-problem.json
    python bench/award.py --sizes 2000 --capacity 0.3 0.8     # tighter capacities

`total s` is wall-clock time, `cpu s` the process's CPU time (the solver runs in process on one
thread): on a shared machine the second is the figure that does not depend on the neighbours.

Every figure in the generated problems is ASSUMED demo data: list prices near published transit
and fleet prices; each of 8 vendors makes two to four of 6 products and sends one bid per product
(bid package); a bid prices 40-85% of that product's lots at 88-108% of list; its capacity per
period is 50-120% of the units it priced there; 2-6 set discounts of 1-4% over 2-5 of its lots;
80% of lots carry a cap of 95-110% of list; a vendor may win at most 1.5 x its fair share of
lots. Members are a quarter as many as lots. The generator is seeded: a size is always the same
problem.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consortium.award import optimize_award, parse_award_problem  # noqa: E402

PERIODS = [f"{year}Q{q}" for year in (2027, 2028) for q in (1, 2, 3, 4)]
# product, list price, lot quantity range
CATALOG = [("BEB-40", 1_150_000, (2, 25)), ("BEB-60", 1_600_000, (1, 10)),
           ("CUT-EV", 250_000, (2, 12)), ("PICKUP", 48_000, (5, 60)),
           ("SEDAN", 32_000, (5, 80)), ("VAN-CARGO", 67_000, (2, 30))]
VENDORS = 8


def generate(n_lots: int, seed: int = 7, capacity: tuple[float, float] = (0.5, 1.2)) -> dict:
    """A seeded random award problem with `n_lots` lots and 8 vendors; each bid's capacity per
    period is `capacity` (low, high) times the units it priced there."""
    rng = random.Random(seed * 1_000_003 + n_lots)
    members = [f"Member {i + 1:03d}" for i in range(max(2, n_lots // 4))]
    lots = []
    for i in range(n_lots):
        code, price, (low, high) = rng.choice(CATALOG)
        qty = rng.randint(low, high)
        cities = rng.sample(members, min(qty, rng.randint(1, 4)))
        cuts = sorted(rng.sample(range(1, qty), len(cities) - 1)) if len(cities) > 1 else []
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, qty])]
        lot = {"id": f"{code}/LOT-{i + 1}", "product": code, "period": rng.choice(PERIODS),
               "quantity": qty,
               "allocations": [{"member": m, "quantity": q} for m, q in zip(cities, parts)]}
        if rng.random() < 0.8:
            lot["max_unit_price"] = round(price * rng.uniform(0.95, 1.10))
        lots.append(lot)
    by_product: dict[str, list[dict]] = {}
    for lot in lots:
        by_product.setdefault(lot["product"], []).append(lot)
    lists = {code: price for code, price, _ in CATALOG}
    bids = []
    for v in range(VENDORS):
        vendor = f"Vendor {chr(65 + v)}"
        level = rng.uniform(0.92, 1.02)
        for code in rng.sample(sorted(by_product), rng.randint(2, 4)):
            bids.append(_bid(rng, f"BID-{len(bids) + 1}", vendor, by_product[code],
                             lists[code] * level, capacity))
    return {"lots": lots, "bids": bids,
            "max_lots_per_vendor": max(1, math.ceil(1.5 * n_lots / VENDORS))}


def _bid(rng: random.Random, bid_id: str, vendor: str, lots: list[dict], level: float,
         capacity_range: tuple[float, float]) -> dict:
    share = rng.uniform(0.4, 0.85)
    priced = [lot for lot in lots if rng.random() < share] or [lots[0]]
    prices = [{"lot": lot["id"], "unit_price": round(level * rng.uniform(0.96, 1.06))}
              for lot in priced]
    units: dict[str, int] = {}
    for lot in priced:
        units[lot["period"]] = units.get(lot["period"], 0) + lot["quantity"]
    capacity = [{"product": priced[0]["product"], "period": period,
                 "max_units": round(total * rng.uniform(*capacity_range))}
                for period, total in sorted(units.items())]
    price_of = {p["lot"]: p["unit_price"] for p in prices}
    qty_of = {lot["id"]: lot["quantity"] for lot in priced}
    discounts = []
    for _ in range(rng.randint(2, 6)):
        chosen = rng.sample(sorted(price_of), min(len(price_of), rng.randint(2, 5)))
        if len(chosen) < 2:
            break
        value = sum(price_of[lot] * qty_of[lot] for lot in chosen)
        discounts.append({"lots": chosen, "amount": round(value * rng.uniform(0.01, 0.04))})
    return {"id": bid_id, "vendor": vendor, "prices": prices, "capacity": capacity,
            "discounts": discounts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 2000])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--solver", choices=["highs", "cbc"], default="highs")
    parser.add_argument("--capacity", type=float, nargs=2, default=[0.5, 1.2],
                        metavar=("LOW", "HIGH"),
                        help="capacity per period as a share of the units a bid priced there")
    parser.add_argument("--write", nargs=2, metavar=("LOTS", "PATH"),
                        help="write the problem of LOTS lots to PATH and stop")
    args = parser.parse_args()
    if args.write:
        Path(args.write[1]).write_text(json.dumps(generate(int(args.write[0]), args.seed,
                                                           tuple(args.capacity)),
                                                  indent=1) + "\n")
        return
    print(f"{'lots':>6} {'bids':>5} {'pairs':>6} {'discounts':>9} {'status':>9} {'gap':>9} "
          f"{'awarded':>8} {'units':>7} {'build s':>8} {'solve s':>8} {'total s':>8} {'cpu s':>6}")
    for size in args.sizes:
        data = generate(size, args.seed, tuple(args.capacity))
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), time.process_time()
            result = optimize_award(parse_award_problem(data), time_limit=args.time_limit,
                                    solver=args.solver)
            total, cpu = time.perf_counter() - start, time.process_time() - cpu
            n_disc = sum(len(b["discounts"]) for b in data["bids"])
            print(f"{size:>6} {len(data['bids']):>5} {result.details['pairs']:>6} {n_disc:>9} "
                  f"{result.status:>9} {result.gap:>9.2e} {len(result.awards):>8} "
                  f"{result.awarded_units:>7} {result.details['build_seconds']:>8.2f} "
                  f"{result.solve_seconds:>8.2f} {total:>8.2f} {cpu:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
