"""Browser tests: the real app in a background thread, driven through Debian's Chromium.

pytest-playwright provides `page`; these fixtures point it at /usr/bin/chromium and at the live
server (`base_url`), and record console messages so that tests can check that no page breaks
the Content Security Policy. Without Chromium the tests skip (and fail in CI: require_server).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from sqlmodel import Session

from tests import factories
from tests.e2e.live_server import live_app, serving


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with CSRF on, a fresh SQLite database and one user per role, on a free port."""
    app = live_app(tmp_path_factory.mktemp("e2e"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@e2e.example")
        member = factories.make_member(session, "Portland", state="OR")
        fleet = factories.make_user(session, "fleet_manager", member=member,
                                    email="fleet@e2e.example")
        vendor = factories.make_vendor(session, "Cascade EV Fleet Sales", status="approved")
        seller = factories.make_user(session, "vendor", vendor=vendor, email="sales@e2e.example")
    with serving(app) as server:
        server.users = {"admin": admin, "fleet_manager": fleet, "vendor": seller}
        yield server


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-playwright resolves page.goto("/login") against this."""
    return live_server.url


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    """Every page of these tests opens on this folder's server.

    Per test, because pytest-playwright computes its session-wide context arguments once, from
    whichever `base_url` the first browser test of the run saw; folders that import
    `live_server` from here get a server of their own, at another URL.
    """
    return {**browser_context_args, "base_url": live_server.url}


@dataclass
class ConsoleLog:
    """Every console message and page error of one page."""

    messages: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page) -> "ConsoleLog":
        """Start recording `page`'s console messages and page errors."""
        log = cls()
        page.on("console", lambda msg: log.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: log.messages.append(f"pageerror: {exc}"))
        return log

    def csp_violations(self) -> list[str]:
        """Messages in which the browser refused something because of the CSP."""
        return [m for m in self.messages if "Content Security Policy" in m]


@pytest.fixture
def console(page) -> ConsoleLog:
    """Record the page's console; tests assert `console.csp_violations() == []`."""
    return ConsoleLog.attach(page)


def sign_in(page, email: str, password: str = factories.PASSWORD) -> None:
    """Fill in and send the sign-in form."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
