"""Random tiny award problems: every award obeys the contract and is optimal against brute force."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.award.checker import brute_optimum, check_award, exact
from tests.award.helpers import solve

MEMBERS = ["M1", "M2", "M3"]


@st.composite
def tiny_problems(draw) -> dict:
    lots = []
    for i in range(draw(st.integers(1, 5))):
        qty = draw(st.integers(1, 6))
        lot = {"id": f"L{i}", "product": draw(st.sampled_from(["A", "B"])),
               "period": draw(st.sampled_from(["P1", "P2"])), "quantity": qty}
        if draw(st.integers(0, 3)) == 0:
            lot["max_unit_price"] = draw(st.integers(5, 20))
        if draw(st.booleans()):
            first = draw(st.integers(1, qty))
            shares = [(draw(st.sampled_from(MEMBERS)), first)]
            if first < qty:
                other = draw(st.sampled_from([m for m in MEMBERS if m != shares[0][0]]))
                shares.append((other, qty - first))
            lot["allocations"] = [{"member": m, "quantity": q} for m, q in shares]
        lots.append(lot)
    bids = []
    for b in range(draw(st.integers(0, 3))):
        priced = draw(st.lists(st.sampled_from(lots), min_size=1, max_size=len(lots),
                               unique_by=lambda lot: lot["id"]))
        prices = [{"lot": lot["id"],
                   "unit_price": draw(st.sampled_from([3, 7, 10, 12, 12.5, 15, 19.99]))}
                  for lot in priced]
        bid = {"id": f"B{b}", "vendor": draw(st.sampled_from(["V1", "V2", "V3"])),
               "prices": prices}
        keys = sorted({(lot["product"], lot["period"]) for lot in priced})
        caps = draw(st.lists(st.sampled_from(keys), max_size=len(keys), unique=True))
        if caps:
            bid["capacity"] = [{"product": p, "period": q, "max_units": draw(st.integers(0, 9))}
                               for p, q in caps]
        value = {p["lot"]: exact(p["unit_price"]) * next(
            lot["quantity"] for lot in lots if lot["id"] == p["lot"]) for p in prices}
        discounts = []
        for _ in range(draw(st.integers(0, 2))):
            chosen = draw(st.lists(st.sampled_from(sorted(value)), min_size=1,
                                   max_size=len(value), unique=True))
            top = sum(value[lot] for lot in chosen)
            amount = draw(st.sampled_from([1, 5, 12, 0.37, 40]))
            if exact(amount) <= top:
                discounts.append({"lots": chosen, "amount": amount})
        if discounts:
            bid["discounts"] = discounts
        bids.append(bid)
    data = {"lots": lots, "bids": bids}
    if draw(st.booleans()):
        data["max_lots_per_vendor"] = draw(st.integers(1, 3))
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_problems())
def test_awards_obey_the_contract_and_are_optimal(data):
    award = solve(data, check=False)
    check_award(data, award)
    units, cost = brute_optimum(data)
    assert award["status"] == "optimal"
    assert award["awarded_units"] == units
    assert exact(award["total_cost"]) == cost
    assert exact(award["lower_bound"]) == cost
