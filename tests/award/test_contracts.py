"""Members' contracts: one per member and vendor, discounts shared by gross, cents half-up."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from tests.award.checker import exact
from tests.award.helpers import bid, lot, problem, solve

CONTRACT_EXAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "award" / "contract-example.json"


def test_the_contract_example_gives_the_contract_figures():
    award = solve(json.loads(CONTRACT_EXAMPLE.read_text()))
    assert award["total_cost"] == 32_400_000 and award["awarded_units"] == 31
    # Long Beach: 9 x 1,050,000 = 9,450,000 of the set's 32,650,000 gross;
    # 250,000 x 9,450,000 / 32,650,000 = 72,358.346... -> 72,358.35
    assert award["contracts"] == [
        {"member": "Long Beach", "vendor": "Pacific Coach Works", "units": 9,
         "gross": 9_450_000, "discount": 72358.35, "net": 9377641.65},
        {"member": "Los Angeles", "vendor": "Pacific Coach Works", "units": 22,
         "gross": 23_200_000, "discount": 177641.65, "net": 23022358.35},
    ]


def test_one_contract_per_member_and_vendor_sorted_by_member_then_vendor():
    data = problem([lot("L1", 3, allocations=[("Zeta", 1), ("Alpha", 2)]),
                    lot("L2", 2, allocations=[("Alpha", 2)])],
                   [bid("A", "Vz", {"L1": 10}), bid("B", "Va", {"L2": 7})])
    award = solve(data)
    assert [(c["member"], c["vendor"], c["units"], c["gross"], c["net"])
            for c in award["contracts"]] == [
        ("Alpha", "Va", 2, 14, 14), ("Alpha", "Vz", 2, 20, 20), ("Zeta", "Vz", 1, 10, 10)]


def test_discount_shares_round_half_up_and_nets_add_up_within_a_cent_each():
    # 8 members, 1 unit each at 100; a discount of 1 on the lot: 0.125 each -> 0.13 (half up,
    # not to even); net 99.875 -> 99.88; the nets add to 799.04 against 799 (8 contracts)
    data = problem([lot("L1", 8, allocations=[(f"M{i}", 1) for i in range(8)])],
                   [bid("A", "Va", {"L1": 100}, discounts=[(["L1"], 1)])])
    award = solve(data)
    assert award["total_cost"] == 799
    assert {c["discount"] for c in award["contracts"]} == {0.13}
    assert {c["net"] for c in award["contracts"]} == {99.88}
    nets = sum(exact(c["net"]) for c in award["contracts"])
    assert abs(nets - 799) <= Fraction(len(award["contracts"]), 100)


def test_a_discount_is_shared_only_among_the_members_of_its_lots():
    # A wins L1 (Mx 1, My 3 at 10) and L2 (Mz 2 at 10); the discount of 8 is on L1 only:
    # Mx 8 x 10/40 = 2, My 6, Mz nothing.
    data = problem([lot("L1", 4, allocations=[("Mx", 1), ("My", 3)]),
                    lot("L2", 2, allocations=[("Mz", 2)])],
                   [bid("A", "Va", {"L1": 10, "L2": 10}, discounts=[(["L1"], 8)])])
    award = solve(data)
    assert [(c["member"], c["discount"], c["net"]) for c in award["contracts"]] == [
        ("Mx", 2, 8), ("My", 6, 24), ("Mz", 0, 20)]


def test_lots_without_allocations_make_no_contracts():
    award = solve(problem([lot("L1", 2)], [bid("A", "Va", {"L1": 5})]))
    assert award["contracts"] == [] and award["total_cost"] == 10
