"""Admin web: the audit log page (filters, pagination, before/after differences)."""

from __future__ import annotations

from datetime import timedelta

from consortium.db import commit, utcnow
from consortium.services import members, rounds
from tests import factories


def test_audit_log_shows_before_and_after(admin_client, session, admin, member):
    members.update_member(session, member, data={"state": "NV"}, actor=admin)
    commit(session)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "updated member Los Angeles: state" in page
    diff = page.split('<table class="diff">')[1].split("</table>")[0]
    assert "<del>CA</del>" in diff and "<ins>NV</ins>" in diff
    assert "name" not in diff  # only the changed fields are listed
    assert admin.email in page


def test_audit_log_filters_by_round_entity_and_user(admin_client, session, admin, member):
    other_admin = factories.make_user(session, "admin", email="second@example.com")
    r1 = rounds.create_round(session, name="Round one", periods=["A"],
                             deadline=utcnow() + timedelta(days=5), actor=admin)
    commit(session)
    r2 = rounds.create_round(session, name="Round two", periods=["B"],
                             deadline=utcnow() + timedelta(days=5), actor=other_admin)
    commit(session)
    members.update_member(session, member, data={"state": "OR"}, actor=other_admin)
    commit(session)
    by_round = admin_client.get(f"/admin/audit?round={r1.id}").get_data(as_text=True)
    assert "created round round-one" in by_round and "round-two" not in by_round
    by_entity = admin_client.get("/admin/audit?entity=member").get_data(as_text=True)
    assert "updated member" in by_entity and "created round" not in by_entity
    by_user = admin_client.get("/admin/audit?user=second@").get_data(as_text=True)
    assert "round-two" in by_user and "updated member" in by_user and "round-one" not in by_user
    by_row = admin_client.get(f"/admin/audit?entity=round&entity_id={r2.id}").get_data(as_text=True)
    assert "round-two" in by_row and "round-one" not in by_row
    nothing = admin_client.get("/admin/audit?entity=vendor").get_data(as_text=True)
    assert "No change matches these filters." in nothing


def test_audit_log_is_paginated_newest_first(admin_client, session, admin):
    for n in range(55):
        factories.make_member(session, f"Town {n:02d}")
        members.update_member(session, factories.make_member(session, f"Village {n:02d}"),
                              data={"state": "WA"}, actor=admin)
        commit(session)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Page 1 of 2" in page
    assert page.index("Village 54") < page.index("Village 53")
    assert "Village 04" not in page
    assert "Village 04" in admin_client.get("/admin/audit?page=2").get_data(as_text=True)


def test_empty_audit_log_says_what_it_will_show(admin_client):
    assert "Nothing has changed yet." in admin_client.get("/admin/audit").get_data(as_text=True)
