"""Shared fixtures: settings, app, client, a database session, and signed-in users per role.

The suite runs on SQLite by default. With TEST_DATABASE_URL set (CI sets it to the local
PostgreSQL), the same tests run there. The database is migrated once per run and emptied after
every test.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from consortium.config import Settings
from consortium.db import make_engine
from consortium.migrate import upgrade
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_server(reason: str) -> None:
    """Skip a test whose server is missing, except in CI, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url):
    eng = make_engine(database_url)
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:  # start from an empty schema, whatever an earlier run left
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(eng)
    yield eng
    eng.dispose()


def _empty_tables(eng) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def settings(database_url, tmp_path) -> Settings:
    return Settings(env="testing", database_url=database_url, instance_path=tmp_path,
                    huey_immediate=True, csrf_enabled=False)


@pytest.fixture
def app(settings, engine):
    from consortium.web import create_app
    application = create_app(settings)
    application.extensions["consortium.engine"].dispose()
    application.extensions["consortium.engine"] = engine  # share the migrated engine
    yield application
    _empty_tables(engine)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client(settings, engine, app):
    """A client of an app with CSRF protection on (the `client` fixture's app has it off)."""
    from consortium.web import create_app
    csrf_app = create_app(replace(settings, csrf_enabled=True))
    csrf_app.extensions["consortium.engine"].dispose()
    csrf_app.extensions["consortium.engine"] = engine  # emptied after the test by `app`
    return csrf_app.test_client()


def csrf_token(page: str) -> str:
    """The CSRF token in an HTML page's first form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


@pytest.fixture
def session(app, engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


def login(client, user) -> None:
    """Sign `user` in on `client` through the sign-in form."""
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def admin(session):
    return factories.make_user(session, "admin", email="admin@example.com")


@pytest.fixture
def member(session):
    return factories.make_member(session, "Los Angeles")


@pytest.fixture
def other_member(session):
    return factories.make_member(session, "Seattle")


@pytest.fixture
def fleet_manager(session, member):
    return factories.make_user(session, "fleet_manager", member=member, email="fleet@la.example.com")


@pytest.fixture
def other_fleet_manager(session, other_member):
    return factories.make_user(session, "fleet_manager", member=other_member,
                               email="fleet@seattle.example.com")


@pytest.fixture
def vendor_user(session):
    vendor = factories.make_vendor(session, "Transit Motors", status="approved")
    return factories.make_user(session, "vendor", vendor=vendor, email="sales@transit.example.com")


@pytest.fixture
def admin_client(client, admin):
    login(client, admin)
    return client


@pytest.fixture
def fleet_client(client, fleet_manager):
    login(client, fleet_manager)
    return client


@pytest.fixture
def vendor_client(client, vendor_user):
    login(client, vendor_user)
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Every browser test launches Debian's Chromium (Playwright downloads no browser here)."""
    from tests.e2e.live_server import CHROMIUM, launch_options
    if not CHROMIUM.exists():
        require_server(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, **launch_options()}


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh browser context: `new_page(base_url=None)`; closed after the test.

    Browser tests that run their own live server use this rather than pytest-playwright's `page`,
    whose session-wide context arguments keep the base URL of whichever server asked first.
    """
    contexts = []

    def open_page(base_url: str | None = None):
        context = browser.new_context(**({"base_url": base_url} if base_url else {}))
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def worker_server(tmp_path):
    """The app (CSRF on, a fresh SQLite database, a SQLite job queue that is not immediate)
    served on a free port, with a worker thread consuming the queue; one per test."""
    from tests.e2e.live_server import live_app, serving_with_worker
    with serving_with_worker(live_app(tmp_path)) as server:
        yield server


@pytest.fixture(scope="module")
def tender_site(tmp_path_factory):
    """A live server (CSRF on) with the demo catalog, an admin, three approved vendors and a
    closed round whose approved plan is not published yet (tests/e2e/tender.py); one per module."""
    from tests.e2e.tender import tender_server
    with tender_server(tmp_path_factory.mktemp("e2e-tender"), publish=False) as live:
        yield live


@pytest.fixture(scope="module")
def published_tender_site(tmp_path_factory):
    """`tender_site` with the round's bid packages published (bids due in 30 days)."""
    from tests.e2e.tender import tender_server
    with tender_server(tmp_path_factory.mktemp("e2e-tender"), publish=True) as live:
        yield live
