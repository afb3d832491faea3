"""In a real browser (1280 px desktop and a 375 px phone), with CSRF on: the unread count, the
in-app list with mark read / mark all read, and the forgot-password flow through the outbox."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.models import OutboxMessage
from consortium.services import notifications
from tests import factories

pytestmark = pytest.mark.e2e

WIDTHS = {"desktop": (1280, 800), "phone": (375, 740)}
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with CSRF on, on a fresh database of its own."""
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path_factory.mktemp("e2e-notify"))
    with serving(app) as live:
        live.engine = app.extensions["consortium.engine"]
        yield live


@pytest.fixture(params=list(WIDTHS))
def page(request, new_page):
    page = new_page()
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[request.param])))
    page.console_messages = []
    page.on("console", lambda msg: page.console_messages.append(msg.text))
    return page


def _fleet_manager(server, notices: int = 0):
    with Session(server.engine, expire_on_commit=False) as session:
        n = next(_seq)
        user = factories.make_user(session, "fleet_manager", email=f"fm{n}@notify.example",
                                   member=factories.make_member(session, f"Notify City {n}"))
        for i in range(notices):
            notifications.notify(session, [user], kind="round_opened", subject=f"Round {i + 1} is open",
                                 body="Enter your demand.", link="/demand/")
        session.commit()
    return user


def _sign_in(page, server, email, password=factories.PASSWORD):
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _fits(page) -> None:
    page.wait_for_load_state()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def _csp_clean(page) -> None:
    assert [m for m in page.console_messages if "Content Security Policy" in m] == []


def test_unread_count_and_the_list(page, server):
    user = _fleet_manager(server, notices=3)
    _sign_in(page, server, user.email)
    link = page.locator("#nav-notifications")
    expect(link).to_be_visible()
    expect(link).to_contain_text("3")
    link.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator("li.notification.unread")).to_have_count(3)
    _fits(page)
    page.locator("li.notification", has_text="Round 2 is open").get_by_role(
        "button", name="Mark read").click()
    expect(page.locator("#nav-notifications")).to_contain_text("2")
    expect(page.locator("li.notification.unread")).to_have_count(2)
    page.get_by_role("button", name=re.compile("Mark all read")).click()
    expect(page.get_by_role("status")).to_contain_text("Marked 2 notifications read.")
    expect(page.locator("#nav-notifications .unread-count")).to_have_count(0)
    page.locator("li.notification", has_text="Round 1 is open").get_by_role(
        "button", name="Open").click()
    expect(page).to_have_url(server.url + "/demand/")
    _csp_clean(page)


def test_forgot_password_by_the_emailed_link(page, server):
    user = _fleet_manager(server)
    page.goto(server.url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/forgot-password")  # the new page, not the one being left
    _fits(page)
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send me a reset link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to reset its password is on its way")
    with Session(server.engine) as session:
        message = session.exec(select(OutboxMessage).where(
            OutboxMessage.to == user.email, OutboxMessage.kind == "password_reset")).one()
    page.goto(server.url + message.link)
    new = "a fresh passphrase 42"
    page.locator("#new_password").fill(new)
    page.locator("#confirm").fill(new)
    _fits(page)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    _sign_in(page, server, user.email, new)
    expect(page.get_by_role("status")).to_contain_text(f"Signed in as {user.email}")
    page.goto(server.url + message.link)  # single use
    expect(page.get_by_role("heading", name="This reset link does not work")).to_be_visible()
    _csp_clean(page)
