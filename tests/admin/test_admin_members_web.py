"""Admin web: members, their fleet managers, deactivation, version conflicts, audit entries."""

from __future__ import annotations

from sqlmodel import select

from consortium.models import AuditEntry, Member, User
from consortium.services.members import member_version
from tests import factories
from tests.conftest import login


def _entries(session, entity, action=None):
    query = select(AuditEntry).where(AuditEntry.entity == entity)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.exec(query.order_by(AuditEntry.id)).all()


def test_member_list_paginates_sorts_and_searches(admin_client, session):
    for n in range(55):
        factories.make_member(session, f"City {n:02d}")
    page1 = admin_client.get("/admin/members").get_data(as_text=True)
    assert "City 00" in page1 and "City 49" in page1 and "City 50" not in page1
    assert "Page 1 of 2" in page1
    page2 = admin_client.get("/admin/members?page=2").get_data(as_text=True)
    assert "City 54" in page2 and "City 00" not in page2
    desc = admin_client.get("/admin/members?sort=-name").get_data(as_text=True)
    assert desc.index("City 54") < desc.index("City 53")
    found = admin_client.get("/admin/members?q=City 07").get_data(as_text=True)
    assert "City 07" in found and "City 08" not in found


def test_empty_member_list_says_what_to_do(admin_client):
    page = admin_client.get("/admin/members").get_data(as_text=True)
    assert "No members yet" in page and "Add the first member" in page


def test_create_member(admin_client, session, admin):
    response = admin_client.post("/admin/members/new", data={
        "name": "Portland", "state": "OR", "country": "US", "contact_email": "fleet@portland.gov",
        "delivery_address": "1 Depot Way"})
    assert response.status_code == 302
    member = session.exec(select(Member).where(Member.name == "Portland")).one()
    assert (member.state, member.contact_email, member.active) == ("OR", "fleet@portland.gov", True)
    [entry] = _entries(session, "member", "create")
    assert entry.user_id == admin.id and entry.after["name"] == "Portland" and entry.before is None


def test_create_member_shows_errors_beside_fields(admin_client, session, member):
    response = admin_client.post("/admin/members/new", data={"name": member.name,
                                                              "contact_email": "not-an-email"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="field-error"' in page and "Invalid email address." in page
    response = admin_client.post("/admin/members/new", data={"name": member.name})
    assert f"A member named {member.name} already exists." in response.get_data(as_text=True)
    assert session.exec(select(Member)).all() == [member]


def test_edit_member_records_before_and_after(admin_client, session, member):
    version = member_version(member)
    response = admin_client.post(f"/admin/members/{member.id}", data={
        "name": "City of Los Angeles", "state": "CA", "country": "US", "version": version})
    assert response.status_code == 302
    session.refresh(member)
    assert member.name == "City of Los Angeles"
    [entry] = _entries(session, "member", "update")
    assert entry.before["name"] == "Los Angeles" and entry.after["name"] == "City of Los Angeles"
    assert entry.member_id == member.id


def test_second_save_of_a_stale_member_form_is_refused(admin_client, session, member):
    stale = member_version(member)
    first = admin_client.post(f"/admin/members/{member.id}", data={
        "name": "First Name", "country": "US", "version": stale})
    assert first.status_code == 302
    second = admin_client.post(f"/admin/members/{member.id}", data={
        "name": "Second Name", "country": "US", "version": stale})
    page = second.get_data(as_text=True)
    assert second.status_code == 409  # refused: the request rolls back
    assert "Someone else changed this member" in page
    assert "The newer saved values" in page and "First Name" in page
    session.refresh(member)
    assert member.name == "First Name"
    assert len(_entries(session, "member", "update")) == 1


def test_deactivate_member_blocks_its_fleet_managers(admin_client, client, session, member,
                                                      fleet_manager):
    page = admin_client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert 'data-confirm="Deactivate Los Angeles?' in page
    response = admin_client.post(f"/admin/members/{member.id}/deactivate")
    assert response.status_code == 302
    session.refresh(member)
    session.refresh(fleet_manager)
    assert member.active is False and fleet_manager.active is False
    assert [e.action for e in _entries(session, "member")] == ["deactivate"]
    assert _entries(session, "user")[0].after["active"] is False
    admin_client.post("/logout")
    refused = client.post("/login", data={"email": fleet_manager.email,
                                          "password": factories.PASSWORD})
    assert refused.status_code == 401
    # Inactive members are hidden from the default list, shown on request.
    login(client, session.exec(select(User).where(User.role == "admin")).one())
    assert "Los Angeles" not in client.get("/admin/members").get_data(as_text=True)
    assert "Los Angeles" in client.get("/admin/members?show=all").get_data(as_text=True)
    client.post(f"/admin/members/{member.id}/activate")
    session.refresh(member)
    assert member.active is True


def test_create_fleet_manager_with_a_temporary_password(admin_client, client, session, member):
    response = admin_client.post(f"/admin/members/{member.id}/users/new",
                                 data={"email": "New.Manager@LA.example.com", "name": "Ana"})
    assert response.status_code == 200  # shown in this response, not via the session cookie
    assert "no-store" in response.headers["Cache-Control"]
    page = response.get_data(as_text=True)
    user = session.exec(select(User).where(User.email == "new.manager@la.example.com")).one()
    assert (user.role, user.member_id, user.name) == ("fleet_manager", member.id, "Ana")
    assert "Temporary password (shown only now" in page
    password = page.split('id="temporary-password">')[1].split("<")[0].strip()
    assert len(password) >= 10
    again = admin_client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert password not in again  # shown once
    invite = _entries(session, "user", "invite")
    assert invite[0].member_id == member.id and invite[0].after["email"] == user.email
    admin_client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": password}).status_code == 302


def test_fleet_manager_password_rules(admin_client, session, member, fleet_manager):
    short = admin_client.post(f"/admin/members/{member.id}/users/new",
                              data={"email": "a@la.example.com", "password": "short"})
    assert "The password must have at least 10 characters." in short.get_data(as_text=True)
    taken = admin_client.post(f"/admin/members/{member.id}/users/new",
                              data={"email": fleet_manager.email, "password": "long enough pw"})
    assert "already exists" in taken.get_data(as_text=True)
    chosen = admin_client.post(f"/admin/members/{member.id}/users/new",
                               data={"email": "b@la.example.com", "password": "long enough pw"},
                               follow_redirects=True)
    assert "with the password you chose" in chosen.get_data(as_text=True)
    emails = session.exec(select(User.email).where(User.member_id == member.id)).all()
    assert sorted(emails) == ["b@la.example.com", fleet_manager.email]


def test_reset_a_fleet_managers_password(admin_client, client, session, member, fleet_manager,
                                         other_fleet_manager):
    page = admin_client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert f'data-confirm="Give {fleet_manager.email} a new temporary password?' in page
    response = admin_client.post(
        f"/admin/members/{member.id}/users/{fleet_manager.id}/reset-password")
    assert response.status_code == 200
    password = response.get_data(as_text=True).split('id="temporary-password">')[1].split("<")[0]
    [entry] = _entries(session, "user", "reset_password")
    assert entry.entity_id == fleet_manager.id and password not in str(entry.after)
    # A user of another member cannot be reset through this member's page.
    other = admin_client.post(
        f"/admin/members/{member.id}/users/{other_fleet_manager.id}/reset-password",
        follow_redirects=True)
    assert f"{other_fleet_manager.email} is not a user of Los Angeles." in other.get_data(as_text=True)
    admin_client.post("/logout")
    old = client.post("/login", data={"email": fleet_manager.email, "password": factories.PASSWORD})
    assert old.status_code == 401
    assert client.post("/login", data={"email": fleet_manager.email,
                                       "password": password}).status_code == 302
