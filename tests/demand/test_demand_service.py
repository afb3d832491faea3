"""The demand service: validation, add/edit/delete with audit, deadline lock, version conflict,
and the indicative price at and around tier boundaries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from consortium.db import commit, session_scope, utcnow
from consortium.models import AuditEntry, DemandLine
from consortium.services import demand
from consortium.services.errors import Conflict, NotAllowed
from tests import factories
from tests.demand.conftest import raw_line


def _errors(session, round_, **overrides) -> dict:
    return demand.validate_line_data(round_, demand.load_catalog(session), raw_line(**overrides))[1]


def test_valid_line_is_cleaned(session, bus, round_):
    clean, errors = demand.validate_line_data(round_, demand.load_catalog(session), raw_line(
        product="beb-40", earliest="2027q2", options="Charging = sae-j3105", splittable="Yes",
        max_unit_price="1120000.50", notes="  depot 3 "))
    assert errors == {}
    assert clean["product"].id == bus.id and clean["quantity"] == 12
    assert (clean["earliest"], clean["latest"]) == ("2027Q2", "2027Q3")
    assert clean["options"] == {"charging": "SAE-J3105"}
    assert clean["splittable"] is True and clean["max_unit_price"] == Decimal("1120000.50")
    assert clean["notes"] == "depot 3"


@pytest.mark.parametrize("overrides, field, text", [
    ({"product": ""}, "product", "choose a product"),
    ({"product": "NOPE"}, "product", "no product with the code 'NOPE'"),
    ({"quantity": "0"}, "quantity", "whole number from 1 to 100000"),
    ({"quantity": "100001"}, "quantity", "whole number from 1 to 100000"),
    ({"quantity": "2.5"}, "quantity", "whole number"),
    ({"quantity": "ten"}, "quantity", "whole number"),
    ({"earliest": "2026Q4"}, "earliest", "one of the round's periods: 2027Q1, 2027Q2"),
    ({"latest": ""}, "latest", "one of the round's periods"),
    ({"earliest": "2027Q3", "latest": "2027Q1"}, "latest", "must not be before the earliest"),
    ({"options": {}}, "options", "choose charging: CCS1 or SAE-J3105"),
    ({"options": {"charging": "NACS"}}, "options", "charging must be one of CCS1, SAE-J3105"),
    ({"options": {"charging": "CCS1", "colour": "red"}}, "options", "has no option 'colour'"),
    ({"options": "charging"}, "options", "name=value"),
    ({"max_unit_price": "0"}, "max_unit_price", "more than 0"),
    ({"max_unit_price": "-5"}, "max_unit_price", "more than 0"),
    ({"max_unit_price": "1,0000"}, "max_unit_price", "must be an amount"),
    ({"max_unit_price": "12.345"}, "max_unit_price", "at most 2 decimals"),
    ({"max_unit_price": "abc"}, "max_unit_price", "at most 2 decimals"),
    ({"splittable": "maybe"}, "splittable", "yes or no"),
    ({"notes": "x" * 1001}, "notes", "at most 1000 characters"),
    ({"ref": "bad ref!"}, "ref", "letters, digits"),
])
def test_each_bad_input_has_a_message_on_its_field(session, bus, round_, overrides, field, text):
    errors = _errors(session, round_, **overrides)
    assert set(errors) == {field}
    assert text in errors[field]


def test_inactive_product_is_refused(session, round_):
    factories.make_product(session, "OLD-1", active=False)
    assert "no longer offered" in _errors(session, round_, product="OLD-1")["product"]


def test_add_line_generates_ref_and_audits(session, bus, round_, member, fleet_manager):
    line = demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                           raw=raw_line())
    commit(session)
    second = demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                             raw=raw_line(quantity="3"))
    commit(session)
    assert (line.ref, second.ref) == ("LA-fleet-2027-001", "LA-fleet-2027-002")
    assert line.version == 1 and line.created_by_id == fleet_manager.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.entity_id == line.id)).one()
    assert (entry.action, entry.user_id, entry.member_id, entry.round_id) == (
        "create", fleet_manager.id, member.id, round_.id)
    assert entry.before is None and entry.after["quantity"] == 12
    assert entry.after["options"] == {"charging": "CCS1"}


def test_given_ref_must_be_unique_among_the_members_lines(session, bus, round_, member,
                                                          other_member, fleet_manager):
    factories.make_line(session, round=round_, member=member, product=bus, ref="X-1")
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="X-2")
    with pytest.raises(demand.InvalidLine) as exc:
        demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                        raw=raw_line(ref="X-1"))
        commit(session)
    assert exc.value.errors["ref"] == demand.ref_error("X-1")
    # Another member's ref is no reason: refs are unique per member.
    assert demand.add_line(session, round_=round_, member=member, actor=fleet_manager,
                           raw=raw_line(ref="X-2")).ref == "X-2"


def test_update_records_before_and_after(session, bus, round_, member, fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    changed = demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                                 raw=raw_line(ref=line.ref, quantity="7", notes="more"))
    commit(session)
    assert changed == ["latest", "notes", "quantity"]  # the factory's window ends in 2027Q4
    assert line.quantity == 7 and line.version == 2 and line.updated_by_id == fleet_manager.id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.before["quantity"] == 5 and entry.after["quantity"] == 7
    assert entry.before["notes"] == "" and entry.after["notes"] == "more"


def test_unchanged_save_changes_nothing(session, bus, round_, member, fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=12,
                               earliest="2027Q1", latest="2027Q3")
    assert demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                              raw=raw_line(ref=line.ref)) == []
    assert line.version == 1
    assert session.exec(select(AuditEntry)).all() == []


def test_stale_version_is_refused_with_newer_values(session, bus, round_, member, fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                       raw=raw_line(ref=line.ref, quantity="8"))
    commit(session)
    with pytest.raises(Conflict) as exc:
        demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                           raw=raw_line(ref=line.ref, quantity="99"))
        commit(session)
    assert exc.value.current["quantity"] == 8 and exc.value.current["version"] == 2
    assert exc.value.current["updated_by"] == fleet_manager.email
    with pytest.raises(Conflict):
        demand.delete_line(session, line=line, actor=fleet_manager, expected_version=1)
        commit(session)
    session.expire_all()
    assert session.get(DemandLine, line.id).quantity == 8


def test_concurrent_save_loses_at_the_database(session, engine, bus, round_, member,
                                               fleet_manager):
    """Both sessions read version 1; the update's WHERE version=1 lets only the first win."""
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    with session_scope(engine) as other:
        theirs = other.get(DemandLine, line.id)
        demand.update_line(other, line=theirs, actor=fleet_manager, expected_version=1,
                           raw=raw_line(ref=line.ref, quantity="6"))
    assert line.version == 1  # this session still holds the old row
    with pytest.raises(Conflict) as exc:
        demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                           raw=raw_line(ref=line.ref, quantity="9"))
        commit(session)
    assert exc.value.current["quantity"] == 6


def test_delete_records_before(session, bus, round_, member, fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    line_id = line.id
    demand.delete_line(session, line=line, actor=fleet_manager, expected_version=1)
    commit(session)
    assert session.get(DemandLine, line_id) is None
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert entry.entity_id == line_id and entry.before["quantity"] == 5 and entry.after is None


@pytest.mark.parametrize("state", ["past_deadline", "closed"])
def test_locked_round_refuses_every_change(session, bus, member, fleet_manager, state):
    past = utcnow() - timedelta(minutes=1)
    round_ = factories.make_round(session, deadline=past if state == "past_deadline" else None,
                                  status="closed" if state == "closed" else "open")
    line = factories.make_line(session, round=round_, member=member, product=bus)
    assert not demand.is_editable(round_)
    with pytest.raises(NotAllowed, match="read-only"):
        demand.add_line(session, round_=round_, member=member, actor=fleet_manager, raw=raw_line())
        commit(session)
    with pytest.raises(NotAllowed, match="read-only"):
        demand.update_line(session, line=line, actor=fleet_manager, expected_version=1,
                           raw=raw_line(quantity="2"))
        commit(session)
    with pytest.raises(NotAllowed, match="read-only"):
        demand.delete_line(session, line=line, actor=fleet_manager, expected_version=1)
        commit(session)
    assert session.exec(select(DemandLine)).all() == [line]


def test_deadline_is_exclusive(session, bus):
    deadline = utcnow() + timedelta(hours=1)
    round_ = factories.make_round(session, deadline=deadline)
    assert demand.is_editable(round_, now=deadline - timedelta(seconds=1))
    assert not demand.is_editable(round_, now=deadline)


def test_admin_may_correct_after_deadline_but_not_when_closed(session, bus, member, admin):
    round_ = factories.make_round(session, deadline=utcnow() - timedelta(days=1))
    line = demand.add_line(session, round_=round_, member=member, actor=admin, raw=raw_line())
    commit(session)
    assert line.created_by_id == admin.id
    round_.status = "closed"
    session.add(round_)
    session.commit()
    with pytest.raises(NotAllowed):
        demand.delete_line(session, line=line, actor=admin, expected_version=1)
        commit(session)


def test_other_members_lines_cannot_be_changed(session, bus, round_, member, other_fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus)
    with pytest.raises(NotAllowed, match="your own member"):
        demand.update_line(session, line=line, actor=other_fleet_manager, expected_version=1,
                           raw=raw_line())
        commit(session)
    with pytest.raises(NotAllowed):
        demand.delete_line(session, line=line, actor=other_fleet_manager, expected_version=1)
        commit(session)
    with pytest.raises(NotAllowed):
        demand.add_line(session, round_=round_, member=member, actor=other_fleet_manager,
                        raw=raw_line())
        commit(session)


@pytest.mark.parametrize("pooled, typed, price, tier, to_next, next_price", [
    (0, 0, 100000, 1, 10, 95000),
    (0, 1, 100000, 1, 9, 95000),
    (4, 5, 100000, 1, 1, 95000),    # 9 units: one short of the 10 tier
    (4, 6, 95000, 10, 15, 90000),   # exactly 10
    (4, 7, 95000, 10, 14, 90000),
    (20, 4, 95000, 10, 1, 90000),   # 24
    (20, 5, 90000, 25, None, None),  # exactly 25: top tier
    (20, 80, 90000, 25, None, None),
])
def test_indicative_price_at_tier_boundaries(session, bus, round_, member, other_member, pooled,
                                             typed, price, tier, to_next, next_price):
    if pooled:
        factories.make_line(session, round=round_, member=other_member, product=bus,
                            quantity=pooled)
    result = demand.indicative_price(session, round_, bus, {"charging": "CCS1"}, typed)
    assert (result.pooled_others, result.total) == (pooled, pooled + typed)
    assert result.unit_price == Decimal(price) and result.tier_min_qty == tier
    assert result.units_to_next == to_next
    assert result.next_unit_price == (Decimal(next_price) if next_price else None)


def test_indicative_price_pools_only_same_options_and_excludes_the_edited_line(
        session, bus, round_, member, other_member):
    factories.make_line(session, round=round_, member=other_member, product=bus, quantity=8)
    factories.make_line(session, round=round_, member=member, product=bus, quantity=30,
                        options={"charging": "SAE-J3105"})
    mine = factories.make_line(session, round=round_, member=member, product=bus, quantity=1)
    other_round = factories.make_round(session)
    factories.make_line(session, round=other_round, member=member, product=bus, quantity=50)
    result = demand.indicative_price(session, round_, bus, {"charging": "CCS1"}, 2,
                                     exclude_line_id=mine.id)
    assert (result.pooled_others, result.total, result.unit_price) == (8, 10, Decimal(95000))


def test_member_abbreviation():
    assert demand.member_abbreviation("Los Angeles") == "LA"
    assert demand.member_abbreviation("Seattle") == "SEA"
    assert demand.member_abbreviation("Washington, D.C.") == "WDC"
