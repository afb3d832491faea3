"""In a real browser with CSRF on: an admin previews and publishes (accepting the confirm dialog),
then an approved vendor opens the package and downloads its PDF; no page breaks the CSP."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.models import Download
from tests.e2e.tender import ADMIN, VENDORS, sign_in

pytestmark = pytest.mark.e2e


def test_publish_then_download_in_the_browser(new_page, tender_site):
    server, page = tender_site, new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    sign_in(page, server, ADMIN)
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

    sign_in(page, server, VENDORS["Pacific Coach Works"])
    page.goto(server.url + "/vendors/packages")
    page.get_by_role("link", name="40-ft battery-electric transit bus - 2027 Clean Fleet Round").click()
    expect(page.get_by_role("cell", name="Fleet Services Yard, 2500 E 15th St, Los Angeles, CA 90021").first).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="bid-package.pdf").click()
    assert info.value.suggested_filename == "ocds-consortium-2027-clean-fleet-BEB-40-v0-bid-package.pdf"
    with Session(server.app.extensions["consortium.engine"]) as session:
        assert len(session.exec(select(Download)).all()) == 1
    assert [m for m in messages if "Content Security Policy" in m] == []
