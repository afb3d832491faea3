"""In a real browser with CSRF on: a vendor asks a question on a published package, an admin
sees it on the home page and answers it (accepting the confirm dialog), and another vendor sees
the answer, on the package page and the public notice, without the asking company's name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.tender import ADMIN, VENDORS, sign_in

pytestmark = pytest.mark.e2e

QUESTION = "Is CCS1 charging required on every bus of lot 1?"
ANSWER = "Yes: every bus of lot 1 is delivered with CCS1 charging."
BUS = "40-ft battery-electric transit bus - 2027 Clean Fleet Round"


def test_ask_answer_and_read_the_answer_without_the_asker(new_page, published_tender_site):
    server, page = published_tender_site, new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    sign_in(page, server, VENDORS["Pacific Coach Works"])
    page.goto(server.url + "/vendors/packages")
    page.get_by_role("link", name=BUS).click()
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("status")).to_contain_text("Your question was sent")
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, ADMIN)
    expect(page.get_by_role("heading", name="Unanswered questions (1)")).to_be_visible()
    page.get_by_role("link", name="ocds-consortium-2027-clean-fleet-BEB-40").first.click()
    expect(page.get_by_text("Pacific Coach Works")).to_be_visible()  # admins see who asked
    page.get_by_role("textbox", name="Answer").fill(ANSWER)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Publish the answer").click()
    expect(page.get_by_role("status")).to_contain_text("Answer published to every approved vendor")
    assert dialogs and "every approved vendor" in dialogs[0]
    page.goto(server.url + "/")
    expect(page.get_by_text("No question is waiting for an answer.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, server, VENDORS["Cascade EV Fleet Sales"])
    page.goto(server.url + "/notifications/")
    expect(page.get_by_text("A question on ocds-consortium-2027-clean-fleet-BEB-40 was answered")
           ).to_be_visible()
    page.goto(server.url + "/vendors/packages")
    page.get_by_role("link", name=BUS).click()
    qa = page.locator("ol.qa")
    expect(qa).to_contain_text(QUESTION)
    expect(qa).to_contain_text(ANSWER)
    assert "Pacific" not in page.content() and "bids@pcw.example" not in page.content()
    page.get_by_role("button", name="Sign out").click()

    page.goto(server.url + "/notices/")
    page.get_by_role("link", name=BUS).click()
    expect(page.locator("ol.qa")).to_contain_text(ANSWER)
    assert "Pacific" not in page.content()
    assert [m for m in messages if "Content Security Policy" in m] == []
