"""Admin routes: 404 for unknown rows, CSRF on every form. Who may reach each route is checked
for every route at once in tests/security/test_route_table.py."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from consortium.models import Member
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def ids(session, member):
    round_ = factories.make_round(session)
    product = factories.make_product(session)
    factories.make_line(session, round=round_, member=member, product=product)
    return {"member_id": member.id, "product_id": product.id, "round_id": round_.id,
            "vendor_id": factories.make_vendor(session, status="pending").id,
            "user_id": factories.make_user(session, "fleet_manager", member=member).id}


def test_admin_routes_give_404_for_unknown_rows(admin_client):
    for url in ("/admin/members/999", "/admin/products/999", "/admin/vendors/999",
                "/admin/rounds/999", "/admin/rounds/999/demand", "/admin/rounds/999/problem.json"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post("/admin/rounds/999/close").status_code == 404


def _sign_in(client, user):
    """Sign in through the real form, token included (the app checks CSRF on sign-in too)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_every_admin_form_carries_a_csrf_token(csrf_client, admin, ids):
    _sign_in(csrf_client, admin)
    pages = ["/admin/members/new", f"/admin/members/{ids['member_id']}",
             f"/admin/members/{ids['member_id']}/users/new", "/admin/products/new",
             f"/admin/products/{ids['product_id']}", "/admin/vendors/new",
             f"/admin/vendors/{ids['vendor_id']}", "/admin/vendors", "/admin/rounds/new",
             f"/admin/rounds/{ids['round_id']}", f"/admin/rounds/{ids['round_id']}/edit"]
    for url in pages:
        page = csrf_client.get(url).get_data(as_text=True)
        forms = re.findall(r'<form[^>]*method="post".*?</form>', page, flags=re.DOTALL)
        assert forms, url
        for form in forms:
            assert re.search(r'<input[^>]+name="csrf_token"[^>]+value="[^"]+"', form), (url, form[:200])


def test_posts_without_the_token_are_refused(csrf_client, session, admin, ids):
    _sign_in(csrf_client, admin)
    response = csrf_client.post("/admin/members/new", data={"name": "No Token City"})
    assert response.status_code == 400
    response = csrf_client.post(f"/admin/members/{ids['member_id']}/deactivate")
    assert response.status_code == 400
    assert session.exec(select(Member).where(Member.name == "No Token City")).first() is None
    assert session.get(Member, ids["member_id"]).active is True
    # With the page's token, the same post goes through.
    token = csrf_token(csrf_client.get("/admin/members/new").get_data(as_text=True))
    response = csrf_client.post("/admin/members/new", data={"name": "Token City",
                                                            "csrf_token": token})
    assert response.status_code == 302
    assert session.exec(select(Member).where(Member.name == "Token City")).first() is not None
