"""Browser fixtures for the admin browser tests in this folder.

The pages get their own browser context pointed at this folder's live server. pytest-playwright's
`page` is not used here: its session-wide `browser_context_args` keeps the base URL of whichever
live server asked first, which would send these pages to another test folder's server.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import (  # noqa: F401  (fixtures used by name)
    ConsoleLog,
    browser_type_launch_args,
    live_server,
)


@pytest.fixture
def admin_page(browser, live_server):  # noqa: F811  (the fixture imported above)
    """A fresh page whose relative URLs go to this folder's live server."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def admin_console(admin_page) -> ConsoleLog:
    """The page's console messages, to check that nothing breaks the CSP."""
    log = ConsoleLog()
    admin_page.on("console", lambda msg: log.messages.append(f"{msg.type}: {msg.text}"))
    admin_page.on("pageerror", lambda exc: log.messages.append(f"pageerror: {exc}"))
    return log
