"""The hand-worked fixture (fixtures/award/README.md) gives the figures worked there."""

from __future__ import annotations

import json
from pathlib import Path

from tests.award.helpers import reasons, solve, winners

SMALL = Path(__file__).resolve().parents[2] / "fixtures" / "award" / "small.json"


def test_small_fixture_matches_the_hand_worked_award():
    award = solve(json.loads(SMALL.read_text()))
    assert award["status"] == "optimal" and award["gap"] == 0.0
    assert award["awarded_units"] == 20
    assert award["total_cost"] == 17_214_000 == award["lower_bound"]
    assert winners(award) == {"BEB-40/LOT-1": "BID-1", "BEB-40/LOT-2": "BID-2",
                              "BEB-40/LOT-3": "BID-1", "CUT-EV/LOT-1": "BID-4",
                              "CUT-EV/LOT-3": "BID-3"}
    why = reasons(award)
    assert list(why) == ["BEB-40/LOT-4", "CUT-EV/LOT-2", "CUT-EV/LOT-4", "VAN/LOT-1"]
    assert why["BEB-40/LOT-4"].startswith("the bidders' capacity for BEB-40 in 2027Q3 is taken")
    assert "most lots one vendor may win, 2 (Pacific Coach Works, Golden State Bus)" in \
        why["BEB-40/LOT-4"]
    assert why["CUT-EV/LOT-2"] == ("every bid is above its cap of $240,000, "
                                   "the lowest being $248,000")
    assert why["CUT-EV/LOT-4"] == "the bidders reached the most lots one vendor may win, 2 " \
                                  "(Golden State Bus)"
    assert why["VAN/LOT-1"] == "no bid priced it"
    assert [(c["member"], c["vendor"], c["units"], c["gross"], c["discount"], c["net"])
            for c in award["contracts"]] == [
        ("Ogdenville", "Pacific Coach Works", 2, 2_180_000, 27409.89, 2152590.11),
        ("Ogdenville", "Valley Transit Supply", 3, 714_000, 0, 714_000),
        ("Shelbyville", "Pacific Coach Works", 5, 5_430_000, 68273.26, 5361726.74),
        ("Springfield", "Golden State Bus", 6, 4_720_000, 0, 4_720_000),
        ("Springfield", "Pacific Coach Works", 4, 4_320_000, 54316.85, 4265683.15)]
    assert award["vendors"] == [
        {"vendor": "Golden State Bus", "lots": 2, "units": 6, "value": 4_720_000, "discounts": 0},
        {"vendor": "Pacific Coach Works", "lots": 2, "units": 11, "value": 11_930_000,
         "discounts": 150_000},
        {"vendor": "Valley Transit Supply", "lots": 1, "units": 3, "value": 714_000,
         "discounts": 0}]
