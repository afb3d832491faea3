"""Fleet managers' demand pages: each action, field errors, the deadline lock on the server,
the version conflict, the indicative price fragment, and access rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import AuditEntry, DemandLine
from tests import factories
from tests.demand.conftest import form_data


def _lines(session):
    session.expire_all()
    return session.exec(select(DemandLine).order_by(DemandLine.id)).all()


def test_dashboard_lists_open_and_closed_rounds(fleet_client, session, bus, round_, member,
                                                other_member):
    factories.make_line(session, round=round_, member=member, product=bus, quantity=7)
    factories.make_line(session, round=round_, member=member, product=bus, quantity=3)
    factories.make_line(session, round=round_, member=other_member, product=bus, quantity=500)
    closed = factories.make_round(session, name="Fleet 2026", status="closed",
                                  deadline=utcnow() - timedelta(days=9))
    factories.make_round(session, name="Draft round", status="draft")
    page = fleet_client.get("/demand/").get_data(as_text=True)
    assert "Fleet 2027" in page and "days" in page and "left" in page
    assert ">2</td>" in page and ">10</td>" in page  # own lines and units only
    assert "500" not in page
    assert closed.name in page and "Draft round" not in page


def test_empty_states_say_what_to_do(fleet_client, round_):
    assert "No closed rounds yet" in fleet_client.get("/demand/").get_data(as_text=True)
    page = fleet_client.get(f"/demand/rounds/{round_.id}").get_data(as_text=True)
    assert "Add your first line" in page and "CSV template" in page


def test_add_line_through_the_form(fleet_client, session, bus, round_, fleet_manager):
    page = fleet_client.get(f"/demand/rounds/{round_.id}/lines/new").get_data(as_text=True)
    assert "BEB-40 — 40-ft battery-electric bus" in page
    assert "40-ft low-floor battery-electric transit bus." in page  # the description
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new", data=form_data(
        splittable="y", max_unit_price="99000", notes="Depot 3"))
    assert response.status_code == 302
    [line] = _lines(session)
    assert (line.ref, line.quantity, line.options, line.splittable, str(line.max_unit_price)) == (
        "LA-fleet-2027-001", 12, {"charging": "CCS1"}, True, "99000.00")
    assert line.member_id == fleet_manager.member_id
    listing = fleet_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Line LA-fleet-2027-001 added" in listing and "Depot 3" in listing


@pytest.mark.parametrize("overrides, message", [
    ({"quantity": "abc"}, "must be a whole number from 1 to 100000"),
    ({"earliest": "2027Q4", "latest": "2027Q2"}, "must not be before the earliest period"),
    ({"opt.charging": "NACS"}, "charging must be one of CCS1, SAE-J3105"),
    ({"opt.charging": ""}, "choose charging: CCS1 or SAE-J3105"),
    ({"max_unit_price": "$95,00"}, "must be an amount"),
    ({"product": "GHOST", "options_for": "GHOST"}, "no product with the code"),
])
def test_bad_input_is_shown_beside_the_field(fleet_client, session, bus, round_, overrides,
                                             message):
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=form_data(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'class="field-error"' in page and 'aria-invalid="true"' in page
    assert _lines(session) == []


def test_changing_product_without_script_shows_its_options_first(fleet_client, session, bus, van,
                                                                 round_):
    response = fleet_client.post(f"/demand/rounds/{round_.id}/lines/new",
                                 data=form_data(product="VAN-E"))
    page = response.get_data(as_text=True)
    assert "Now choose the options of VAN-E" in page and 'name="opt.roof"' in page
    assert _lines(session) == []


def test_options_fragment_lists_only_the_products_values(fleet_client, van, round_):
    page = fleet_client.get(f"/demand/rounds/{round_.id}/options?product=VAN-E").get_data(as_text=True)
    assert 'name="opt.roof"' in page and 'name="opt.battery"' in page and "89kWh" in page
    assert "CCS1" not in page and 'value="VAN-E"' in page


def test_edit_line(fleet_client, session, bus, round_, member):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    page = fleet_client.get(f"/demand/lines/{line.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page and 'value="5"' in page
    response = fleet_client.post(f"/demand/lines/{line.id}/edit",
                                 data=form_data(ref=line.ref, quantity="9", version="1"))
    assert response.status_code == 302
    [saved] = _lines(session)
    assert (saved.quantity, saved.version) == (9, 2)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.before["quantity"] == 5 and entry.after["quantity"] == 9


def test_second_save_is_refused_and_shows_newer_values(fleet_client, session, bus, round_, member,
                                                       fleet_manager):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    first = fleet_client.post(f"/demand/lines/{line.id}/edit",
                              data=form_data(ref=line.ref, quantity="20", version="1"))
    assert first.status_code == 302
    second = fleet_client.post(f"/demand/lines/{line.id}/edit",
                               data=form_data(ref=line.ref, quantity="30", version="1",
                                              notes="mine"))
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Someone else saved line" in page and f"Newer values saved by {fleet_manager.email}" in page
    assert "<dt>Quantity</dt><dd>20</dd>" in page
    assert 'name="version" type="hidden" value="2"' in page  # saving again is deliberate
    assert 'value="30"' in page  # the person's own values are kept in the form
    [saved] = _lines(session)
    assert (saved.quantity, saved.version, saved.notes) == (20, 2, "")


def test_delete_line_with_confirmation(fleet_client, session, bus, round_, member):
    line = factories.make_line(session, round=round_, member=member, product=bus)
    ref = line.ref
    page = fleet_client.get(f"/demand/lines/{line.id}/delete").get_data(as_text=True)
    assert f"Delete line {ref}?" in page
    stale = fleet_client.post(f"/demand/lines/{line.id}/delete", data={"version": "0"})
    assert stale.status_code == 302 and len(_lines(session)) == 1
    response = fleet_client.post(f"/demand/lines/{line.id}/delete", data={"version": "1"})
    assert response.status_code == 302 and _lines(session) == []
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert entry.before["ref"] == ref


@pytest.mark.parametrize("state", ["past_deadline", "closed"])
def test_locked_round_refuses_posts_on_the_server(fleet_client, session, bus, member, state):
    round_ = factories.make_round(
        session, status="closed" if state == "closed" else "open",
        deadline=utcnow() - timedelta(hours=1) if state == "past_deadline" else None)
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    listing = fleet_client.get(f"/demand/rounds/{round_.id}").get_data(as_text=True)
    assert "read-only" in listing and "Add a line" not in listing
    assert "Delete" not in listing
    posts = [
        (f"/demand/rounds/{round_.id}/lines/new", form_data()),
        (f"/demand/lines/{line.id}/edit", form_data(ref=line.ref, quantity="50", version="1")),
        (f"/demand/lines/{line.id}/delete", {"version": "1"}),
    ]
    for url, data in posts:
        response = fleet_client.post(url, data=data, follow_redirects=True)
        assert "read-only" in response.get_data(as_text=True), url
    [kept] = _lines(session)
    assert (kept.quantity, kept.version) == (5, 1)
    edit = fleet_client.get(f"/demand/lines/{line.id}/edit").get_data(as_text=True)
    assert "this line is read-only" in edit and "<form id=\"line-form\"" not in edit


def test_indicative_fragment(fleet_client, session, bus, round_, member, other_member):
    factories.make_line(session, round=round_, member=other_member, product=bus, quantity=8)
    mine = factories.make_line(session, round=round_, member=member, product=bus, quantity=4)
    response = fleet_client.post(f"/demand/rounds/{round_.id}/indicative", data={
        "product": "BEB-40", "quantity": "1", "opt.charging": "CCS1", "line_id": str(mine.id)})
    page = response.get_data(as_text=True)
    assert "Indicative unit price: $100,000" in page
    assert "<strong>9 units</strong>" in page and "1 more unit</strong> reach" in page
    assert "$95,000" in page
    response = fleet_client.post(f"/demand/rounds/{round_.id}/indicative", data={
        "product": "BEB-40", "quantity": "2", "opt.charging": "CCS1", "line_id": str(mine.id)})
    assert "Indicative unit price: $95,000" in response.get_data(as_text=True)


def test_form_shows_indicative_price_without_script(fleet_client, session, bus, round_, member):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=25)
    page = fleet_client.get(f"/demand/lines/{line.id}/edit").get_data(as_text=True)
    assert "Indicative unit price: $90,000" in page and "best price tier" in page


def test_other_members_line_is_404_on_every_route(fleet_client, session, bus, round_,
                                                  other_member):
    theirs = factories.make_line(session, round=round_, member=other_member, product=bus)
    for method, url in [("get", f"/demand/lines/{theirs.id}/edit"),
                        ("post", f"/demand/lines/{theirs.id}/edit"),
                        ("get", f"/demand/lines/{theirs.id}/delete"),
                        ("post", f"/demand/lines/{theirs.id}/delete")]:
        data = form_data(version="1") if method == "post" else None
        assert getattr(fleet_client, method)(url, data=data).status_code == 404, url
    response = fleet_client.post(f"/demand/rounds/{round_.id}/indicative",
                                 data={"product": "BEB-40", "line_id": str(theirs.id)})
    assert response.status_code == 404
    assert len(_lines(session)) == 1 and _lines(session)[0].version == 1


def test_draft_round_is_404_on_every_route(fleet_client, session, bus):
    draft = factories.make_round(session, status="draft")
    urls = [("get", ""), ("get", "/lines/new"), ("post", "/lines/new"), ("post", "/indicative"),
            ("get", "/options?product=BEB-40"), ("get", "/template.csv"), ("get", "/lines.csv"),
            ("get", "/upload"), ("post", "/upload"), ("get", "/upload/" + "a" * 32),
            ("post", "/upload/confirm")]
    for method, suffix in urls:
        url = f"/demand/rounds/{draft.id}{suffix}"
        assert getattr(fleet_client, method)(url).status_code == 404, url
    assert fleet_client.get("/demand/rounds/999999").status_code == 404
    assert fleet_client.get("/demand/lines/999999/edit").status_code == 404


@pytest.mark.parametrize("who", ["admin_client", "vendor_client"])
def test_fleet_pages_are_403_for_admins_and_vendors(request, session, bus, round_, member, who):
    client = request.getfixturevalue(who)
    line = factories.make_line(session, round=round_, member=member, product=bus)
    for url in ["/demand/", f"/demand/rounds/{round_.id}", f"/demand/rounds/{round_.id}/lines/new",
                f"/demand/lines/{line.id}/edit", f"/demand/rounds/{round_.id}/lines.csv",
                f"/demand/rounds/{round_.id}/upload"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/demand/lines/{line.id}/delete", data={"version": "1"}).status_code == 403
    assert len(_lines(session)) == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, round_):
    response = client.get(f"/demand/rounds/{round_.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_lines_are_paginated_and_sortable(fleet_client, session, bus, round_, member):
    for n in range(55):
        factories.make_line(session, round=round_, member=member, product=bus, quantity=n + 1,
                            ref=f"R-{n:03d}")
    first = fleet_client.get(f"/demand/rounds/{round_.id}").get_data(as_text=True)
    assert "R-000" in first and "R-054" not in first and "Page 1 of 2" in first
    by_qty = fleet_client.get(f"/demand/rounds/{round_.id}?sort=-quantity").get_data(as_text=True)
    assert by_qty.index("R-054") < by_qty.index("R-053")


def test_missing_or_garbled_version_is_a_conflict_not_an_error(fleet_client, session, bus, round_,
                                                                member):
    line = factories.make_line(session, round=round_, member=member, product=bus, quantity=5)
    for version in ("", "abc", "-1"):
        response = fleet_client.post(f"/demand/lines/{line.id}/edit",
                                     data=form_data(ref=line.ref, quantity="6", version=version))
        assert response.status_code == 409, version
    assert fleet_client.post(f"/demand/lines/{line.id}/delete",
                             data={"version": "x"}).status_code == 302
    [kept] = _lines(session)
    assert (kept.quantity, kept.version) == (5, 1)
