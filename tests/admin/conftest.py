"""The browser fixtures of tests/e2e, for the admin browser tests in this folder."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures used by name)
    base_url,
    browser_type_launch_args,
    console,
    live_server,
)
