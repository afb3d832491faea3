"""The live server of the tender-stage browser tests (publishing, questions, bids): one set-up,
used by the `tender_site` and `published_tender_site` fixtures of tests/conftest.py.

The demo catalog, an admin, three approved vendors with one user each, and the closed
"2027 Clean Fleet Round" with an approved, hand-written plan (tests/publish/conftest.demo_plan:
packages BEB-40 with lots LOT-1..3 and SEDAN-EV with LOT-1..2); published or not.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from playwright.sync_api import expect
from sqlmodel import Session, select

from consortium.db import commit, utcnow
from consortium.models import BidPackage, Product
from tests import factories
from tests.e2e.live_server import LiveServer, live_app, serving

ADMIN = "admin@tender.example"
VENDORS = {"Pacific Coach Works": "bids@pcw.example",
           "Cascade EV Fleet Sales": "sales@cascade.example",
           "Evergreen Bus": "sales@evergreen.example"}
ROUND_SLUG = "2027-clean-fleet"


@contextmanager
def tender_server(folder: Path, *, publish: bool) -> Iterator[LiveServer]:
    """Serve the tender set-up; with `publish`, its packages are out (questions due in 21 days,
    bids in 30). The server's `engine` is the app's."""
    from consortium.services.publishing import publish_round
    from tests.publish.conftest import demo_plan, load_demo_catalog, make_approved_run
    app = live_app(folder)
    engine = app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        admin = factories.make_user(session, "admin", email=ADMIN)
        load_demo_catalog(session)
        for name, email in VENDORS.items():
            vendor = factories.make_vendor(session, name, status="approved")
            factories.make_user(session, "vendor", vendor=vendor, email=email)
        round_ = factories.make_round(session, status="closed", name="2027 Clean Fleet Round",
                                      slug=ROUND_SLUG, deadline=utcnow() - timedelta(days=1))
        run = make_approved_run(session, round_, demo_plan())
        if publish:
            now = utcnow().replace(second=0, microsecond=0)
            publish_round(session, run, admin, bid_deadline=now + timedelta(days=30),
                          questions_deadline=now + timedelta(days=21))
            commit(session)
    with serving(app) as live:
        live.engine = engine
        yield live


def package(server: LiveServer, code: str) -> BidPackage:
    """The published package of product `code`."""
    with Session(server.engine) as session:
        return session.exec(select(BidPackage).join(Product).where(Product.code == code)).one()


def sign_in(page, server: LiveServer, email: str) -> None:
    """Sign in through the form (absolute URLs: these pages have no base URL) and wait for it."""
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
