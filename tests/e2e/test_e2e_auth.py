"""Sign-in and sign-out in a real browser, with CSRF on, and no page breaking the CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_admin_signs_in_through_the_form_and_sees_the_home_page(page, console, live_server):
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/login"))
    sign_in(page, "admin@e2e.example")
    expect(page.get_by_role("heading", name="Consortium administration")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Signed in as admin@e2e.example")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert console.csp_violations() == []


def test_wrong_password_shows_the_message(page, console):
    sign_in(page, "admin@e2e.example", password="not the password")
    expect(page.get_by_role("alert")).to_have_text("The email or password is not right.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert console.csp_violations() == []


def test_sign_out(page, console, live_server):
    sign_in(page, "admin@e2e.example")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + r"/login"))
    assert console.csp_violations() == []


@pytest.mark.parametrize("email, heading", [
    ("fleet@e2e.example", "Portland"),
    ("sales@e2e.example", "Cascade EV Fleet Sales"),
])
def test_other_roles_home_pages_keep_the_csp(page, console, email, heading):
    sign_in(page, email)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    assert console.csp_violations() == []


def test_the_csp_check_notices_a_violation(page, console):
    """The check above is real: an inline style attribute is refused and logged."""
    page.goto("/login")
    with page.expect_console_message(lambda msg: "Content Security Policy" in msg.text):
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    assert console.csp_violations(), console.messages
