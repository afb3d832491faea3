"""Loading the demo consortium: counts, idempotence, all-or-nothing refusal of bad files."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import SQLModel, select
from werkzeug.security import check_password_hash

from consortium.cli import FIXTURES
from consortium.db import commit, utcnow
from consortium.models import DemandLine, PriceTier, Product, Round, User
from consortium.services.fixtures import (
    FixtureError,
    database_is_empty,
    demo_logins,
    load_fixtures,
)

DEMO = FIXTURES / "demo"


def _row_counts(session) -> dict[str, int]:
    return {t.name: session.exec(select(func.count()).select_from(t)).one()
            for t in SQLModel.metadata.sorted_tables}


def test_demo_loads_once_and_twice_adds_nothing(session):
    assert database_is_empty(session)
    counts = load_fixtures(session, DEMO)
    commit(session)
    assert counts["members"] == 20 and counts["vendors"] == 3 and counts["products"] == 7
    assert counts["users"] == 1 + 20 + 3 and counts["rounds"] == 2
    assert 100 <= counts["demand_lines"] <= 250
    assert not database_is_empty(session)
    before = _row_counts(session)
    assert before["demandline"] == counts["demand_lines"]

    again = load_fixtures(session, DEMO)
    commit(session)
    assert set(again.values()) == {0}
    assert _row_counts(session) == before
    _check_demo_content(session)


def _check_demo_content(session) -> None:
    """The loaded demo is usable: an open and a closed round, hashed users, poolable demand."""
    rounds = {r.slug: r for r in session.exec(select(Round))}
    open_round, pilot = rounds["2027-28-fleet"], rounds["2026-pilot"]
    assert open_round.status == "open" and len(open_round.periods) == 8
    # The deadline is relative to load time, so the demo round is open whenever it is loaded.
    assert timedelta(days=7) < open_round.deadline - utcnow() < timedelta(days=60)
    assert pilot.status == "closed" and pilot.closed_at is not None
    assert session.exec(select(func.count()).where(DemandLine.round_id == pilot.id)).one() >= 20
    # Users are created through the accounts service: scrypt-hashed, never plain.
    for role, email, password in demo_logins(DEMO):
        user = session.exec(select(User).where(User.email == email)).one()
        assert user.role == role and user.password_hash.startswith("scrypt:")
        assert check_password_hash(user.password_hash, password)
    # Pooling is possible: several members share a product, options and window.
    lines = session.exec(select(DemandLine).where(DemandLine.round_id == open_round.id)).all()
    groups = Counter((l.product_id, json.dumps(l.options, sort_keys=True), l.earliest, l.latest)
                     for l in lines)
    assert max(groups.values()) >= 3
    products = {p.id: p for p in session.exec(select(Product))}
    assert any(l.quantity < products[l.product_id].min_tranche for l in lines)
    assert sum(l.max_unit_price is not None for l in lines) >= 3
    for product in products.values():
        tiers = session.exec(select(PriceTier).where(PriceTier.product_id == product.id)
                             .order_by(PriceTier.min_qty)).all()
        assert tiers[0].min_qty == 1 and 3 <= len(tiers) <= 5
        assert product.classification_scheme in ("UNSPSC", "CPV") and product.classification_code
        discount = 1 - tiers[-1].unit_price / tiers[0].unit_price
        assert Decimal("0.03") <= discount <= Decimal("0.12")


def test_demo_logins_one_per_role():
    logins = demo_logins(DEMO)
    assert [role for role, _, _ in logins] == ["admin", "fleet_manager", "vendor"]
    assert all("@" in email and len(password) >= 10 for _, email, password in logins)


@pytest.fixture
def bad_folder(tmp_path):
    folder = tmp_path / "bad"
    shutil.copytree(DEMO, folder)
    products = json.loads((folder / "products.json").read_text())
    products["products"][0]["tiers"][1]["unit_price"] = 2_000_000  # rises above tier 1
    products["products"][2]["vendor"] = "Nobody Inc"
    (folder / "products.json").write_text(json.dumps(products))
    csv_file = folder / "demand-2027-28-fleet.csv"
    rows = csv_file.read_text().splitlines()
    cells = rows[3].split(",")
    cells[3] = "-2"  # quantity of data row 4
    rows[3] = ",".join(cells)
    csv_file.write_text("\n".join(rows) + "\n")
    return folder


def test_bad_fixtures_are_refused_with_file_row_and_reason_and_nothing_loaded(session, bad_folder):
    with pytest.raises(FixtureError) as caught:
        load_fixtures(session, bad_folder)
        commit(session)
    problems = caught.value.problems
    assert ("products.json", "products[0].tiers") in {(f, w) for f, w, _ in problems}
    assert any(f == "products.json" and w == "products[2].vendor" and "Nobody Inc" in r
               for f, w, r in problems)
    assert any(f == "demand-2027-28-fleet.csv" and w == "row 4 quantity" and "whole number" in r
               for f, w, r in problems)
    assert len(problems) == 3
    message = str(caught.value)
    assert "3 problems" in message and "nothing was loaded" in message
    assert "demand-2027-28-fleet.csv row 4 quantity" in message
    assert database_is_empty(session)
    assert set(_row_counts(session).values()) == {0}


def test_unreadable_json_and_unknown_field_are_reported(session, tmp_path):
    (tmp_path / "members.json").write_text('{"members": [{"name": "Atlantis", "mayor": "x"}]}')
    (tmp_path / "vendors.json").write_text('{"vendors": [ {"name": ')
    (tmp_path / "demand-no-such-round.csv").write_text("ref,member,product,quantity,earliest,latest\n")
    with pytest.raises(FixtureError) as caught:
        load_fixtures(session, tmp_path)
        commit(session)
    where = {(f, w) for f, w, _ in caught.value.problems}
    assert ("members.json", "members[0].mayor") in where
    assert any(f == "vendors.json" and w.startswith("line 1") for f, w in where)
    assert ("demand-no-such-round.csv", "") in where
    assert database_is_empty(session)


def test_a_missing_folder_is_refused(session, tmp_path):
    with pytest.raises(FixtureError, match="is not a folder"):
        load_fixtures(session, tmp_path / "nope")
        commit(session)
