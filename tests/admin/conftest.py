"""Browser fixtures for the admin browser tests in this folder.

The pages get their own browser context pointed at this folder's live server. pytest-playwright's
`page` is not used here: its session-wide `browser_context_args` keeps the base URL of whichever
live server asked first, which would send these pages to another test folder's server.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ConsoleLog, live_server  # noqa: F401  (live_server: a fixture)


@pytest.fixture
def admin_page(new_page, live_server):  # noqa: F811  (the fixture imported above)
    """A fresh page whose relative URLs go to this folder's live server."""
    return new_page(live_server.url)


@pytest.fixture
def admin_console(admin_page) -> ConsoleLog:
    """The page's console messages, to check that nothing breaks the CSP."""
    return ConsoleLog.attach(admin_page)
