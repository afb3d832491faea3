"""Sign-in, sign-out, failure limits, CSRF and security headers."""

from __future__ import annotations

from tests import factories
from tests.conftest import login


def test_sign_in_and_out(client, admin):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, admin)
    page = client.get("/").get_data(as_text=True)
    assert "Consortium administration" in page and admin.email in page
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused(client, admin):
    response = client.post("/login", data={"email": admin.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "The email or password is not right." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, admin):
    response = client.post("/login", data={"email": admin.email.upper(), "password": factories.PASSWORD})
    assert response.status_code == 302


def test_failures_are_limited_per_account_and_client(client, admin, settings):
    for _ in range(settings.login_max_failures_per_account):
        assert client.post("/login", data={"email": admin.email, "password": "nope nope nope"}).status_code == 401
    # Even the right password is refused now from this address, with a clear message...
    response = client.post("/login", data={"email": admin.email, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts for this account" in response.get_data(as_text=True)
    # ...but the real user on another address is not locked out.
    response = client.post("/login", data={"email": admin.email, "password": factories.PASSWORD},
                           environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert response.status_code == 302


def test_failures_are_limited_per_ip(client, session, settings):
    user = factories.make_user(session, "admin")
    for n in range(settings.login_max_failures_per_ip):
        client.post("/login", data={"email": f"nobody{n}@example.com", "password": "nope nope nope"})
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "from your network" in response.get_data(as_text=True)


def test_inactive_user_cannot_sign_in(client, session):
    user = factories.make_user(session, "admin", active=False)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 401


def test_next_parameter_only_goes_to_local_paths(client, admin):
    response = client.post("/login?next=https://evil.example/", data={"email": admin.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/"


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_flags(client, admin):
    response = client.post("/login", data={"email": admin.email, "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_home_per_role(client, fleet_manager, vendor_user, session):
    login(client, fleet_manager)
    assert "Los Angeles" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, vendor_user)
    assert "Transit Motors" in client.get("/").get_data(as_text=True)


def test_error_pages_use_the_layout(admin_client):
    response = admin_client.get("/no-such-page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and "Sign out" in body
