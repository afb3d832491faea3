"""In a real browser with CSRF on: an admin previews and publishes (accepting the confirm dialog),
then an approved vendor opens the package and downloads its PDF; no page breaks the CSP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import Download
from tests import factories
from tests.publish.conftest import demo_plan, load_demo_catalog, make_approved_run

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(new_page):
    """A page of a fresh context (no base_url: URLs are absolute, the server is this module's)."""
    return new_page()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app with CSRF on, the demo catalog, a closed round with an approved plan, two users."""
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path_factory.mktemp("e2e-publish"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        factories.make_user(session, "admin", email="admin@publish.example")
        load_demo_catalog(session)
        vendor = factories.make_vendor(session, "Pacific Coach Works", status="approved")
        factories.make_user(session, "vendor", vendor=vendor, email="bids@pcw.example")
        round_ = factories.make_round(session, status="closed", name="2027 Clean Fleet Round",
                                      slug="2027-clean-fleet", deadline=utcnow() - timedelta(days=1))
        make_approved_run(session, round_, demo_plan())
    with serving(app) as live:
        yield live


def _sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_publish_then_download_in_the_browser(page, server):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    _sign_in(page, server.url, "admin@publish.example")
    page.goto(server.url + "/admin/packages/")
    page.get_by_role("link", name="Preview and publish its packages").click()
    page.get_by_role("button", name="Preview the packages").click()
    expect(page.get_by_text("ocds-consortium-2027-clean-fleet-BEB-40")).to_be_visible()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Publish 2 package(s)").click()
    expect(page.get_by_role("status")).to_contain_text("Published 2 bid package(s)")
    assert dialogs and "can never be changed" in dialogs[0]
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, server.url, "bids@pcw.example")
    page.goto(server.url + "/vendors/packages")
    page.get_by_role("link", name="40-ft battery-electric transit bus - 2027 Clean Fleet Round").click()
    expect(page.get_by_role("cell", name="Fleet Services Yard, 2500 E 15th St, Los Angeles, CA 90021").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="bid-package.pdf").click()
    assert info.value.suggested_filename == "ocds-consortium-2027-clean-fleet-BEB-40-v0-bid-package.pdf"
    with Session(server.app.extensions["consortium.engine"]) as session:
        assert len(session.exec(select(Download)).all()) == 1
    assert [m for m in messages if "Content Security Policy" in m] == []
