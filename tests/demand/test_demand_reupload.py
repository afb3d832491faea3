"""Uploading a file again: rows equal to the member's lines are likely duplicates, skipped unless
confirmed (per row or all); a ref of the member's line updates it; any other ref is one error."""

from __future__ import annotations

import io

import pytest
from sqlmodel import select

from consortium.models import AuditEntry, DemandLine
from consortium.services import csv_import
from consortium.services.errors import Conflict
from tests import factories
from tests.conftest import csrf_token
from tests.demand.test_demand_csv import HEADER, confirm, count_lines, text_of, token_of, upload

SAME = ",BEB-40,4,2027Q1,2027Q4,charging=CCS1,no,,\n"  # equals the member's line LA-1
OTHER = ",BEB-40,9,2027Q2,2027Q2,charging=CCS1,no,,\n"


def _mine(session, round_, member, bus):
    return factories.make_line(session, round=round_, member=member, product=bus, ref="LA-1",
                               quantity=4)


def test_duplicates_are_flagged_and_skipped_unless_confirmed(fleet_client, session, bus, round_,
                                                             member):
    _mine(session, round_, member, bus)
    checked = csv_import.check_upload(session, round_, (HEADER + SAME + OTHER).encode(), 10**6,
                                      member.id)
    assert [r.duplicate_of for r in checked.rows] == ["LA-1", None]
    assert len(checked.additions) == 1 and len(checked.duplicates) == 1
    response = upload(fleet_client, round_, HEADER + SAME + OTHER + SAME)
    page = text_of(fleet_client.get(response.headers["Location"]))
    assert "2 likely duplicates" in page and page.count("likely duplicate of LA-1") == 2
    assert 'name="include" value="2"' in page and 'name="include" value="4"' in page
    done = confirm(fleet_client, round_, token_of(response))
    flash = text_of(fleet_client.get(done.headers["Location"]))
    assert "Imported 1 line (9 units) from lines.csv; skipped 2 likely duplicates." in flash
    assert count_lines(session) == 2
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert entry.after["skipped_duplicates"] == 2


def test_ticked_duplicates_are_imported(fleet_client, session, bus, round_, member):
    _mine(session, round_, member, bus)
    token = token_of(upload(fleet_client, round_, HEADER + SAME + OTHER + SAME))
    response = fleet_client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                                 data={"token": token, "include": ["4"]})
    assert response.status_code == 302
    assert count_lines(session) == 3
    token = token_of(upload(fleet_client, round_, HEADER + SAME + SAME))
    response = fleet_client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                                 data={"token": token, "include_all": "y"})
    assert response.status_code == 302 and count_lines(session) == 5
    token = token_of(upload(fleet_client, round_, HEADER + SAME))
    bad = fleet_client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                            data={"token": token, "include": ["two"]})
    assert bad.status_code == 400 and count_lines(session) == 5


def test_confirming_needs_the_csrf_token(csrf_client, session, bus, round_, member, fleet_manager):
    _mine(session, round_, member, bus)
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": fleet_manager.email, "csrf_token": token,
                                     "password": factories.PASSWORD})
    page = csrf_client.get(f"/demand/rounds/{round_.id}/upload").get_data(as_text=True)
    response = csrf_client.post(
        f"/demand/rounds/{round_.id}/upload", content_type="multipart/form-data",
        data={"file": (io.BytesIO((HEADER + SAME).encode()), "a.csv"),
              "csrf_token": csrf_token(page)})
    token = token_of(response)
    refused = csrf_client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                               data={"token": token, "include_all": "y"})
    assert refused.status_code == 400 and count_lines(session) == 1
    preview = csrf_client.get(response.headers["Location"]).get_data(as_text=True)
    done = csrf_client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                            data={"token": token, "include_all": "y",
                                  "csrf_token": csrf_token(preview)})
    assert done.status_code == 302 and count_lines(session) == 2


def test_a_ref_updates_the_members_line_in_place(fleet_client, session, bus, round_, member):
    line = _mine(session, round_, member, bus)
    text = HEADER + "LA-1,BEB-40,7,2027Q1,2027Q4,charging=SAE-J3105,yes,\"$90,000\",new note\n"
    response = upload(fleet_client, round_, text)
    page = text_of(fleet_client.get(response.headers["Location"]))
    assert "updates LA-1: quantity, options, splittable, max_unit_price, notes" in page
    done = confirm(fleet_client, round_, token_of(response))
    assert "Updated 1 line from lines.csv." in text_of(fleet_client.get(done.headers["Location"]))
    session.expire_all()
    updated = session.get(DemandLine, line.id)
    assert (updated.quantity, updated.options, updated.splittable) == (7, {"charging": "SAE-J3105"}, True)
    assert updated.max_unit_price == 90000 and updated.version == 2 and count_lines(session) == 1
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert audit.before["quantity"] == 4 and audit.after["quantity"] == 7
    # The same file again changes nothing.
    again = text_of(fleet_client.get(upload(fleet_client, round_, text).headers["Location"]))
    assert "equal to your line with that ref" in again and "same as LA-1" in again


def test_another_members_ref_is_the_same_error_as_an_unknown_one(fleet_client, session, bus,
                                                                 round_, member, other_member):
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-1")
    other_round = factories.make_round(session)
    factories.make_line(session, round=other_round, member=member, product=bus, ref="LA-9")
    rows = [f"{ref},BEB-40,1,2027Q1,2027Q1,charging=CCS1,,,\n" for ref in ("SEA-1", "GHOST", "LA-9")]
    checked = csv_import.check_upload(session, round_, (HEADER + "".join(rows)).encode(), 10**6,
                                      member.id)
    messages = [r.errors["ref"].replace(r.clean["ref"], "X") for r in checked.rows]
    assert len(set(messages)) == 1 and "none of your lines in this round" in messages[0]
    response = upload(fleet_client, round_, HEADER + rows[0])
    assert fleet_client.get(response.headers["Location"]).status_code == 422
    assert confirm(fleet_client, round_, token_of(response)).status_code == 302
    session.expire_all()
    theirs = session.exec(select(DemandLine).where(DemandLine.ref == "SEA-1")).one()
    assert theirs.member_id == other_member.id and theirs.version == 1
    assert count_lines(session) == 2


def test_a_line_changed_after_the_check_is_not_overwritten(session, bus, round_, member,
                                                           fleet_manager):
    line = _mine(session, round_, member, bus)
    checked = csv_import.check_upload(
        session, round_, (HEADER + "LA-1,BEB-40,8,2027Q1,2027Q4,charging=CCS1,no,,\n" + OTHER).encode(),
        10**6, member.id)
    line.quantity, line.version = 5, 2
    session.add(line)
    session.commit()
    with pytest.raises(Conflict, match="Someone changed line LA-1"):
        csv_import.import_upload(session, round_=round_, member=member, actor=fleet_manager,
                                 checked=checked)
    session.expire_all()
    assert count_lines(session) == 1 and session.get(DemandLine, line.id).quantity == 5
