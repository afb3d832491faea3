"""The in-app list, the unread count, settings and the admin outbox: pages, access and CSRF."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from consortium.models import Notification
from consortium.services import notifications
from tests import factories
from tests.conftest import csrf_token, login
from tests.notify.conftest import inbox, outbox


def _notify(session, user, n=1, kind="round_closed", link="/demand/"):
    for i in range(n):
        notifications.notify(session, [user], kind=kind, subject=f"Message {i + 1}", body="Body",
                             link=link)
    session.commit()
    return inbox(session, user)


def _unread_badge(page: str) -> str | None:
    match = re.search(r'class="badge unread-count">(\d+)<', page)
    return match.group(1) if match else None


def test_unread_count_in_the_navigation(fleet_client, session, fleet_manager):
    assert _unread_badge(fleet_client.get("/demand/").get_data(as_text=True)) is None
    _notify(session, fleet_manager, 3)
    assert _unread_badge(fleet_client.get("/demand/").get_data(as_text=True)) == "3"


def test_unread_count_is_one_query(fleet_client, session, fleet_manager, engine):
    _notify(session, fleet_manager, 2)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        fleet_client.get("/demand/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "FROM notification" in s]) == 1


def test_list_mark_read_and_mark_all_read(fleet_client, session, fleet_manager):
    items = _notify(session, fleet_manager, 3)
    page = fleet_client.get("/notifications/").get_data(as_text=True)
    assert all(f"Message {i}" in page for i in (1, 2, 3))
    assert page.index("Message 3") < page.index("Message 1")  # newest first
    response = fleet_client.post(f"/notifications/{items[0].id}/read")
    assert response.status_code == 302
    assert [n.read_at is not None for n in inbox(session, fleet_manager)] == [True, False, False]
    response = fleet_client.post(f"/notifications/{items[1].id}/read?open=1")
    assert response.headers["Location"] == "/demand/"
    fleet_client.post("/notifications/read-all")
    assert all(n.read_at for n in inbox(session, fleet_manager))
    assert _unread_badge(fleet_client.get("/notifications/").get_data(as_text=True)) is None


def test_list_is_paginated(fleet_client, session, fleet_manager):
    _notify(session, fleet_manager, 30)
    first = fleet_client.get("/notifications/").get_data(as_text=True)
    assert "Message 30" in first and "Message 5<" not in first and "Page 1 of 2" in first
    second = fleet_client.get("/notifications/?page=2").get_data(as_text=True)
    assert "Message 5<" in second and "Message 30" not in second


def test_someone_elses_notification_is_404(client, session, fleet_manager, other_fleet_manager,
                                            admin):
    [theirs] = _notify(session, other_fleet_manager)
    for user in (fleet_manager, admin):  # admins do not read other people's notifications
        login(client, user)
        assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
        client.post("/logout")
    assert inbox(session, other_fleet_manager)[0].read_at is None


def test_mark_all_read_touches_only_your_own(fleet_client, session, fleet_manager, other_fleet_manager):
    _notify(session, fleet_manager)
    _notify(session, other_fleet_manager)
    fleet_client.post("/notifications/read-all")
    assert inbox(session, other_fleet_manager)[0].read_at is None


@pytest.mark.parametrize("method, url", [
    ("get", "/notifications/"), ("post", "/notifications/1/read"), ("post", "/notifications/read-all"),
    ("get", "/notifications/settings"), ("post", "/notifications/settings"),
    ("get", "/admin/outbox"), ("get", "/admin/outbox/1"), ("get", "/account/password"),
])
def test_anonymous_is_sent_to_sign_in(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["fleet_client", "vendor_client"])
def test_outbox_is_for_admins_only(request, who, session, admin):
    c = request.getfixturevalue(who)
    message_id = _outbox_message(session, admin)
    assert c.get("/admin/outbox").status_code == 403
    assert c.get(f"/admin/outbox/{message_id}").status_code == 403


def _outbox_message(session, user) -> int:
    notifications.notify(session, [user], kind="password_changed", subject="Changed", body="B",
                         in_app=False)
    session.commit()
    return outbox(session)[-1].id


def test_admin_reads_the_outbox(admin_client, session, fleet_manager, app):
    notifications.notify(session, [fleet_manager], kind="round_closed", subject="Round R closed",
                         body="Demand is frozen.", link="/demand/")
    session.commit()
    from consortium.jobs import get_jobs
    get_jobs(app).enqueue_email(outbox(session)[0].id)
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Round R closed" in page and fleet_manager.email in page
    assert "Not sent: no SMTP configured" in page
    assert "Round R closed" not in admin_client.get("/admin/outbox?status=sent").get_data(as_text=True)
    one = admin_client.get(f"/admin/outbox/{outbox(session)[0].id}").get_data(as_text=True)
    assert "Demand is frozen." in one and "https://consortium.example.org/demand/" in one
    assert admin_client.get("/admin/outbox/999999").status_code == 404


def test_settings_turn_kinds_off_and_on(fleet_client, session, fleet_manager):
    page = fleet_client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="round_opened"' in page and 'value="package_published"' not in page
    response = fleet_client.post("/notifications/settings", data={"kind": ["round_closed"]})
    assert response.status_code == 302
    assert notifications.disabled_kinds(session, fleet_manager) == {
        "round_opened", "round_deadline", "plan_approved", "award_published"}
    fleet_client.post("/notifications/settings", data={"kind": list(notifications.kinds_for(fleet_manager))})
    assert notifications.disabled_kinds(session, fleet_manager) == set()


def test_settings_refuse_an_unknown_kind_and_change_nothing(fleet_client, session, fleet_manager):
    response = fleet_client.post("/notifications/settings", data={"kind": ["password_reset"]})
    assert response.status_code == 400 and "Unknown kind" in response.get_data(as_text=True)
    assert notifications.disabled_kinds(session, fleet_manager) == set()


def test_vendor_settings_list_vendor_kinds(vendor_client):
    page = vendor_client.get("/notifications/settings").get_data(as_text=True)
    assert 'value="addendum_published"' in page and 'value="round_opened"' not in page


def test_posts_without_csrf_are_refused(csrf_client, session, fleet_manager):
    [item] = _notify(session, fleet_manager)
    page = csrf_client.get("/login").get_data(as_text=True)
    csrf_client.post("/login", data={"email": fleet_manager.email, "csrf_token": csrf_token(page),
                                     "password": factories.PASSWORD})
    for url, data in ((f"/notifications/{item.id}/read", {}), ("/notifications/read-all", {}),
                      ("/notifications/settings", {"kind": []})):
        assert csrf_client.post(url, data=data).status_code == 400
    assert inbox(session, fleet_manager)[0].read_at is None
    assert notifications.disabled_kinds(session, fleet_manager) == set()
    token = csrf_token(csrf_client.get("/notifications/").get_data(as_text=True))
    assert csrf_client.post(f"/notifications/{item.id}/read",
                            data={"csrf_token": token}).status_code == 302
    assert inbox(session, fleet_manager)[0].read_at is not None


def test_notification_ids_are_unique_on_the_list(fleet_client, session, fleet_manager):
    _notify(session, fleet_manager, 3)
    page = fleet_client.get("/notifications/").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_notification_row_policy(session, fleet_manager):
    [item] = _notify(session, fleet_manager)
    assert isinstance(item, Notification) and item.user_id == fleet_manager.id
