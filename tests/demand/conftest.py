"""Fixtures for the demand tests: a small catalog, an open round and form data for a line."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def bus(session):
    """A bus with one option and three all-units tiers: 1+ $100,000, 10+ $95,000, 25+ $90,000."""
    return factories.make_product(session, "BEB-40", name="40-ft battery-electric bus",
                                  options={"charging": ["CCS1", "SAE-J3105"]},
                                  specification="40-ft low-floor battery-electric transit bus.")


@pytest.fixture
def van(session):
    """A van with two options."""
    return factories.make_product(session, "VAN-E", name="Electric cargo van", category="van",
                                  options={"roof": ["low", "high"], "battery": ["68kWh", "89kWh"]},
                                  tiers=((1, 50000), (20, 47000)))


@pytest.fixture
def round_(session):
    return factories.make_round(session, name="Fleet 2027", slug="fleet-2027")


def form_data(**overrides) -> dict:
    """Valid form data for a line of 12 BEB-40 buses with CCS1 charging."""
    data = {"product": "BEB-40", "options_for": "BEB-40", "opt.charging": "CCS1", "quantity": "12",
            "earliest": "2027Q1", "latest": "2027Q3", "max_unit_price": "", "notes": "", "ref": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def raw_line(**overrides) -> dict:
    """Valid raw service data for the same line."""
    data = {"ref": "", "product": "BEB-40", "quantity": "12", "earliest": "2027Q1",
            "latest": "2027Q3", "options": {"charging": "CCS1"}, "splittable": False,
            "max_unit_price": "", "notes": ""}
    data.update(overrides)
    return data
