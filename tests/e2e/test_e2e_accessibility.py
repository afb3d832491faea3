"""Automated accessibility check (axe-core) of the main pages of each role.

Each page is checked at 1280 px and 375 px in the light colour scheme and at 1280 px in the dark
one (the app follows the system's scheme). axe-core is vendored for the tests only
(tests/e2e/vendor/axe-core, see its README). It is injected through the browser context's init
script, which the page's Content Security Policy does not block, so every page is checked exactly
as it is served. A "serious" or "critical" violation fails the test and is printed with the
elements it was found on; so does an id used twice on a page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from consortium.db import commit, utcnow
from tests import factories
from tests.e2e.live_server import live_app, serving
from tests.publish.conftest import load_demo_catalog

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": 1280, "phone": 375}
VARIANTS = {"1280 px, light": (1280, "light"), "375 px, light": (375, "light"),
            "1280 px, dark": (1280, "dark")}
FAILING_IMPACTS = ("serious", "critical")
# The rule sets the check applies: WCAG 2.0/2.1/2.2 A and AA, and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A small consortium with something on every page: an open round with demand, a closed round
    solved by the optimizer, its plan approved and published, and one user per role."""
    from consortium.services import publishing, runs

    app = live_app(tmp_path_factory.mktemp("e2e-a11y"))
    engine = app.extensions["consortium.engine"]
    with Session(engine, expire_on_commit=False) as session:
        products = {code: product for code, (product, _) in load_demo_catalog(session).items()}
        members = {m.name: m for m in session.exec(_members()).all()}
        admin = factories.make_user(session, "admin", email="admin@a11y.example")
        factories.make_user(session, "fleet_manager", member=members["Los Angeles"],
                            email="fleet@a11y.example")
        vendor = factories.make_vendor(session, "Pacific Coach Works", status="approved")
        factories.make_user(session, "vendor", vendor=vendor, email="sales@a11y.example")
        closed = factories.make_round(session, status="closed", name="2026 Pilot",
                                      slug="2026-pilot", deadline=utcnow() - timedelta(days=2))
        opened = factories.make_round(session, status="open", name="2027 Fleet", slug="2027-fleet")
        bus = {"charging": "CCS1", "battery": "450 kWh"}
        for round_ in (closed, opened):
            for city, quantity in (("Los Angeles", 8), ("Seattle", 6), ("San Diego", 4)):
                factories.make_line(session, round=round_, member=members[city],
                                    product=products["BEB-40"], quantity=quantity, options=bus)
            factories.make_line(session, round=round_, member=members["Los Angeles"],
                                product=products["SEDAN-EV"], quantity=12,
                                options={"charging": "J3400-NACS"})
        run = runs.create_run(session, closed, admin, time_limit=20, note="a11y")
        commit(session)
    runs.execute_run(engine, run.id)
    with Session(engine, expire_on_commit=False) as session:
        run = session.get(type(run), run.id)
        runs.approve_run(session, run, admin)
        commit(session)
        now = utcnow().replace(second=0, microsecond=0)
        packages = publishing.publish_round(session, run, admin,
                                            bid_deadline=now + timedelta(days=30),
                                            questions_deadline=now + timedelta(days=21))
        commit(session)
        session.commit()
        ids = {"run": run.id, "open_round": opened.id, "closed_round": closed.id,
               "package": packages[0].id}
    with serving(app) as live:
        live.ids = ids
        yield live


def _members():
    from sqlmodel import select

    from consortium.models import Member
    return select(Member)


# (role or None for an anonymous visitor, path): the main pages of each role.
PAGES = [
    (None, "/login"),
    (None, "/vendors/register"),
    ("fleet_manager", "/"),
    ("fleet_manager", "/demand/rounds/{open_round}"),
    ("fleet_manager", "/demand/rounds/{open_round}/lines/new"),
    ("fleet_manager", "/results/rounds/{closed_round}"),
    ("admin", "/"),
    ("admin", "/admin/rounds/{open_round}"),
    ("admin", "/admin/rounds/{open_round}/demand"),
    ("admin", "/admin/runs/{run}"),
    ("admin", "/admin/members"),
    ("vendor", "/vendors/packages"),
    ("vendor", "/vendors/packages/{package}"),
]
EMAILS = {"admin": "admin@a11y.example", "fleet_manager": "fleet@a11y.example",
          "vendor": "sales@a11y.example"}


def _open(browser, site, role: str | None, width: int):
    """A page at `width` px, with axe-core loaded in every document, signed in as `role`."""
    context = browser.new_context(base_url=site.url, viewport={"width": width, "height": 900},
                                  color_scheme="light")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15000)
    if role:
        page.goto("/login")
        page.get_by_label("Email").fill(EMAILS[role])
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(site.url + "/")
    return context, page


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page, each with up to five elements."""
    return page.evaluate(
        """async ([tags, impacts]) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations
                .filter(v => impacts.includes(v.impact))
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': '
                                                            + (n.failureSummary || ''))}));
        }""",
        [TAGS, list(FAILING_IMPACTS)])


def duplicate_ids(page) -> dict[str, int]:
    """Ids used by more than one element (axe-core no longer checks this; labels rely on it)."""
    return dict(page.evaluate("""() => {
        const count = {};
        document.querySelectorAll('[id]').forEach(e => { count[e.id] = (count[e.id] || 0) + 1; });
        return Object.entries(count).filter(([id, n]) => n > 1);
    }"""))


def _report(path: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{path}: [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("role", ["anonymous", "fleet_manager", "admin", "vendor"])
def test_main_pages_have_no_serious_accessibility_violations(browser, site, role):
    """Each page of the role at desktop and phone width in the light scheme, and at desktop width
    in the dark one (the app follows the system's colour scheme)."""
    pages = [path for who, path in PAGES if (who or "anonymous") == role]
    context, page = _open(browser, site, None if role == "anonymous" else role, WIDTHS["desktop"])
    try:
        found = []
        for variant, (width, scheme) in VARIANTS.items():
            page.set_viewport_size({"width": width, "height": 900})
            page.emulate_media(color_scheme=scheme)
            for path in pages:
                url = path.format(**site.ids)
                response = page.goto(url)
                assert response.status == 200, f"{url}: HTTP {response.status}"
                page.wait_for_load_state("networkidle")
                violations = serious_violations(page)
                if violations:
                    found.append(_report(f"{url} ({variant})", violations))
                if duplicates := duplicate_ids(page):
                    found.append(f"{url}: duplicate ids {duplicates}")
        report = "\n".join(found)
        if report:
            print(report)
        assert not report, f"accessibility problems:\n{report}"
    finally:
        context.close()


def test_the_check_catches_a_serious_violation(browser, site):
    """The check is live: an unlabelled field and white-on-white text are reported."""
    context, page = _open(browser, site, None, WIDTHS["desktop"])
    try:
        page.goto("/login")
        page.evaluate("""() => {
            const input = document.createElement('input');
            input.type = 'text';
            document.querySelector('main').append(input);
        }""")
        ids = {v["id"] for v in serious_violations(page)}
        assert "label" in ids
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_skip_link_is_the_first_focusable_element_and_moves_focus_to_the_content(browser, site,
                                                                                width):
    context, page = _open(browser, site, "fleet_manager", width)
    try:
        page.goto("/demand/rounds/{open_round}".format(**site.ids))
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        box = skip.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] <= width
        page.keyboard.press("Enter")
        round_page = "/demand/rounds/{open_round}".format(**site.ids)
        expect(page).to_have_url(f"{site.url}{round_page}#content")
        expect(page.locator("main#content")).to_be_focused()
        # The next Tab goes to the first control inside the page's content, not back to the menu.
        page.keyboard.press("Tab")
        inside = "() => document.querySelector('main').contains(document.activeElement)"
        assert page.evaluate(inside)
    finally:
        context.close()


def test_focus_ring_is_visible(browser, site):
    """A focused control draws an outline of at least 2 px (`:focus-visible` in app.css)."""
    context, page = _open(browser, site, None, WIDTHS["desktop"])
    try:
        page.goto("/login")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        style = page.evaluate("""() => {
            const s = getComputedStyle(document.activeElement);
            return {tag: document.activeElement.tagName, width: parseFloat(s.outlineWidth),
                    style: s.outlineStyle};
        }""")
        assert style["tag"] == "A"
        assert style["style"] != "none" and style["width"] >= 2
    finally:
        context.close()
