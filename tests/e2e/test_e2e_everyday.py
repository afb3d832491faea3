"""In Chromium at 1280 px and on a 375 px phone: money never breaks mid-number, wide tables
scroll inside their own box (the page itself never gets wider than the screen), Edit/Delete
stay reachable, and the CSV re-upload flow skips a likely duplicate unless it is ticked."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from consortium.models import DemandLine
from tests import factories
from tests.e2e.live_server import live_app, serving

pytestmark = pytest.mark.e2e

WIDTHS = (1280, 375)
MEMBERS = ("Los Angeles", "San Francisco", "Sacramento", "Oklahoma City", "Salt Lake City")


def _plan(members):
    tranches, rows = [], []
    for n, name in enumerate(members):
        allocations = [{"demand": f"L-{n}-{k}", "member": name, "quantity": 6} for k in range(3)]
        tranches.append({"id": f"T{n + 1}", "product": "BEB-40",
                         "options": {"charging": "CCS1", "battery": "450 kWh"},
                         "period": "2027Q2", "quantity": 18, "unit_price": 1092500.55,
                         "tranche_cost": 40000, "total_cost": 18 * 1092500.55 + 40000,
                         "allocations": allocations})
        rows.append({"member": name, "standalone_cost": 50639324.69, "consortium_cost": 49314020.5,
                     "savings": 1325304.19})
    total = sum(t["total_cost"] for t in tranches)
    return {"status": "optimal", "placed_units": 18 * len(members), "total_cost": total,
            "lower_bound": total, "gap": 0.0, "tranches": tranches, "unplaced": [],
            "members": rows,
            "totals": {"standalone_cost": 253196623.45, "consortium_cost": 246570102.5,
                       "savings": 6626520.95, "savings_pct": 2.62, "fairness_cost": 127250},
            "solver": {"name": "highs", "build_seconds": 0.5, "solve_seconds": 1.5}}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = live_app(tmp_path_factory.mktemp("everyday"))
    with Session(app.extensions["consortium.engine"], expire_on_commit=False) as s:
        admin = factories.make_user(s, "admin", email="admin@everyday.example")
        members = [factories.make_member(s, name) for name in MEMBERS]
        fleet = factories.make_user(s, "fleet_manager", member=members[0],
                                    email="fleet@everyday.example")
        bus = factories.make_product(s, "BEB-40", name="40-ft battery-electric bus",
                                     options={"charging": ["CCS1", "SAE-J3105"],
                                              "battery": ["450 kWh", "525 kWh"]})
        open_round = factories.make_round(s, name="Open round 2027", slug="open-2027")
        for n in range(12):
            for member in members:
                factories.make_line(s, round=open_round, member=member, product=bus,
                                    quantity=n + 1, ref=f"{member.name[:3].upper()}-{n:03d}",
                                    options={"charging": "CCS1", "battery": "450 kWh"},
                                    max_unit_price=1120000.5, splittable=True,
                                    notes="Depot 3, overnight charging, long routes in winter")
        closed = factories.make_round(s, status="closed", name="Closed round 2026", slug="closed-2026")
        for member in members:
            factories.make_line(s, round=closed, member=member, product=bus, ref=f"C-{member.id}")
        run = factories.make_run(s, round=closed, plan=_plan(MEMBERS), approved=True,
                                 fairness=True)
    with serving(app) as live:
        live.ids = {"open": open_round.id, "closed": closed.id, "run": run.id}
        live.users = {"admin": admin, "fleet": fleet}
        yield live


@pytest.fixture
def open_page(new_page, server):
    def at(width: int, who: str):
        page = new_page(server.url)
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/login")
        page.get_by_label("Email").fill(server.users[who].email)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page
    return at


def _scrolls_in_its_box(wrap) -> None:
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert wrap.evaluate("el => el.scrollLeft > 0")  # scrollable, not clipped


def _page_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def _money_on_one_line(page, selector: str) -> list[str]:
    """The texts of `selector` elements that contain a $ amount broken over two lines."""
    return page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel)).filter(el => {
        if (!/\\$\\d/.test(el.textContent)) return false;
        const range = document.createRange();
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
          for (const m of node.textContent.matchAll(/[-+]?\\$[\\d,]+(\\.\\d+)?/g)) {
            range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
            if (range.getClientRects().length > 1) return true;
          }
        }
        return false;
      }).map(el => el.textContent.trim())""", selector)


@pytest.mark.parametrize("width", WIDTHS)
def test_admin_pages_never_widen_the_page(open_page, server, width):
    page = open_page(width, "admin")
    for url in (f"/admin/rounds/{server.ids['open']}/demand", "/admin/audit",
                f"/admin/runs/{server.ids['run']}", f"/admin/rounds/{server.ids['open']}",
                f"/admin/rounds/{server.ids['closed']}/runs/compare?a={server.ids['run']}&b={server.ids['run']}"):
        page.goto(url)
        assert _page_width(page) <= width, (url, _page_width(page))
        assert _money_on_one_line(page, "td, th, .stats article, .run-totals article") == [], url
    if width == 375:  # the tables are wider than the phone: each scrolls inside its box
        page.goto(f"/admin/rounds/{server.ids['open']}/demand")
        _scrolls_in_its_box(page.locator(".table-wrap").nth(1))
    page.goto(f"/admin/runs/{server.ids['run']}")
    if width == 375:
        _scrolls_in_its_box(page.locator("section[aria-labelledby=tranches] .table-wrap"))
    page.get_by_label("Show tranches containing").fill("oklahoma")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 tranche of 5 contain")).to_be_visible()
    expect(page.locator("section[aria-labelledby=tranches] tfoot")).to_contain_text("18")


@pytest.mark.parametrize("width", WIDTHS)
def test_fleet_pages_fit_and_edit_delete_are_reachable(open_page, server, width):
    page = open_page(width, "fleet")
    page.goto(f"/demand/rounds/{server.ids['open']}")
    assert _page_width(page) <= width
    edit = page.get_by_role("link", name="Edit").first
    delete = page.get_by_role("button", name="Delete").first
    for control in (edit, delete):
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= width
    page.goto(f"/results/rounds/{server.ids['closed']}")
    assert _page_width(page) <= width
    assert _money_on_one_line(page, "td, .stats article") == []
    page.goto(f"/demand/rounds/{server.ids['open']}/upload")
    assert _page_width(page) <= width


def test_reupload_skips_a_duplicate_unless_ticked(open_page, server):
    page = open_page(375, "fleet")
    round_id = server.ids["open"]
    page.goto(f"/demand/rounds/{round_id}/upload")
    csv = ("ref,product,quantity,earliest,latest,options\n"
           ",BEB-40,1,2027Q1,2027Q4,charging=CCS1; battery=450 kWh\n"
           ",BEB-40,1,2027Q1,2027Q4,charging=CCS1; battery=450 kWh\n"
           ",BEB-40,40,2027Q2,2027Q2,charging=SAE-J3105; battery=525 kWh\n"
           "LOS-003,BEB-40,9,2027Q1,2027Q4,charging=CCS1; battery=450 kWh\n").encode()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "again.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("2 likely duplicates")).to_be_visible()
    assert _page_width(page) <= 375
    page.locator('input[name="include"][value="3"]').check()
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Imported 2 lines (41 units) from again.csv; updated 1 line; skipped 1 likely duplicate.")
    with Session(server.app.extensions["consortium.engine"]) as s:
        from sqlmodel import select
        mine = s.exec(select(DemandLine).where(DemandLine.round_id == round_id,
                                               DemandLine.member_id == server.users["fleet"].member_id)).all()
        assert len(mine) == 14
        assert next(x for x in mine if x.ref == "LOS-003").quantity == 9

