"""An independent award checker and brute-force solver for tiny award problems.

Written from docs/award-format.md alone, sharing no code with consortium.award: it works on the
problem and award dicts, with exact Fractions.
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


def close(reported, value: Fraction, tol=CENT / 2) -> bool:
    """A reported figure is the exact value rounded to cents (half a cent off at most)."""
    return abs(exact(reported) - value) <= tol


def _prices(problem: dict) -> dict[tuple[str, str], Fraction]:
    return {(b["id"], p["lot"]): exact(p["unit_price"]) for b in problem["bids"]
            for p in b["prices"]}


def _allowed(problem: dict, bid: dict, lot: dict) -> bool:
    price = _prices(problem).get((bid["id"], lot["id"]))
    if price is None:
        return False
    return "max_unit_price" not in lot or price <= exact(lot["max_unit_price"])


def cost_of(problem: dict, chosen: dict[str, str]) -> tuple[int, Fraction, list]:
    """(units, total cost, applied discounts as (bid, index)) of lot -> bid id."""
    lots = {lot["id"]: lot for lot in problem["lots"]}
    prices = _prices(problem)
    units = sum(lots[lot]["quantity"] for lot in chosen)
    cost = sum((prices[(bid, lot)] * lots[lot]["quantity"] for lot, bid in chosen.items()),
               Fraction(0))
    applied = []
    for bid in problem["bids"]:
        for k, disc in enumerate(bid.get("discounts", [])):
            if all(chosen.get(lot) == bid["id"] for lot in disc["lots"]):
                cost -= exact(disc["amount"])
                applied.append((bid["id"], k))
    return units, cost, applied


def feasible(problem: dict, chosen: dict[str, str]) -> bool:
    """Does lot -> bid id obey the contract's rules?"""
    lots = {lot["id"]: lot for lot in problem["lots"]}
    bids = {bid["id"]: bid for bid in problem["bids"]}
    for lot, bid in chosen.items():
        if not _allowed(problem, bids[bid], lots[lot]):
            return False
    for bid in problem["bids"]:
        for cap in bid.get("capacity", []):
            used = sum(lots[lot]["quantity"] for lot, b in chosen.items() if b == bid["id"]
                       and lots[lot]["product"] == cap["product"]
                       and lots[lot]["period"] == cap["period"])
            if used > cap["max_units"]:
                return False
    limit = problem.get("max_lots_per_vendor")
    if limit is not None:
        wins: dict[str, int] = {}
        for bid in chosen.values():
            wins[bids[bid]["vendor"]] = wins.get(bids[bid]["vendor"], 0) + 1
        if any(n > limit for n in wins.values()):
            return False
    return True


def brute_optimum(problem: dict) -> tuple[int, Fraction]:
    """(most units, least cost at those units) by enumerating every award."""
    options = []
    for lot in problem["lots"]:
        options.append([None] + [b["id"] for b in problem["bids"]
                                 if _allowed(problem, b, lot)])
    best = None
    for combo in itertools.product(*options):
        chosen = {lot["id"]: bid for lot, bid in zip(problem["lots"], combo) if bid}
        if not feasible(problem, chosen):
            continue
        units, cost, _ = cost_of(problem, chosen)
        if best is None or units > best[0] or (units == best[0] and cost < best[1]):
            best = (units, cost)
    return best


def blocked(problem: dict, chosen: dict[str, str], lot_id: str) -> bool:
    """Is every bid that may win this unawarded lot stopped by a capacity or vendor limit?"""
    lot = next(lot for lot in problem["lots"] if lot["id"] == lot_id)
    return all(not feasible(problem, {**chosen, lot_id: bid["id"]})
               for bid in problem["bids"] if _allowed(problem, bid, lot))


def check_award(problem: dict, award: dict) -> None:
    """Assert that the award file obeys every rule and figure of the contract for the problem."""
    assert list(award) == ["status", "awarded_units", "total_cost", "lower_bound", "gap",
                           "awards", "discounts", "unawarded", "vendors", "contracts", "solver"]
    assert award["status"] in ("optimal", "feasible")
    lots = {lot["id"]: lot for lot in problem["lots"]}
    bids = {bid["id"]: bid for bid in problem["bids"]}
    prices = _prices(problem)
    chosen = {}
    for a in award["awards"]:
        assert a["lot"] not in chosen, f"{a['lot']} awarded twice"
        chosen[a["lot"]] = a["bid"]
        assert a["vendor"] == bids[a["bid"]]["vendor"]
        assert exact(a["unit_price"]) == prices[(a["bid"], a["lot"])]
        assert a["quantity"] == lots[a["lot"]]["quantity"]
        assert close(a["value"], prices[(a["bid"], a["lot"])] * a["quantity"])
    assert [a["lot"] for a in award["awards"]] == [lot for lot in lots if lot in chosen]
    assert feasible(problem, chosen)
    units, cost, applied = cost_of(problem, chosen)
    assert award["awarded_units"] == units
    assert close(award["total_cost"], cost)
    assert [(d["bid"], d["lots"]) for d in award["discounts"]] == [
        (b, bids[b]["discounts"][k]["lots"]) for b, k in applied]
    for d, (b, k) in zip(award["discounts"], applied):
        assert close(d["amount"], exact(bids[b]["discounts"][k]["amount"]))
        assert d["vendor"] == bids[b]["vendor"]
    assert exact(award["lower_bound"]) <= exact(award["total_cost"])
    assert 0 <= award["gap"] <= 1
    total, lower = exact(award["total_cost"]), exact(award["lower_bound"])
    assert abs(award["gap"] - (float((total - lower) / abs(total)) if total else 0.0)) < 1e-9
    _check_unawarded(problem, award, chosen)
    _check_vendors(problem, award, chosen)
    _check_contracts(problem, award, chosen, cost)


def _check_unawarded(problem: dict, award: dict, chosen: dict) -> None:
    left = [lot for lot in problem["lots"] if lot["id"] not in chosen]
    assert [u["lot"] for u in award["unawarded"]] == [lot["id"] for lot in left]
    for lot, u in zip(left, award["unawarded"]):
        priced = [b_p for (b, lot_id), b_p in _prices(problem).items()
                  if lot_id == lot["id"]]
        reason = u["reason"]
        if not priced:
            assert reason == "no bid priced it"
        elif not any(_allowed(problem, b, lot) for b in problem["bids"]):
            assert reason.startswith("every bid is above its cap of "), reason
            assert ", the lowest being $" in reason, reason
        elif award["status"] == "optimal":
            assert blocked(problem, chosen, lot["id"]), f"{lot['id']} could be awarded"
            assert "capacity" in reason or "most lots one vendor may win" in reason, reason


def _check_vendors(problem: dict, award: dict, chosen: dict) -> None:
    lots = {lot["id"]: lot for lot in problem["lots"]}
    bids = {bid["id"]: bid for bid in problem["bids"]}
    prices = _prices(problem)
    _units, _cost, applied = cost_of(problem, chosen)
    expect: dict[str, list] = {}
    for lot, bid in chosen.items():
        row = expect.setdefault(bids[bid]["vendor"], [0, 0, Fraction(0), Fraction(0)])
        row[0] += 1
        row[1] += lots[lot]["quantity"]
        row[2] += prices[(bid, lot)] * lots[lot]["quantity"]
    for b, k in applied:
        expect[bids[b]["vendor"]][3] += exact(bids[b]["discounts"][k]["amount"])
    assert [v["vendor"] for v in award["vendors"]] == sorted(expect)
    for v in award["vendors"]:
        lots_n, units, value, off = expect[v["vendor"]]
        assert (v["lots"], v["units"]) == (lots_n, units)
        assert close(v["value"], value) and close(v["discounts"], off)


def _check_contracts(problem: dict, award: dict, chosen: dict, cost: Fraction) -> None:
    lots = {lot["id"]: lot for lot in problem["lots"]}
    bids = {bid["id"]: bid for bid in problem["bids"]}
    prices = _prices(problem)
    _units, _cost, applied = cost_of(problem, chosen)
    expect: dict[tuple[str, str], list] = {}
    for lot, bid in chosen.items():
        for share in lots[lot].get("allocations", []):
            row = expect.setdefault((share["member"], bids[bid]["vendor"]),
                                    [0, Fraction(0), Fraction(0)])
            row[0] += share["quantity"]
            row[1] += prices[(bid, lot)] * share["quantity"]
    for b, k in applied:
        disc = bids[b]["discounts"][k]
        gross: dict[str, Fraction] = {}
        for lot in disc["lots"]:
            for share in lots[lot].get("allocations", []):
                gross[share["member"]] = gross.get(share["member"], Fraction(0)) + \
                    prices[(b, lot)] * share["quantity"]
        total = sum(gross.values(), Fraction(0))
        for member, part in gross.items():
            expect[(member, bids[b]["vendor"])][2] += exact(disc["amount"]) * part / total
    assert [(c["member"], c["vendor"]) for c in award["contracts"]] == sorted(expect)
    for c in award["contracts"]:
        units, gross, discount = expect[(c["member"], c["vendor"])]
        assert c["units"] == units
        assert close(c["gross"], gross) and close(c["discount"], discount)
        assert close(c["net"], gross - discount)
    if chosen and all("allocations" in lots[lot] for lot in chosen):
        nets = sum((exact(c["net"]) for c in award["contracts"]), Fraction(0))
        assert abs(nets - cost) <= CENT * len(award["contracts"])
