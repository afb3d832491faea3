"""An independent plan checker and brute-force solver for tiny problems.

Written from docs/problem-format.md alone, sharing no code with consortium.optimizer: it works on
the problem and plan dicts, with exact Fractions.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

CENT = Fraction(1, 100)


def exact(x) -> Fraction:
    if isinstance(x, int):
        return Fraction(x)
    return Fraction(Decimal(repr(x)))


def unit_price(product: dict, qty: int) -> Fraction:
    price = None
    for tier in product["tiers"]:
        if qty >= tier["min_qty"]:
            price = exact(tier["unit_price"])
    return price


def tranche_cost(product: dict, qty: int) -> Fraction:
    if qty <= 0:
        return Fraction(0)
    return qty * unit_price(product, qty) + exact(product.get("tranche_cost", 0))


def close(reported, value: Fraction, tol=CENT) -> bool:
    return abs(exact(reported) - value) <= tol


def check_plan(problem: dict, plan: dict, *, fairness: bool, standalone: bool = True) -> None:
    """Assert that the plan obeys every rule of the contract for this problem."""
    periods = problem["periods"]
    index = {p: i for i, p in enumerate(periods)}
    products = {p["code"]: p for p in problem["products"]}
    lines = {d["id"]: d for d in problem["demand"]}
    placed: dict[str, int] = {}
    where: dict[str, list[str]] = {}
    triples = set()
    load: dict[tuple[str, str], int] = {}
    total = Fraction(0)
    paid: dict[str, Fraction] = {}
    ids = []
    for t in plan["tranches"]:
        ids.append(t["id"])
        product = products[t["product"]]
        key = (t["product"], tuple(sorted(t["options"].items())), t["period"])
        assert key not in triples, f"two tranches for {key}"
        triples.add(key)
        qty = sum(a["quantity"] for a in t["allocations"])
        assert qty == t["quantity"] > 0
        assert qty >= product.get("min_tranche", 1), f"{t['id']} below the vendor minimum"
        price = unit_price(product, qty)
        assert exact(t["unit_price"]) == price, f"{t['id']} unit price"
        assert close(t["tranche_cost"], exact(product.get("tranche_cost", 0)))
        cost = tranche_cost(product, qty)
        assert close(t["total_cost"], cost), f"{t['id']} total"
        total += cost
        load[(t["product"], t["period"])] = load.get((t["product"], t["period"]), 0) + qty
        for a in t["allocations"]:
            d = lines[a["demand"]]
            assert a["member"] == d["member"] and a["quantity"] > 0
            assert d["product"] == t["product"]
            assert (d.get("options") or {}) == t["options"], f"{d['id']} options"
            assert index[d["earliest"]] <= index[t["period"]] <= index[d["latest"]], "window"
            if d.get("max_unit_price") is not None:
                assert price <= exact(d["max_unit_price"]), f"{d['id']} above its cap"
            placed[d["id"]] = placed.get(d["id"], 0) + a["quantity"]
            where.setdefault(d["id"], []).append(t["period"])
            share = a["quantity"] * price + exact(product.get("tranche_cost", 0)) * Fraction(
                a["quantity"], qty)
            paid[d["member"]] = paid.get(d["member"], Fraction(0)) + share
    assert ids == [f"T{i}" for i in range(1, len(ids) + 1)]
    for (code, _period), qty in load.items():
        cap = products[code].get("max_per_period")
        assert cap is None or qty <= cap, f"{code} over capacity"
    for line_id, qty in placed.items():
        d = lines[line_id]
        assert qty == d["quantity"], f"{line_id} placed in part"
        assert d.get("splittable", False) or len(where[line_id]) == 1, f"{line_id} split"
    unplaced = {u["demand"] for u in plan["unplaced"]}
    assert unplaced == set(lines) - set(placed)
    for u in plan["unplaced"]:
        assert u["reason"] and u["quantity"] == lines[u["demand"]]["quantity"]
    assert plan["placed_units"] == sum(placed.values())
    assert close(plan["total_cost"], total)
    assert exact(plan["lower_bound"]) <= exact(plan["total_cost"]) + CENT
    assert plan["status"] in ("optimal", "feasible")
    members = {m["member"]: m for m in plan["members"]}
    assert set(members) == {d["member"] for d in problem["demand"]}
    alone_total = Fraction(0)
    for name, m in members.items():
        own = [d for d in problem["demand"] if d["member"] == name and d["id"] in placed]
        alone = brute_standalone(problem, own) if standalone else exact(m["standalone_cost"])
        alone_total += alone
        assert close(m["standalone_cost"], alone), f"{name} stand-alone"
        assert close(m["consortium_cost"], paid.get(name, Fraction(0))), f"{name} consortium"
        assert close(m["savings"], alone - paid.get(name, Fraction(0)))
        if fairness and name not in plan["solver"].get("fairness_waived", []):
            assert exact(m["savings"]) >= 0, f"{name} is worse off"
    totals = plan["totals"]
    assert close(totals["standalone_cost"], alone_total)
    assert close(totals["consortium_cost"], total)
    assert close(totals["savings"], alone_total - total)
    pct = float((alone_total - total) / alone_total * 100) if alone_total else 0.0
    assert abs(totals["savings_pct"] - pct) < 1e-4
    assert exact(totals["fairness_cost"]) >= 0


def _splits(qty: int, periods: list[int]):
    """Every way to deliver qty units over these periods."""
    if len(periods) == 1:
        yield ((periods[0], qty),) if qty else ()
        return
    for first in range(qty + 1):
        for rest in _splits(qty - first, periods[1:]):
            yield (((periods[0], first),) if first else ()) + rest


def _options(problem: dict, d: dict, *, placeable: bool = True):
    index = {p: i for i, p in enumerate(problem["periods"])}
    window = list(range(index[d["earliest"]], index[d["latest"]] + 1))
    out = [None] if placeable else []
    if d.get("splittable"):
        out += [s for s in _splits(d["quantity"], window)]
    else:
        out += [((p, d["quantity"]),) for p in window]
    return out


def brute_standalone(problem: dict, own: list[dict]) -> Fraction:
    """A member's stand-alone cost by enumeration (no minimum, capacity or caps)."""
    products = {p["code"]: p for p in problem["products"]}
    best = None
    choices = [_options(problem, d, placeable=False) for d in own]
    for combo in itertools.product(*choices):
        loads: dict[tuple, int] = {}
        for d, parts in zip(own, combo):
            for p, q in parts:
                key = (d["product"], tuple(sorted((d.get("options") or {}).items())), p)
                loads[key] = loads.get(key, 0) + q
        cost = sum((tranche_cost(products[k[0]], q) for k, q in loads.items()), Fraction(0))
        best = cost if best is None or cost < best else best
    return best if best is not None else Fraction(0)


def brute_optimum(problem: dict) -> tuple[int, Fraction]:
    """(most units placeable, least cost at that level) by enumerating every plan."""
    products = {p["code"]: p for p in problem["products"]}
    demand = problem["demand"]
    best = None
    for combo in itertools.product(*(_options(problem, d) for d in demand)):
        loads: dict[tuple, int] = {}
        members: dict[tuple, list] = {}
        units = 0
        for d, parts in zip(demand, combo):
            if parts is None:
                continue
            units += d["quantity"]
            for p, q in parts:
                key = (d["product"], tuple(sorted((d.get("options") or {}).items())), p)
                loads[key] = loads.get(key, 0) + q
                members.setdefault(key, []).append(d)
        if not _feasible(products, loads, members):
            continue
        cost = sum((tranche_cost(products[k[0]], q) for k, q in loads.items()), Fraction(0))
        if best is None or (units, -cost) > (best[0], -best[1]):
            best = (units, cost)
    return best


def _feasible(products, loads, members) -> bool:
    per_period: dict[tuple, int] = {}
    for key, q in loads.items():
        product = products[key[0]]
        if q < product.get("min_tranche", 1):
            return False
        price = unit_price(product, q)
        for d in members[key]:
            if d.get("max_unit_price") is not None and price > exact(d["max_unit_price"]):
                return False
        per_period[(key[0], key[2])] = per_period.get((key[0], key[2]), 0) + q
    for (code, _p), q in per_period.items():
        cap = products[code].get("max_per_period")
        if cap is not None and q > cap:
            return False
    return True


def brute_fair_optimum(problem: dict) -> tuple[int, Fraction, Fraction | None, bool]:
    """(most units, least cost at that level, least cost of a plan at that level leaving no
    member worse off or None when there is none, whether some cheapest plan leaves a member
    worse off), by enumerating every plan; members' costs as the contract defines them."""
    products = {p["code"]: p for p in problem["products"]}
    demand = problem["demand"]
    alone_cache: dict[frozenset, Fraction] = {}
    plans = []
    for combo in itertools.product(*(_options(problem, d) for d in demand)):
        loads: dict[tuple, int] = {}
        members: dict[tuple, list] = {}
        units = 0
        for d, parts in zip(demand, combo):
            if parts is None:
                continue
            units += d["quantity"]
            for p, q in parts:
                key = (d["product"], tuple(sorted((d.get("options") or {}).items())), p)
                loads[key] = loads.get(key, 0) + q
                members.setdefault(key, []).append(d)
        if not _feasible(products, loads, members):
            continue
        cost = sum((tranche_cost(products[k[0]], q) for k, q in loads.items()), Fraction(0))
        plans.append((units, cost, combo, loads))
    units = max(p[0] for p in plans)
    best = min(p[1] for p in plans if p[0] == units)
    fair_best, unfair_cheapest = None, False
    for plan_units, cost, combo, loads in plans:
        if plan_units != units or (fair_best is not None and cost >= fair_best
                                   and (cost > best or unfair_cheapest)):
            continue
        paid: dict[str, Fraction] = {}
        own: dict[str, list] = {}
        for d, parts in zip(demand, combo):
            if parts is None:
                continue
            own.setdefault(d["member"], []).append(d["id"])
            product = products[d["product"]]
            for p, q in parts:
                key = (d["product"], tuple(sorted((d.get("options") or {}).items())), p)
                share = q * unit_price(product, loads[key]) + exact(
                    product.get("tranche_cost", 0)) * Fraction(q, loads[key])
                paid[d["member"]] = paid.get(d["member"], Fraction(0)) + share
        fair = True
        for name, ids in own.items():
            key = frozenset(ids)
            if key not in alone_cache:
                alone_cache[key] = brute_standalone(
                    problem, [d for d in demand if d["id"] in key])
            if paid[name] > alone_cache[key]:
                fair = False
                break
        if fair and (fair_best is None or cost < fair_best):
            fair_best = cost
        if not fair and cost == best:
            unfair_cheapest = True
    return units, best, fair_best, unfair_cheapest
