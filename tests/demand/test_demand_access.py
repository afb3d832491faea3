"""Demand routes: CSRF on every form and on the htmx fragment. Who may reach each route (fleet
managers only; 404 for another member's line and for a draft round) is checked for every route in
tests/security/test_route_table.py."""

from __future__ import annotations

import io

from sqlmodel import select

from consortium.models import DemandLine
from tests import factories
from tests.conftest import csrf_token
from tests.demand.conftest import form_data


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
