"""CSRF refusal on the sign-in form, and the object-access helper `load_or_404`."""

from __future__ import annotations


import pytest
from flask_login import login_user
from werkzeug.exceptions import NotFound

from consortium.models import DemandLine
from consortium.web.access import load_or_404
from tests import factories
from tests.conftest import csrf_token


def test_login_without_csrf_token_is_refused(csrf_client, admin):
    response = csrf_client.post("/login", data={"email": admin.email,
                                                 "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    assert csrf_client.get("/").status_code == 302  # still signed out


def test_login_with_the_token_from_the_page_is_accepted(csrf_client, admin):
    page = csrf_client.get("/login").get_data(as_text=True)
    token = csrf_token(page)
    response = csrf_client.post("/login", data={"email": admin.email, "csrf_token": token,
                                                 "password": factories.PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Consortium administration" in csrf_client.get("/").get_data(as_text=True)


@pytest.fixture
def two_lines(session, member, other_member):
    product = factories.make_product(session)
    round_ = factories.make_round(session)
    own = factories.make_line(session, round=round_, member=member, product=product)
    theirs = factories.make_line(session, round=round_, member=other_member, product=product)
    return own, theirs


def _load_as(app, user, row_id):
    with app.test_request_context():
        login_user(user)
        return load_or_404(DemandLine, row_id)


def test_fleet_manager_sees_own_line_only(app, fleet_manager, two_lines):
    own, theirs = two_lines
    assert _load_as(app, fleet_manager, own.id).id == own.id
    with pytest.raises(NotFound):
        _load_as(app, fleet_manager, theirs.id)


def test_admin_sees_every_line(app, admin, two_lines):
    assert {_load_as(app, admin, line.id).id for line in two_lines} == {l.id for l in two_lines}


def test_vendor_sees_no_demand_line(app, vendor_user, two_lines):
    for line in two_lines:
        with pytest.raises(NotFound):
            _load_as(app, vendor_user, line.id)


@pytest.mark.parametrize("bad_id", ["abc", None, "1.5", 999999])
def test_invalid_or_missing_id_is_404(app, admin, two_lines, bad_id):
    with pytest.raises(NotFound):
        _load_as(app, admin, bad_id)
