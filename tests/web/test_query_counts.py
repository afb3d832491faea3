"""SQL statements per page, capped: the pages every city and the admins load again and again in a
round's last days (bench/web.py measures them). Each page is counted with a little data and again
with much more (many lines, members, runs, versions, CSV rows): the count must not grow, so an
N+1 query fails here even when it stays under the cap."""

from __future__ import annotations

import io
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from consortium.db import commit
from tests import factories
from tests.conftest import login
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401 (fixtures)
from tests.runs.conftest import closed_round  # noqa: F401 (fixture)

# Statements per page, the user's own sign-in lookup and the navigation's unread-notification
# count included; the fleet round page and the run page each look up the hint jobs once, and
# the run page whether the run belongs to a scenario (one lookup, whatever the number of runs).
# The vendor package page: 10, plus the published answers and the vendor's own questions.
CAPS = {"fleet round page": 6, "admin demand overview": 8, "run page": 7,
        "vendor package page": 12, "CSV preview": 5, "admin package list": 7,
        "download log": 5, "admin package page": 12}


@contextmanager
def counting(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_of(client, engine, path: str, expect: str) -> list[str]:
    """The statements one GET of `path` runs (checking the page answered and shows `expect`)."""
    with counting(engine) as statements:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert expect in response.get_data(as_text=True)
    return list(statements)


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def add_lines(session, round_, member, products, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        factories.make_line(session, round=round_, member=member, product=products[i % len(products)],
                            ref=f"{member.name[:3].upper()}{member.id}-{i:04d}", quantity=1 + i % 9,
                            notes=f"line {i}")


@pytest.fixture
def catalog(session):
    return [factories.make_product(session, code) for code in ("BEB-40", "VAN-E", "SEDAN-EV")]


def test_fleet_round_page_and_admin_overview_do_not_grow_with_lines(
        app, engine, session, catalog, member, fleet_manager, admin):
    round_ = factories.make_round(session)
    others = [factories.make_member(session) for _ in range(4)]
    add_lines(session, round_, member, catalog, 3)
    add_lines(session, round_, others[0], catalog, 2)
    fleet, boss = signed_in(app, fleet_manager), signed_in(app, admin)
    fleet_path, admin_path = f"/demand/rounds/{round_.id}", f"/admin/rounds/{round_.id}/demand"
    few = (statements_of(fleet, engine, fleet_path, "LOS1-0002"),
           statements_of(boss, engine, admin_path, "(5)"))

    add_lines(session, round_, member, catalog, 70, start=3)  # 73: two pages of 50
    for other in others:
        add_lines(session, round_, other, catalog, 30, start=100)
    many = (statements_of(fleet, engine, fleet_path, "LOS1-0049"),
            statements_of(boss, engine, admin_path, "(195)"))
    page = fleet.get(fleet_path).get_data(as_text=True)
    assert page.count("/demand/lines/") >= 50 * 3  # edit link, delete form and title per line

    for name, small, large in zip(("fleet round page", "admin demand overview"), few, many):
        assert len(large) == len(small), (name, large)
        assert len(large) <= CAPS[name], (name, large)


def test_run_page_does_not_grow_with_other_runs(app, engine, session, admin,
                                                closed_round):  # noqa: F811
    from consortium.models import Run
    from consortium.services.runs import create_run, execute_run

    run_id = create_run(session, closed_round, admin).id
    commit(session)
    execute_run(engine, run_id)
    session.expire_all()
    run = session.get(Run, run_id)
    boss = signed_in(app, admin)
    few = statements_of(boss, engine, f"/admin/runs/{run.id}", "Tranches")
    for _ in range(6):
        factories.make_run(session, round=closed_round, plan=run.plan, problem=run.problem)
    many = statements_of(boss, engine, f"/admin/runs/{run.id}", "Compare")
    assert len(many) == len(few) <= CAPS["run page"], many


def test_vendor_package_page_does_not_grow_with_versions(app, engine, session, admin, vendor_user,
                                                         published):  # noqa: F811
    from consortium.services.publishing import publish_addendum

    package = published["BEB-40"]
    vendor = signed_in(app, vendor_user)
    path = f"/vendors/packages/{package.id}"
    few = statements_of(vendor, engine, path, "Lots")
    for n in range(3):
        publish_addendum(session, package, admin, change_note=f"Addendum {n + 1}")
        commit(session)
        session.commit()
    many = statements_of(vendor, engine, path, "Addendum 3")
    assert len(many) == len(few) <= CAPS["vendor package page"], many


def test_csv_preview_does_not_grow_with_rows(app, engine, session, catalog, member, fleet_manager):
    round_ = factories.make_round(session)
    add_lines(session, round_, member, catalog, 20)
    fleet = signed_in(app, fleet_manager)

    def preview(rows: int) -> list[str]:
        text = "ref,product,quantity,earliest,latest,options,splittable,max_unit_price,notes\n" + "".join(
            f",{catalog[i % 3].code},{1 + i % 7},2027Q1,2027Q4,charging=CCS1,no,,row {i}\n"
            for i in range(rows))
        response = fleet.post(f"/demand/rounds/{round_.id}/upload", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(text.encode()), "lines.csv")})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return statements_of(fleet, engine, response.headers["Location"], f"All {rows} rows are valid")

    few, many = preview(3), preview(500)
    assert len(many) == len(few) <= CAPS["CSV preview"], many


def _more_packages(session, count: int) -> None:
    """`count` more published packages (one version each) in another round."""
    from datetime import timedelta

    from consortium.db import utcnow
    from consortium.models import BidPackage, PackageVersion

    round_ = factories.make_round(session, status="closed", approved_run_id=None)
    run = factories.make_run(session, round=round_, approved=True)
    for n in range(count):  # one product each: a round has one package per product
        package = BidPackage(round_id=round_.id, product_id=factories.make_product(session).id,
                             reference=f"ocds-test-{round_.id}-{n}", title=f"Package {n}")
        session.add(package)
        session.flush()
        session.add(PackageVersion(package_id=package.id, number=0, run_id=run.id,
                                   bid_deadline=utcnow() + timedelta(days=30),
                                   questions_deadline=utcnow() + timedelta(days=21)))
    session.commit()


def test_admin_package_list_does_not_grow_with_packages(app, engine, session, admin,
                                                        published):  # noqa: F811
    boss = signed_in(app, admin)
    few = statements_of(boss, engine, "/admin/packages/", published["BEB-40"].reference)
    _more_packages(session, 8)
    many = statements_of(boss, engine, "/admin/packages/", "Package 7")
    assert len(many) == len(few) <= CAPS["admin package list"], many


def test_download_log_and_package_page_do_not_grow_with_downloads(
        app, engine, session, admin, vendor_user, published):  # noqa: F811
    from consortium.services import publishing

    package = published["BEB-40"]
    files = publishing.files_of(session, publishing.latest_version(session, package))

    def download(count: int) -> None:
        for n in range(count):
            publishing.record_download(session, vendor_user, files[n % len(files)])
        session.commit()

    boss = signed_in(app, admin)
    download(2)
    few = (statements_of(boss, engine, "/admin/packages/downloads", files[1].name),
           statements_of(boss, engine, f"/admin/packages/{package.id}", files[1].name))
    download(40)
    many = (statements_of(boss, engine, "/admin/packages/downloads", vendor_user.email),
            statements_of(boss, engine, f"/admin/packages/{package.id}", vendor_user.email))
    for name, small, large in zip(("download log", "admin package page"), few, many):
        assert len(large) == len(small), (name, large)
        assert len(large) <= CAPS[name], (name, len(large), large)
