"""Small builders for hand-checkable award problems."""

from __future__ import annotations

from consortium.award import award_to_dict, optimize_award, parse_award_problem
from tests.award.checker import check_award


def lot(id, qty, product="BUS", period="2027Q1", cap=None, allocations=None) -> dict:
    out = {"id": id, "product": product, "period": period, "quantity": qty}
    if cap is not None:
        out["max_unit_price"] = cap
    if allocations is not None:
        out["allocations"] = [{"member": m, "quantity": q} for m, q in allocations]
    return out


def bid(id, vendor, prices, capacity=(), discounts=()) -> dict:
    out = {"id": id, "vendor": vendor,
           "prices": [{"lot": lot_id, "unit_price": p} for lot_id, p in prices.items()]}
    if capacity:
        out["capacity"] = [{"product": pr, "period": pe, "max_units": m}
                           for pr, pe, m in capacity]
    if discounts:
        out["discounts"] = [{"lots": list(lots), "amount": a} for lots, a in discounts]
    return out


def problem(lots, bids, max_lots_per_vendor=None) -> dict:
    out = {"lots": list(lots), "bids": list(bids)}
    if max_lots_per_vendor is not None:
        out["max_lots_per_vendor"] = max_lots_per_vendor
    return out


def solve(data: dict, *, check: bool = True, **kwargs) -> dict:
    """Optimize an award problem dict and return the award dict, checked against the contract."""
    award = award_to_dict(optimize_award(parse_award_problem(data), **kwargs))
    if check:
        check_award(data, award)
    return award


def winners(award: dict) -> dict[str, str]:
    return {a["lot"]: a["bid"] for a in award["awards"]}


def reasons(award: dict) -> dict[str, str]:
    return {u["lot"]: u["reason"] for u in award["unawarded"]}
