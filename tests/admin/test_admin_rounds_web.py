"""Admin web: rounds (create, edit, open, close), the demand overview and the problem download."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

from sqlmodel import select

from consortium.db import commit, utcnow
from consortium.models import AuditEntry, Round
from consortium.services.problem import build_problem
from consortium.services.rounds import round_version
from tests import factories


def _future(days=14) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_create_round_with_the_quarter_generator(admin_client, session, admin):
    response = admin_client.post("/admin/rounds/new", data={
        "name": "Fleet 2027", "first_quarter": "2027Q3", "quarter_count": "3",
        "deadline": _future()})
    assert response.status_code == 302
    round_ = session.exec(select(Round)).one()
    assert response.headers["Location"] == f"/admin/rounds/{round_.id}"
    assert (round_.slug, round_.status) == ("fleet-2027", "draft")
    assert round_.periods == ["2027Q3", "2027Q4", "2028Q1"]
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.entity == "round")).all()
    assert entry.action == "create" and entry.round_id == round_.id and entry.user_id == admin.id


def test_create_round_with_listed_periods(admin_client, session):
    admin_client.post("/admin/rounds/new", data={
        "name": "Halves", "slug": "Halves 2028!", "periods": "2028H1\n2028H2\n",
        "first_quarter": "2027Q1", "quarter_count": "4", "deadline": _future()})
    round_ = session.exec(select(Round)).one()
    assert round_.periods == ["2028H1", "2028H2"] and round_.slug == "halves-2028"


def test_round_form_errors_beside_fields(admin_client, session):
    past = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = admin_client.post("/admin/rounds/new", data={
        "name": "Late", "first_quarter": "2027Q1", "quarter_count": "2",
        "deadline": past}).get_data(as_text=True)
    assert "The demand deadline must be in the future." in page
    page = admin_client.post("/admin/rounds/new", data={
        "name": "Bad quarter", "first_quarter": "2027-3", "quarter_count": "2",
        "deadline": _future()}).get_data(as_text=True)
    assert "Write the first quarter as YEARQn" in page
    page = admin_client.post("/admin/rounds/new", data={
        "name": "No periods", "deadline": _future()}).get_data(as_text=True)
    assert "Give the first quarter and the number of quarters, or list the periods." in page
    page = admin_client.post("/admin/rounds/new", data={
        "name": "No deadline", "periods": "A"}).get_data(as_text=True)
    assert "Give the demand deadline." in page
    factories.make_round(session, slug="taken")
    page = admin_client.post("/admin/rounds/new", data={
        "name": "Taken", "slug": "taken", "periods": "A", "deadline": _future()}).get_data(as_text=True)
    assert "The slug taken is already used by" in page
    assert len(session.exec(select(Round)).all()) == 1


def test_edit_round_and_periods_locked_once_demand_exists(admin_client, session, member):
    round_ = factories.make_round(session, status="open", periods=["2027Q1", "2027Q2"])
    page = admin_client.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
    assert "The periods are locked" not in page
    ok = admin_client.post(f"/admin/rounds/{round_.id}/edit", data={
        "name": round_.name, "slug": round_.slug, "periods": "2027Q1\n2027Q2\n2027Q3",
        "deadline": _future(20), "version": round_version(round_)})
    assert ok.status_code == 302
    session.refresh(round_)
    assert round_.periods == ["2027Q1", "2027Q2", "2027Q3"]
    [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).all()
    assert entry.entity == "round" and entry.round_id == round_.id
    assert entry.before["periods"] == ["2027Q1", "2027Q2"]
    assert entry.after["periods"] == ["2027Q1", "2027Q2", "2027Q3"]
    assert "periods" in entry.summary and "deadline" in entry.summary
    factories.make_line(session, round=round_, member=member, product=factories.make_product(session))
    page = admin_client.get(f"/admin/rounds/{round_.id}/edit").get_data(as_text=True)
    assert "The periods are locked" in page
    refused = admin_client.post(f"/admin/rounds/{round_.id}/edit", data={
        "name": round_.name, "slug": round_.slug, "periods": "2027Q1", "deadline": _future(20),
        "version": round_version(round_)})
    assert "The periods are locked: this round already has demand lines." in refused.get_data(as_text=True)
    session.refresh(round_)
    assert round_.periods == ["2027Q1", "2027Q2", "2027Q3"]


def test_stale_round_form_is_refused(admin_client, session):
    round_ = factories.make_round(session, status="draft")
    stale = round_version(round_)
    data = {"slug": round_.slug, "periods": "\n".join(round_.periods), "deadline": _future(),
            "version": stale}
    assert admin_client.post(f"/admin/rounds/{round_.id}/edit",
                             data={**data, "name": "First rename"}).status_code == 302
    page = admin_client.post(f"/admin/rounds/{round_.id}/edit",
                             data={**data, "name": "Second rename"}).get_data(as_text=True)
    assert "Someone else changed this round" in page and "First rename" in page
    session.refresh(round_)
    assert round_.name == "First rename"


def test_open_and_close_from_the_round_hub(admin_client, session):
    round_ = factories.make_round(session, status="draft")
    hub = admin_client.get(f"/admin/rounds/{round_.id}").get_data(as_text=True)
    assert "Open for demand" in hub and "data-confirm=" in hub
    assert f"/admin/rounds/{round_.id}/runs" in hub  # the optimizer area's link appears
    admin_client.post(f"/admin/rounds/{round_.id}/open")
    session.refresh(round_)
    assert round_.status == "open"
    hub = admin_client.get(f"/admin/rounds/{round_.id}").get_data(as_text=True)
    assert "Close the round" in hub
    admin_client.post(f"/admin/rounds/{round_.id}/close")
    session.refresh(round_)
    assert round_.status == "closed" and round_.closed_at is not None
    again = admin_client.post(f"/admin/rounds/{round_.id}/close", follow_redirects=True)
    assert "is already closed" in again.get_data(as_text=True)
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.round_id == round_.id)
                           .order_by(AuditEntry.id)).all()
    assert actions == ["open", "close"]


def _demand(session, member, other_member):
    round_ = factories.make_round(session, periods=["2027Q1", "2027Q2", "2027Q3"])
    bus = factories.make_product(session, "BUS")
    van = factories.make_product(session, "VAN")
    factories.make_line(session, round=round_, member=member, product=bus, quantity=10,
                        ref="LA-1", earliest="2027Q1", latest="2027Q2")
    factories.make_line(session, round=round_, member=other_member, product=bus, quantity=4,
                        ref="SEA-1", earliest="2027Q2", latest="2027Q3")
    factories.make_line(session, round=round_, member=member, product=van, quantity=3,
                        ref="LA-2", earliest="2027Q3", latest="2027Q3")
    return round_, bus, van


def _chart(page: str) -> dict:
    return json.loads(page.split('id="demand-chart-data">')[1].split("</script>")[0])


def test_demand_overview_totals_and_filters(admin_client, session, member, other_member):
    round_, _bus, van = _demand(session, member, other_member)
    page = admin_client.get(f"/admin/rounds/{round_.id}/demand").get_data(as_text=True)
    assert all(ref in page for ref in ("LA-1", "LA-2", "SEA-1"))
    assert _chart(page) == {"labels": ["2027Q1", "2027Q2", "2027Q3"],
                            "datasets": [{"label": "BUS", "data": [10, 4, 0]},
                                         {"label": "VAN", "data": [0, 0, 3]}]}
    footer = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert [c.split("<strong>")[1].split("</strong>")[0] for c in footer.split('class="num"')[1:]] \
        == ["10", "4", "3", "17"]
    by_member = admin_client.get(f"/admin/rounds/{round_.id}/demand?member={other_member.id}")
    text = by_member.get_data(as_text=True)
    assert "SEA-1" in text and "LA-1" not in text
    assert _chart(text)["datasets"] == [{"label": "BUS", "data": [0, 4, 0]}]
    by_product = admin_client.get(f"/admin/rounds/{round_.id}/demand?product={van.id}").get_data(as_text=True)
    assert "LA-2" in by_product and "SEA-1" not in by_product
    by_period = admin_client.get(f"/admin/rounds/{round_.id}/demand?period=2027Q2").get_data(as_text=True)
    assert "LA-1" in by_period and "SEA-1" in by_period and "LA-2" not in by_period
    none = admin_client.get(f"/admin/rounds/{round_.id}/demand?product={van.id}&period=2027Q1")
    assert "No line matches these filters." in none.get_data(as_text=True)
    ordered = admin_client.get(f"/admin/rounds/{round_.id}/demand?sort=-quantity").get_data(as_text=True)
    assert ordered.index("LA-1") < ordered.index("SEA-1") < ordered.index("LA-2")


def test_demand_overview_paginates_and_keeps_filters(admin_client, session, member):
    round_ = factories.make_round(session)
    product = factories.make_product(session)
    for n in range(53):
        factories.make_line(session, round=round_, member=member, product=product, ref=f"R-{n:03d}")
    page = admin_client.get(f"/admin/rounds/{round_.id}/demand?member={member.id}").get_data(as_text=True)
    assert "R-049" in page and "R-050" not in page
    assert f"/admin/rounds/{round_.id}/demand?member={member.id}&amp;page=2" in page
    page2 = admin_client.get(f"/admin/rounds/{round_.id}/demand?member={member.id}&page=2")
    assert "R-052" in page2.get_data(as_text=True)


def test_empty_demand_overview_says_what_to_do(admin_client, session):
    round_ = factories.make_round(session, status="draft")
    page = admin_client.get(f"/admin/rounds/{round_.id}/demand").get_data(as_text=True)
    assert "No demand yet: the round is a draft." in page


def test_problem_download_equals_build_problem_and_is_accepted(admin_client, session, member,
                                                              other_member):
    from consortium.optimizer import parse_problem

    round_, _bus, _van = _demand(session, member, other_member)
    response = admin_client.get(f"/admin/rounds/{round_.id}/problem.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="{round_.slug}-problem.json"'
    assert response.get_json() == build_problem(session, round_)
    parsed = parse_problem(response.get_json())
    assert sorted(line.id for line in parsed.demand) == ["LA-1", "LA-2", "SEA-1"]


def test_demand_overview_shows_the_rounds_recent_changes(admin_client, session, admin):
    from consortium.services import rounds as round_service
    round_ = round_service.create_round(session, name="Audited round", periods=["A", "B"],
                                        deadline=utcnow() + timedelta(days=3), actor=admin)
    commit(session)
    round_service.open_round(session, round_, actor=admin)
    commit(session)
    page = admin_client.get(f"/admin/rounds/{round_.id}/demand").get_data(as_text=True)
    recent = page.split("Recent changes")[1]
    assert recent.index("open round audited-round") < recent.index("created round audited-round")
    assert f"/admin/audit?round={round_.id}" in recent


def test_editing_a_closed_round_keeps_its_deadline(admin_client, session):
    past = utcnow() - timedelta(days=2, seconds=17)
    round_ = factories.make_round(session, status="closed", deadline=past)
    form = {"name": "Renamed closed round", "slug": round_.slug,
            "periods": "\n".join(round_.periods), "deadline": past.strftime("%Y-%m-%dT%H:%M"),
            "version": round_version(round_)}
    assert admin_client.post(f"/admin/rounds/{round_.id}/edit", data=form).status_code == 302
    session.refresh(round_)
    assert round_.name == "Renamed closed round" and round_.deadline == past
    moved = dict(form, deadline=(utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
                 version=round_version(round_))
    page = admin_client.post(f"/admin/rounds/{round_.id}/edit", data=moved).get_data(as_text=True)
    assert "The round is closed; its demand deadline can no longer change." in page


def test_rounds_list_is_paginated_with_counts(admin_client, session, member):
    assert "Create the first round" in admin_client.get("/admin/rounds").get_data(as_text=True)
    first = factories.make_round(session, name="Counted round", deadline=utcnow() + timedelta(days=900))
    product = factories.make_product(session)
    factories.make_line(session, round=first, member=member, product=product, quantity=7)
    factories.make_line(session, round=first, member=member, product=product, quantity=5)
    for n in range(51):
        factories.make_round(session, name=f"Other round {n:02d}")
    page = admin_client.get("/admin/rounds").get_data(as_text=True)
    assert "Page 1 of 2" in page
    row = page.split("Counted round")[1].split("</tr>")[0]
    cells = [c.split(">", 1)[1].split("<")[0] for c in row.split('<td class="num"')[1:]]
    assert cells == ["2", "1", "12"]  # lines, members, units
    assert "Counted round" not in admin_client.get("/admin/rounds?page=2").get_data(as_text=True)


def test_new_round_form_suggests_quarters_and_a_deadline(admin_client):
    page = admin_client.get("/admin/rounds/new").get_data(as_text=True)
    assert 'name="quarter_count" type="number" value="4"' in page
    assert re.search(r'name="first_quarter" type="text" value="\d{4}Q[1-4]"', page)
    assert re.search(r'name="deadline" required type="datetime-local" value="[\d-]+T17:00"', page)


def test_demand_overview_csv_keeps_the_filters(admin_client, session, member, other_member):
    round_ = factories.make_round(session, slug="csv-round")
    bus = factories.make_product(session, "BEB-40", options={"charging": ["CCS1"]})
    factories.make_line(session, round=round_, member=member, product=bus, ref="LA-1", quantity=4,
                        max_unit_price=1200000)
    factories.make_line(session, round=round_, member=other_member, product=bus, ref="SEA-1",
                        quantity=3)
    page = admin_client.get(f"/admin/rounds/{round_.id}/demand?member={member.id}").get_data(as_text=True)
    assert f"/admin/rounds/{round_.id}/demand.csv?member={member.id}" in page
    response = admin_client.get(f"/admin/rounds/{round_.id}/demand.csv?member={member.id}")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["ref", "member", "product", "quantity"]
    assert [r[0] for r in rows[1:]] == ["LA-1", "Total"]
    assert rows[1][8] == "1200000" and rows[-1][:4] == ["Total", "1 line", "", "4"]
    everything = admin_client.get(f"/admin/rounds/{round_.id}/demand.csv").get_data(as_text=True)
    assert "SEA-1" in everything and "Total,2 lines,,7" in everything


def test_closing_early_warns_how_long_before_the_deadline(admin_client, session):
    round_ = factories.make_round(session, deadline=utcnow() + timedelta(days=12, hours=3, minutes=5))
    hub = admin_client.get(f"/admin/rounds/{round_.id}").get_data(as_text=True)
    assert "12 days 3 hours before its deadline" in hub and "Close the round early" in hub
    late = factories.make_round(session, deadline=utcnow() - timedelta(hours=1))
    hub = admin_client.get(f"/admin/rounds/{late.id}").get_data(as_text=True)
    assert "before its deadline" not in hub and "Close the round" in hub


def test_demand_overview_csv_is_admin_only(client, session, fleet_manager, vendor_user):
    from tests.conftest import login
    round_ = factories.make_round(session)
    for user in (fleet_manager, vendor_user):
        login(client, user)
        assert client.get(f"/admin/rounds/{round_.id}/demand.csv").status_code == 403
        client.post("/logout")
    assert client.get(f"/admin/rounds/{round_.id}/demand.csv").status_code == 302  # to sign-in
