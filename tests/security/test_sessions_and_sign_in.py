"""Revocable sessions (failure 4) and sign-in throttling per account and client (failure 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import commit, utcnow
from consortium.models import Throttle, User
from consortium.services import accounts, throttle
from tests import factories
from tests.conftest import login
from tests.security.conftest import clone_client, concurrently


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_copied_session_cookie_is_dead_after_sign_out(app, client, admin):
    login(client, admin)
    copy = clone_client(app, client)
    assert _signed_in(copy)
    assert client.post("/logout").status_code == 302
    assert not _signed_in(copy)
    assert not _signed_in(client)


def _remember_client(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "remember": "y"})
    assert response.status_code == 302
    remember = client.get_cookie("remember_token")
    assert remember is not None
    only_remember = app.test_client()
    only_remember.set_cookie("remember_token", remember.value)
    return client, only_remember


def test_an_admin_reset_ends_the_users_sessions_and_remember_me(app, admin, member,
                                                                fleet_manager):
    session_client, remember_client = _remember_client(app, fleet_manager)
    assert _signed_in(session_client) and _signed_in(remember_client)
    admin_client = app.test_client()
    login(admin_client, admin)
    response = admin_client.post(f"/admin/members/{member.id}/users/{fleet_manager.id}/reset-password")
    assert response.status_code == 200
    assert not _signed_in(session_client)
    assert not _signed_in(remember_client)
    assert _signed_in(admin_client)  # the admin's own session is untouched


def test_a_password_change_ends_sessions_through_one_service_function(app, session, admin):
    client, remember_client = _remember_client(app, admin)
    user = session.get(User, admin.id)
    accounts.set_password(session, user, "a brand new password")
    commit(session)
    assert not _signed_in(client) and not _signed_in(remember_client)
    before = session.get(User, admin.id).session_version
    accounts.end_sessions(session, user)
    commit(session)
    assert session.get(User, admin.id).session_version == before + 1


def test_a_deactivated_or_tampered_cookie_is_refused(app, client, session, admin):
    login(client, admin)
    from consortium.web.security import load_user
    with app.test_request_context():
        assert load_user(f"{admin.id}.{admin.session_version}") is not None
        assert load_user(str(admin.id)) is None
        assert load_user(f"{admin.id}.{admin.session_version + 1}") is None
        assert load_user(f"{2**31}.0") is None


def _wrong(client, user, **environ):
    return client.post("/login", data={"email": user.email, "password": "wrong password!"},
                       environ_base=environ or {})


def test_failures_elsewhere_do_not_lock_the_real_user_out(client, admin, settings):
    for _ in range(settings.login_max_failures_per_account + 3):
        _wrong(client, admin, REMOTE_ADDR="203.0.113.5")
    assert _wrong(client, admin, REMOTE_ADDR="203.0.113.5").status_code == 429
    response = client.post("/login", data={"email": admin.email, "password": factories.PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.20"})
    assert response.status_code == 302


def test_forty_simultaneous_guesses_are_each_counted(app, admin, settings):
    clients = [app.test_client() for _ in range(40)]
    responses = concurrently([lambda c=c: _wrong(c, admin) for c in clients])
    codes = [r.status_code if not isinstance(r, BaseException) else repr(r) for r in responses]
    checked = codes.count(401)
    assert set(codes) <= {401, 429}, codes
    assert checked <= settings.login_max_failures_per_account, codes


def _ip_count(session, ip: str) -> int:
    session.expire_all()
    row = session.exec(select(Throttle).where(Throttle.scope == "login-ip",
                                              Throttle.key == ip)).first()
    return row.attempts if row else 0


def test_forty_simultaneous_failures_from_one_address_are_each_counted(app, session, admin,
                                                                        settings):
    """Wrong guesses at 40 accounts at once from one address: the address's count reaches 40
    and only its first `login_max_failures_per_ip` guesses are checked."""
    limit = settings.login_max_failures_per_ip
    assert limit < 40
    clients = [app.test_client() for _ in range(40)]
    responses = concurrently([
        lambda c=c, n=n: c.post("/login", data={"email": f"guess{n}@example.com",
                                                "password": "wrong password!"})
        for n, c in enumerate(clients)])
    codes = [r.status_code if not isinstance(r, BaseException) else repr(r) for r in responses]
    assert sorted(codes) == [401] * limit + [429] * (40 - limit), codes
    assert _ip_count(session, "127.0.0.1") == 40
    # The real password from that address now waits for the window too.
    response = app.test_client().post("/login", data={"email": admin.email,
                                                      "password": factories.PASSWORD})
    assert response.status_code == 429


def test_sign_ins_from_one_address_count_failures_only(app, session, admin, settings):
    client = app.test_client()
    for _ in range(3):
        _wrong(client, admin)
    login(client, admin)
    assert _ip_count(session, "127.0.0.1") == 3
    # After the window the count starts afresh.
    later = utcnow() + timedelta(minutes=settings.login_window_minutes, seconds=1)
    assert throttle.count(session, "login-ip", "127.0.0.1",
                          timedelta(minutes=settings.login_window_minutes), now=later) == 1


def test_delays_grow_after_the_free_attempts(session):
    policy = throttle.Policy(free=3, window=timedelta(minutes=15), base=30)
    now = utcnow()
    for _ in range(3):
        throttle.attempt(session, "test", "k", policy, now=now)
    with pytest.raises(throttle.Throttled) as exc:
        throttle.attempt(session, "test", "k", policy, now=now + timedelta(seconds=29))
    assert exc.value.retry_after <= 30
    throttle.attempt(session, "test", "k", policy, now=now + timedelta(seconds=31))  # 4th: 60 s
    with pytest.raises(throttle.Throttled):
        throttle.attempt(session, "test", "k", policy, now=now + timedelta(seconds=31 + 59))
    throttle.attempt(session, "test", "k", policy, now=now + timedelta(seconds=31 + 61))  # 5th
    session.expire_all()
    row = session.exec(select(Throttle).where(Throttle.key == "k")).one()
    assert row.attempts == 5
    # The delay never passes the window; after a quiet window the count starts afresh.
    assert policy.delay(40) == timedelta(minutes=15)
    later = now + timedelta(hours=1)
    assert throttle.attempt(session, "test", "k", policy, now=later) == 1


def test_the_client_address_comes_from_a_trusted_proxy_only(settings, engine, app, admin):
    from consortium.web import create_app

    def make(trusted):
        application = create_app(replace(settings, trusted_proxies=trusted))
        application.extensions["consortium.engine"].dispose()
        application.extensions["consortium.engine"] = engine
        return application.test_client()

    limit = settings.login_max_failures_per_account
    behind_proxy = make(1)
    for _ in range(limit):
        _wrong(behind_proxy, admin, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert _wrong(behind_proxy, admin, HTTP_X_FORWARDED_FOR="203.0.113.77").status_code == 429
    # Another client behind the same proxy is a different client.
    response = behind_proxy.post("/login", data={"email": admin.email,
                                                 "password": factories.PASSWORD},
                                 environ_base={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert response.status_code == 302
    # Without the setting the header is ignored: a client cannot pick a fresh address.
    direct = make(0)
    for n in range(limit):
        _wrong(direct, admin, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert _wrong(direct, admin, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429
