"""In a real browser with CSRF on: a vendor asks a question on a published package, an admin
sees it on the home page and answers it (accepting the confirm dialog), and another vendor sees
the answer, on the package page and the public notice, without the asking company's name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from consortium.db import utcnow
from consortium.services import publishing
from tests import factories
from tests.publish.conftest import demo_plan, load_demo_catalog, make_approved_run

pytestmark = pytest.mark.e2e

QUESTION = "Is CCS1 charging required on every bus of lot 1?"
ANSWER = "Yes: every bus of lot 1 is delivered with CCS1 charging."


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The demo catalog with its bus and sedan packages published; an admin and two vendors."""
    from tests.e2e.live_server import live_app, serving
    app = live_app(tmp_path_factory.mktemp("e2e-questions"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email="admin@qa.example")
        load_demo_catalog(session)
        for name, email in (("Pacific Coach Works", "bids@pcw.example"),
                            ("Cascade EV Fleet Sales", "sales@cascade.example")):
            vendor = factories.make_vendor(session, name, status="approved")
            factories.make_user(session, "vendor", vendor=vendor, email=email)
        round_ = factories.make_round(session, status="closed", name="2027 Clean Fleet Round",
                                      slug="2027-clean-fleet", deadline=utcnow() - timedelta(days=1))
        run = make_approved_run(session, round_, demo_plan())
        now = utcnow().replace(second=0, microsecond=0)
        publishing.publish_round(session, run, admin, bid_deadline=now + timedelta(days=30),
                                 questions_deadline=now + timedelta(days=21))
        session.commit()
    with serving(app) as live:
        yield live


def _sign_in(page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


BUS = "40-ft battery-electric transit bus - 2027 Clean Fleet Round"


def test_ask_answer_and_read_the_answer_without_the_asker(page, server):
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    _sign_in(page, server.url, "bids@pcw.example")
    page.goto(server.url + "/vendors/packages")
    page.get_by_role("link", name=BUS).click()
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Send the question").click()
    expect(page.get_by_role("status")).to_contain_text("Your question was sent")
    expect(page.get_by_text(QUESTION)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, server.url, "admin@qa.example")
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

    _sign_in(page, server.url, "sales@cascade.example")
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
