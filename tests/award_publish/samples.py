"""Award problems and their awards for the award publication tests (solved by the optimizer, so
every figure is what a real award file says)."""

from __future__ import annotations

from datetime import UTC, datetime

from consortium.publish.award_inputs import member_contracts
from consortium.publish.contracts import ContractInput
from consortium.publish.inputs import ConsortiumInfo
from tests.award.helpers import bid, lot, problem, solve

PUBLISHED = datetime(2027, 5, 3, 15, 30, tzinfo=UTC)


def three_member_problem() -> dict:
    """Two BEB-40 lots and one SEDAN-EV lot; Pacific wins both bus lots with a set discount
    of $1,000 shared by three members in thirds-unfriendly proportions; the Cab lot has no bid."""
    return problem(
        [lot("BEB-40/LOT-1", 3, product="BEB-40", period="2027Q3",
             allocations=[("Los Angeles", 1), ("Long Beach", 1), ("=HYPERLINK(1)", 1)]),
         lot("BEB-40/LOT-2", 4, product="BEB-40", period="2027Q4",
             allocations=[("Los Angeles", 3), ("Long Beach", 1)]),
         lot("SEDAN-EV/LOT-1", 10, product="SEDAN-EV", period="2027Q3",
             allocations=[("Los Angeles", 10)]),
         lot("CAB/LOT-1", 2, product="CAB", period="2027Q3",
             allocations=[("Long Beach", 2)])],
        [bid("BID-7", "Pacific Coach Works",
             {"BEB-40/LOT-1": 1050000.33, "BEB-40/LOT-2": 1060000},
             discounts=[(["BEB-40/LOT-1", "BEB-40/LOT-2"], 1000)]),
         bid("BID-8", "Transit Motors", {"BEB-40/LOT-1": 1100000, "BEB-40/LOT-2": 1100000}),
         bid("BID-9", "Transit Motors", {"SEDAN-EV/LOT-1": 31000.5}),
         bid("BID-10", "Pacific Coach Works", {"SEDAN-EV/LOT-1": 32000})])


def solved() -> tuple[dict, dict]:
    """The problem and its award file (as dicts)."""
    data = three_member_problem()
    return data, solve(data)


def contract_input(member: str = "Los Angeles", vendor: str = "Pacific Coach Works",
                   **changes) -> ContractInput:
    """The ContractInput of one member x vendor of the sample award."""
    data, award = solved()
    contract = next(c for c in member_contracts(data, award)
                    if c.member == member and c.vendor == vendor)
    fields = dict(consortium=ConsortiumInfo(), reference=f"C-TEST-{member[:3]}",
                  round_name="2027 Clean Fleet Round", award_reference="award 1",
                  published_at=PUBLISHED, contract=contract,
                  delivery_address="200 N Spring St, Los Angeles, CA",
                  product_names=(("BEB-40", "Battery-electric bus 40 ft"),))
    fields.update(changes)
    return ContractInput(**fields)
