"""The award and contract releases (pure): they validate offline against OCDS 1.1.5 with the Lots,
Bids and Contract buyer extensions, and say who won what, at which price, for which buyer."""

from __future__ import annotations

import copy

import pytest

from consortium.publish.award_inputs import lot_outcomes, member_contracts, money, restrict
from consortium.publish.inputs import ConsortiumInfo
from consortium.publish.ocds_awards import (CONTRACT_BUYER_EXTENSION, PackageAward, Party,
                                            award_release_package)
from consortium.publish.validate import InvalidPackage, validate_release_package, validation_errors
from tests.award_publish.samples import PUBLISHED, solved

MEMBERS = {"Los Angeles": "member-1", "Long Beach": "member-2", "=HYPERLINK(1)": "member-3"}
TENDERERS = {"BID-7": ("bid-7", Party("vendor-1", "Pacific Coach Works")),
             "BID-8": ("bid-8", Party("vendor-2", "Transit Motors"))}


def beb_award() -> PackageAward:
    """The BEB-40 package's part of the sample award."""
    data, award = solved()
    lots = tuple((o.lot.split("/")[1], o) for o in lot_outcomes(data, award)
                 if o.lot.startswith("BEB-40/"))
    keys = {o.lot for _, o in lots}
    contracts = tuple(c for c in (restrict(c, keys) for c in member_contracts(data, award)) if c)
    return PackageAward(
        consortium=ConsortiumInfo(), ocid="ocds-test-2027-fleet-BEB-40", key="4",
        date=PUBLISHED, unit="vehicles", lots=lots,
        bids=tuple((bid, oid, party) for bid, (oid, party) in TENDERERS.items()),
        members=tuple((name, Party(pid, name)) for name, pid in MEMBERS.items()),
        discounts=tuple((d["bid"], money(d["amount"])) for d in award["discounts"]),
        contracts=contracts)


def test_both_releases_validate_offline():
    data = award_release_package(beb_award())
    validate_release_package(data)
    assert [r["tag"] for r in data["releases"]] == [["award"], ["contract"]]
    assert CONTRACT_BUYER_EXTENSION in data["extensions"]


def test_the_award_names_lots_bids_supplier_buyers_and_value():
    award_release = award_release_package(beb_award())["releases"][0]
    (award,) = award_release["awards"]
    assert award["id"] == "award-4-BID-7" and award["status"] == "active"
    assert award["relatedLots"] == ["LOT-1", "LOT-2"] and award["relatedBids"] == ["bid-7"]
    assert award["suppliers"] == [{"id": "vendor-1", "name": "Pacific Coach Works"}]
    # 3 x 1,050,000.33 + 4 x 1,060,000 - the 1,000 set discount
    assert award["value"] == {"amount": 7389000.99, "currency": "USD"}
    assert [(i["relatedLot"], i["quantity"], i["unit"]["value"]["amount"])
            for i in award["items"]] == [("LOT-1", 3, 1050000.33), ("LOT-2", 4, 1060000)]
    assert {b["id"] for b in award["buyers"]} == {"member-1", "member-2", "member-3"}
    roles = {p["id"]: p["roles"] for p in award_release["parties"]}
    assert roles["vendor-1"] == ["supplier", "tenderer"] and roles["member-2"] == ["buyer"]
    assert "vendor-2" not in roles  # a losing tenderer keeps its earlier role


def test_one_contract_per_member_with_its_buyer_and_net_value():
    contracts = award_release_package(beb_award())["releases"][1]["contracts"]
    assert [(c["buyer"]["id"], c["awardID"], c["value"]["amount"]) for c in contracts] == [
        ("member-3", "award-4-BID-7", 1049858.25), ("member-2", "award-4-BID-7", 2109714.81),
        ("member-1", "award-4-BID-7", 4229427.93)]
    la = contracts[2]
    assert la["id"] == "contract-4-member-1-vendor-1" and la["status"] == "pending"
    assert [(i["relatedLot"], i["quantity"]) for i in la["items"]] == [("LOT-1", 1), ("LOT-2", 3)]


def test_an_unawarded_lot_is_an_unsuccessful_award_with_its_reason():
    data, award = solved()
    (cab,) = [o for o in lot_outcomes(data, award) if o.lot == "CAB/LOT-1"]
    inp = PackageAward(consortium=ConsortiumInfo(), ocid="ocds-test-2027-fleet-CAB", key="4",
                       date=PUBLISHED, unit="vehicles", lots=(("LOT-1", cab),), bids=(),
                       members=(("Long Beach", Party("member-2", "Long Beach")),))
    data = award_release_package(inp)
    validate_release_package(data)
    assert len(data["releases"]) == 1  # nothing awarded: no contract release
    (award,) = data["releases"][0]["awards"]
    assert (award["status"], award["description"]) == ("unsuccessful", "no bid priced it")
    assert data["releases"][0]["tender"]["lots"] == [{"id": "LOT-1", "status": "unsuccessful"}]


@pytest.mark.parametrize("breaks, message", [
    (lambda d: d["releases"][1]["contracts"][0].update(awardID="award-9-BID-1"),
     "is not an award of this ocid"),
    (lambda d: d["releases"][1]["contracts"][0]["buyer"].update(id="member-99"),
     "is not a party of this release"),
    (lambda d: d["releases"][0]["awards"][0].update(relatedLots=["LOT-7"]),
     "is not a lot of this tender"),
    (lambda d: d["releases"][1]["contracts"][0].update(buyer=[{"id": "member-1"}]),
     "is not of type 'object'"),
    (lambda d: d["releases"][0]["awards"][0].update(status="won"), "'won' is not one of"),
])
def test_the_validator_catches_broken_references(breaks, message):
    data = copy.deepcopy(award_release_package(beb_award()))
    breaks(data)
    assert any(message in e for e in validation_errors(data)), validation_errors(data)
    with pytest.raises(InvalidPackage):
        validate_release_package(data)


def test_same_input_same_releases():
    assert award_release_package(beb_award()) == award_release_package(beb_award())
