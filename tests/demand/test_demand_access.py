"""Demand routes: fleet managers only (403 for other roles on every route), CSRF on every form
and on the htmx fragment, and 404 for rows that are not the member's on every route with an id."""

from __future__ import annotations

import io

import pytest
from flask import url_for
from sqlmodel import select

from consortium.models import DemandLine
from tests import factories
from tests.conftest import csrf_token
from tests.demand.conftest import form_data


def _demand_urls(app, ids) -> list[tuple[str, str]]:
    """Every demand route with ids filled in, with each method it accepts."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("demand."):
            values = {arg: ids[arg] for arg in rule.arguments}
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


@pytest.fixture
def ids(session, bus, round_, member):
    line = factories.make_line(session, round=round_, member=member, product=bus)
    return {"round_id": round_.id, "line_id": line.id, "token": "t" * 32}


@pytest.mark.parametrize("role", ["admin", "vendor"])
def test_other_roles_get_403_on_every_demand_route(app, client, session, ids, role):
    from tests.conftest import login
    login(client, factories.make_user(session, role))
    urls = _demand_urls(app, ids)
    assert len(urls) >= 15
    for method, url in urls:
        response = client.open(url, method=method, data=form_data(version="1"))
        assert response.status_code == 403, (method, url)
    assert len(session.exec(select(DemandLine)).all()) == 1


def test_visitors_are_sent_to_sign_in(app, client, ids):
    for method, url in _demand_urls(app, ids):
        response = client.open(url, method=method)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_other_members_line_and_draft_round_are_404_on_every_route(app, session, bus,
                                                                   other_member, fleet_client):
    draft = factories.make_round(session, status="draft")
    open_round = factories.make_round(session)
    theirs = factories.make_line(session, round=open_round, member=other_member, product=bus)
    ids = {"round_id": draft.id, "line_id": theirs.id, "token": "t" * 32}
    for method, url in _demand_urls(app, ids):
        if url == "/demand/":
            continue  # the dashboard takes no id
        response = fleet_client.open(url, method=method, data=form_data(version="1"))
        assert response.status_code == 404, (method, url)
    session.expire_all()
    assert session.get(DemandLine, theirs.id).version == 1


def test_forms_and_fragment_need_the_csrf_token(csrf_client, session, bus, round_, member,
                                                fleet_manager):
    from tests.factories import PASSWORD
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    csrf_client.post("/login", data={"email": fleet_manager.email, "password": PASSWORD,
                                     "csrf_token": token})
    line = factories.make_line(session, round=round_, member=member, product=bus)
    new_page = csrf_client.get(f"/demand/rounds/{round_.id}/lines/new").get_data(as_text=True)
    token = csrf_token(new_page)
    assert "hx-include=\"#line-form\"" in new_page  # the fragment request carries the form's token
    posts = [(f"/demand/rounds/{round_.id}/lines/new", form_data()),
             (f"/demand/lines/{line.id}/edit", form_data(version="1", quantity="77")),
             (f"/demand/lines/{line.id}/delete", {"version": "1"}),
             (f"/demand/rounds/{round_.id}/indicative", {"product": "BEB-40", "quantity": "3"}),
             (f"/demand/rounds/{round_.id}/upload/confirm", {"token": "t" * 32})]
    for url, data in posts:
        assert csrf_client.post(url, data=data).status_code == 400, url
    upload = csrf_client.post(f"/demand/rounds/{round_.id}/upload",
                              content_type="multipart/form-data",
                              data={"file": (io.BytesIO(b"product,quantity\n"), "x.csv")})
    assert upload.status_code == 400
    session.expire_all()
    assert [(x.quantity, x.version) for x in session.exec(select(DemandLine)).all()] == [(5, 1)]
    ok = csrf_client.post(f"/demand/rounds/{round_.id}/indicative",
                          data={"product": "BEB-40", "quantity": "3", "opt.charging": "CCS1",
                                "csrf_token": token})
    assert ok.status_code == 200 and "Indicative unit price" in ok.get_data(as_text=True)
