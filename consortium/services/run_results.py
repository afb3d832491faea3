"""Reading a stored plan: tranche rows, a member's results, chart data and run comparison.

Pure functions over the contract's problem and plan dicts (docs/problem-format.md): no database.
"""

from __future__ import annotations

import json
from collections import defaultdict

TOTAL_KEYS = (
    ("status", "Status"), ("placed_units", "Placed units"), ("total_cost", "Total cost"),
    ("gap", "Gap"), ("standalone_cost", "Stand-alone cost"),
    ("consortium_cost", "Consortium cost"), ("savings", "Savings"),
    ("savings_pct", "Savings %"), ("fairness_cost", "Fairness cost"),
)


def _products(problem: dict | None) -> dict[str, dict]:
    return {p["code"]: p for p in (problem or {}).get("products", [])}


def line_ref(demand_id: str, member_name: str) -> str:
    """The member's own ref of the line that a problem file's `id` (a plan's `demand`) names:
    ids of lines whose ref other members share are "<ref>@<member>" (services.problem)."""
    suffix = f"@{member_name}"
    return demand_id[:-len(suffix)] if demand_id.endswith(suffix) else demand_id


def tier_reached(product: dict | None, quantity: int) -> dict | None:
    """The tier a tranche of `quantity` units is priced at: number (1-based), min_qty, price."""
    if not product:
        return None
    reached = None
    for number, tier in enumerate(sorted(product["tiers"], key=lambda t: t["min_qty"]), 1):
        if quantity >= tier["min_qty"]:
            reached = {"number": number, "min_qty": tier["min_qty"], "unit_price": tier["unit_price"],
                       "of": len(product["tiers"])}
    return reached


def options_label(options: dict | None) -> str:
    """`charging: CCS1, length: 40 ft` (or an em dash when there are none)."""
    return ", ".join(f"{k}: {v}" for k, v in sorted((options or {}).items())) or "—"


def tranche_rows(problem: dict | None, plan: dict) -> list[dict]:
    """The plan's tranches with the tier reached and each member's quantity, for the table."""
    products = _products(problem)
    rows = []
    for tranche in plan.get("tranches", []):
        members: dict[str, int] = defaultdict(int)
        for alloc in tranche.get("allocations", []):
            members[alloc["member"]] += alloc["quantity"]
        product = products.get(tranche["product"], {})
        rows.append({**tranche, "product_name": product.get("name") or tranche["product"],
                     "options_label": options_label(tranche.get("options")),
                     "tier": tier_reached(product, tranche["quantity"]),
                     "members": sorted(members.items())})
    return rows


def member_results(plan: dict, member_name: str, problem: dict | None) -> dict:
    """One member's part of a plan: its allocations (with the tranche's period, unit price and
    id, and its share of the tranche cost), its unplaced lines, and its costs and savings.
    Lines are named by the member's own refs (`demand`; `demand_id` is the id in the plan)."""
    lines = {d["id"]: d for d in (problem or {}).get("demand", [])}
    allocations = []
    for tranche in plan.get("tranches", []):
        for alloc in tranche.get("allocations", []):
            if alloc["member"] != member_name:
                continue
            share = tranche.get("tranche_cost", 0) * alloc["quantity"] / tranche["quantity"]
            line = lines.get(alloc["demand"], {})
            allocations.append({
                "demand": line_ref(alloc["demand"], member_name), "demand_id": alloc["demand"],
                "product": tranche["product"],
                "options_label": options_label(tranche.get("options")),
                "window": f"{line.get('earliest', '?')}–{line.get('latest', '?')}",
                "period": tranche["period"], "quantity": alloc["quantity"],
                "unit_price": tranche["unit_price"], "tranche": tranche["id"],
                "tranche_quantity": tranche["quantity"], "tranche_cost_share": round(share, 2),
                "cost": round(alloc["quantity"] * tranche["unit_price"] + share, 2),
            })
    allocations.sort(key=lambda a: (a["demand"], a["period"]))
    totals = next((m for m in plan.get("members", []) if m["member"] == member_name), None)
    unplaced = [{**u, "demand": line_ref(u["demand"], member_name), "demand_id": u["demand"]}
                for u in plan.get("unplaced", []) if u["member"] == member_name]
    standalone = totals["standalone_cost"] if totals else 0
    savings = totals["savings"] if totals else 0
    return {
        "member": member_name, "allocations": allocations, "unplaced": unplaced,
        "placed_units": sum(a["quantity"] for a in allocations),
        "standalone_cost": standalone,
        "consortium_cost": totals["consortium_cost"] if totals else 0,
        "savings": savings,
        "savings_pct": round(100 * savings / standalone, 2) if standalone else 0.0,
    }


def chart_data(problem: dict | None, plan: dict) -> dict:
    """Data for the run page's charts: savings per member, units per period per product, and
    each product's price curve with its tranches on it."""
    periods = list((problem or {}).get("periods") or
                   sorted({t["period"] for t in plan.get("tranches", [])}))
    units: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(periods, 0))
    points: dict[str, list[dict]] = defaultdict(list)
    for tranche in plan.get("tranches", []):
        units[tranche["product"]][tranche["period"]] = (
            units[tranche["product"]].get(tranche["period"], 0) + tranche["quantity"])
        points[tranche["product"]].append({"x": tranche["quantity"], "y": tranche["unit_price"],
                                           "label": f"{tranche['id']} {tranche['period']}"})
    products = _products(problem)
    curves = []
    for code in sorted(points):
        tiers = sorted(products.get(code, {}).get("tiers", []), key=lambda t: t["min_qty"])
        top = max([p["x"] for p in points[code]] + [t["min_qty"] for t in tiers] + [1])
        steps = [{"x": t["min_qty"], "y": t["unit_price"]} for t in tiers]
        if steps:
            steps.append({"x": max(top + 1, round(top * 1.15)), "y": steps[-1]["y"]})
        curves.append({"product": code, "name": products.get(code, {}).get("name") or code,
                       "tiers": steps, "tranches": points[code]})
    return {
        "members": [{"member": m["member"], "savings": m["savings"],
                     "standalone": m["standalone_cost"], "consortium": m["consortium_cost"]}
                    for m in plan.get("members", [])],
        "periods": periods,
        "units": [{"product": code, "values": [units[code].get(p, 0) for p in periods]}
                  for code in sorted(units)],
        "curves": curves,
    }


def _totals(plan: dict | None) -> dict:
    plan = plan or {}
    flat = {k: plan.get(k) for k in ("status", "placed_units", "total_cost", "gap")}
    flat.update({k: (plan.get("totals") or {}).get(k) for k in
                 ("standalone_cost", "consortium_cost", "savings", "savings_pct", "fairness_cost")})
    return flat


def _tranche_key(tranche: dict) -> tuple[str, str, str]:
    return (tranche["product"], json.dumps(tranche.get("options") or {}, sort_keys=True),
            tranche["period"])


def compare_runs(a: dict | None, b: dict | None) -> dict:
    """Two plans side by side: each total in both (with b - a for numbers), and the tranche
    changes per (product, options, period): added in b, removed from a, or changed quantity
    or unit price. Lists are sorted by product, period, options."""
    ta, tb = _totals(a), _totals(b)
    totals = []
    for key, label in TOTAL_KEYS:
        va, vb = ta[key], tb[key]
        numeric = isinstance(va, (int, float)) and isinstance(vb, (int, float))
        totals.append({"key": key, "label": label, "a": va, "b": vb,
                       "diff": round(vb - va, 6) if numeric else None})
    left = {_tranche_key(t): t for t in (a or {}).get("tranches", [])}
    right = {_tranche_key(t): t for t in (b or {}).get("tranches", [])}
    changes = []
    for key in sorted(set(left) | set(right), key=lambda k: (k[0], k[2], k[1])):
        ta_, tb_ = left.get(key), right.get(key)
        if ta_ and tb_ and (ta_["quantity"], ta_["unit_price"]) == (tb_["quantity"], tb_["unit_price"]):
            continue
        kind = "added" if ta_ is None else "removed" if tb_ is None else "changed"
        changes.append({
            "change": kind, "product": key[0], "options": json.loads(key[1]),
            "options_label": options_label(json.loads(key[1])), "period": key[2],
            "a_quantity": ta_["quantity"] if ta_ else None,
            "b_quantity": tb_["quantity"] if tb_ else None,
            "a_unit_price": ta_["unit_price"] if ta_ else None,
            "b_unit_price": tb_["unit_price"] if tb_ else None,
        })
    return {"totals": totals, "changes": changes, "members": compare_members(a, b)}


def compare_members(a: dict | None, b: dict | None) -> list[dict]:
    """Each member's consortium cost and savings in both plans, with b - a (None where the
    member is not in a plan), sorted by member name."""
    left = {m["member"]: m for m in (a or {}).get("members", [])}
    right = {m["member"]: m for m in (b or {}).get("members", [])}
    rows = []
    for name in sorted(set(left) | set(right)):
        ma, mb = left.get(name), right.get(name)
        row = {"member": name}
        for key in ("consortium_cost", "savings"):
            va = ma[key] if ma else None
            vb = mb[key] if mb else None
            row[f"a_{key}"], row[f"b_{key}"] = va, vb
            row[f"{key}_diff"] = round(vb - va, 2) if va is not None and vb is not None else None
        rows.append(row)
    return rows
