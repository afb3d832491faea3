"""Accounts: change your password, forgot password by single-use link, temporary passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import PasswordResetToken, User
from consortium.services import accounts
from tests import factories
from tests.conftest import csrf_token, login
from tests.notify.conftest import outbox

NEW = "a brand new passphrase"


def _sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def _reset_link(session, email) -> str:
    [message] = outbox(session, kind="password_reset", to=email)
    return message.link


# --- change your own password ----------------------------------------------------------------------

def test_change_password(fleet_client, session, fleet_manager, client):
    response = fleet_client.post("/account/password", data={
        "current_password": factories.PASSWORD, "new_password": NEW, "confirm": NEW})
    assert response.status_code == 302
    [told] = outbox(session, kind="password_changed")
    assert told.to == fleet_manager.email
    fleet_client.post("/logout")
    assert _sign_in(client, fleet_manager.email, factories.PASSWORD).status_code == 401
    assert _sign_in(client, fleet_manager.email, NEW).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"current_password": "wrong password!", "new_password": NEW, "confirm": NEW},
     "current password is not right"),
    ({"current_password": factories.PASSWORD, "new_password": "short", "confirm": "short"},
     "at least 10 characters"),
    ({"current_password": factories.PASSWORD, "new_password": NEW, "confirm": NEW + "x"},
     "two new passwords differ"),
    ({"current_password": factories.PASSWORD, "new_password": factories.PASSWORD,
      "confirm": factories.PASSWORD}, "not the current one"),
])
def test_change_password_refusals_change_nothing(fleet_client, session, fleet_manager, data, message):
    before = fleet_manager.password_hash
    response = fleet_client.post("/account/password", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, fleet_manager.id).password_hash == before
    assert outbox(session) == []


# --- forgot password ---------------------------------------------------------------------------------

def test_forgot_password_link_is_linked_from_sign_in(client):
    assert 'href="/forgot-password"' in client.get("/login").get_data(as_text=True)


def test_same_answer_for_known_and_unknown_addresses(client, session, fleet_manager):
    answers = []
    for email in (fleet_manager.email, "nobody@nowhere.example.com"):
        response = client.post("/forgot-password", data={"email": email}, follow_redirects=True)
        answers.append((response.status_code, re.sub(r"\s+", " ", response.get_data(as_text=True))))
    assert answers[0] == answers[1] and "a link to reset its password is on its way" in answers[0][1]
    assert [m.to for m in outbox(session)] == [fleet_manager.email]


def test_reset_link_works_once(client, session, fleet_manager):
    client.post("/forgot-password", data={"email": fleet_manager.email.upper()})
    link = _reset_link(session, fleet_manager.email)
    assert link.startswith("/reset-password/")
    token = link.rsplit("/", 1)[1]
    stored = session.exec(select(PasswordResetToken)).one()
    assert stored.token_hash != token and token not in stored.token_hash  # only a hash is kept
    assert client.get(link).status_code == 200
    response = client.post(link, data={"new_password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _sign_in(client, fleet_manager.email, NEW).status_code == 302
    client.post("/logout")
    again = client.post(link, data={"new_password": "yet another one!", "confirm": "yet another one!"})
    assert again.status_code == 404 and "does not work" in again.get_data(as_text=True)
    assert _sign_in(client, fleet_manager.email, NEW).status_code == 302


def test_reset_link_expires_after_an_hour(client, session, fleet_manager):
    accounts.request_password_reset(session, email=fleet_manager.email, ip="10.0.0.9",
                                    now=utcnow() - timedelta(minutes=61))
    session.commit()
    link = _reset_link(session, fleet_manager.email)
    assert client.get(link).status_code == 404
    assert client.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 404
    assert _sign_in(client, fleet_manager.email, factories.PASSWORD).status_code == 302


def test_unknown_token_and_short_password(client, session, fleet_manager):
    assert client.get("/reset-password/not-a-token").status_code == 404
    client.post("/forgot-password", data={"email": fleet_manager.email})
    link = _reset_link(session, fleet_manager.email)
    response = client.post(link, data={"new_password": "short", "confirm": "short"})
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200  # still usable


def test_a_password_change_ends_open_reset_links(client, session, fleet_manager):
    client.post("/forgot-password", data={"email": fleet_manager.email})
    link = _reset_link(session, fleet_manager.email)
    login(client, fleet_manager)
    client.post("/account/password", data={"current_password": factories.PASSWORD,
                                            "new_password": NEW, "confirm": NEW})
    client.post("/logout")
    assert client.get(link).status_code == 404


def test_forgot_password_is_throttled_per_address_known_or_not(client, session, fleet_manager):
    for email in (fleet_manager.email, "ghost@nowhere.example.com"):
        codes = [client.post("/forgot-password", data={"email": email}).status_code
                 for _ in range(accounts.MAX_RESETS_PER_EMAIL + 1)]
        assert codes == [302] * accounts.MAX_RESETS_PER_EMAIL + [429]
    assert len(outbox(session, kind="password_reset")) == accounts.MAX_RESETS_PER_EMAIL


def test_forgot_password_is_throttled_per_ip(client, session):
    codes = [client.post("/forgot-password", data={"email": f"x{i}@example.com"}).status_code
             for i in range(accounts.MAX_RESETS_PER_IP + 1)]
    assert codes[-1] == 429 and codes[:-1] == [302] * accounts.MAX_RESETS_PER_IP


def test_inactive_users_get_no_link(client, session):
    user = factories.make_user(session, "fleet_manager", active=False)
    client.post("/forgot-password", data={"email": user.email})
    assert outbox(session) == []


def test_forgot_password_needs_csrf(csrf_client, session, fleet_manager):
    assert csrf_client.post("/forgot-password", data={"email": fleet_manager.email}).status_code == 400
    token = csrf_token(csrf_client.get("/forgot-password").get_data(as_text=True))
    assert csrf_client.post("/forgot-password", data={"email": fleet_manager.email,
                                                      "csrf_token": token}).status_code == 302
    link = _reset_link(session, fleet_manager.email)
    assert csrf_client.post(link, data={"new_password": NEW, "confirm": NEW}).status_code == 400
    assert csrf_client.get(link).status_code == 200  # not used up by the refused POST


# --- temporary passwords from an admin ---------------------------------------------------------------

def test_temporary_password_must_be_changed_at_first_sign_in(admin_client, client, session, member):
    page = admin_client.post(f"/admin/members/{member.id}/users/new",
                             data={"email": "temp@la.example.com"}).get_data(as_text=True)
    temporary = re.search(r'<code id="temporary-password">([^<]+)</code>', page).group(1)
    admin_client.post("/logout")
    assert _sign_in(client, "temp@la.example.com", temporary).status_code == 302
    for url in ("/", "/demand/", "/notifications/", "/results/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    form = client.get("/account/password").get_data(as_text=True)
    assert "temporary password" in form
    response = client.post("/account/password", data={
        "current_password": temporary, "new_password": NEW, "confirm": NEW})
    assert response.status_code == 302
    assert client.get("/demand/").status_code == 200


def test_admin_reset_makes_the_password_temporary(admin_client, session, member, fleet_manager):
    response = admin_client.post(f"/admin/members/{member.id}/users/{fleet_manager.id}/reset-password",
                                 data={"confirm": "1"})
    assert response.status_code == 200
    session.expire_all()
    assert session.get(User, fleet_manager.id).must_change_password
    [told] = outbox(session, kind="password_changed")
    assert told.to == fleet_manager.email and "temporary password" in told.body
