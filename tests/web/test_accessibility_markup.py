"""Accessibility in the served HTML: the skip link comes first, and pages with several forms (the
sign-out form, a delete form per row, approve/reject per vendor) have no duplicate element ids.

The browser check (axe-core, tests/e2e/test_e2e_accessibility.py) covers the rendered pages; these
run without a browser, with CSRF on so that every form renders its token.
"""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests import factories
from tests.conftest import csrf_token, login

FOCUSABLE = {"a", "button", "input", "select", "textarea", "summary"}


class _Ids(HTMLParser):
    """The ids of a page, and its focusable elements in document order."""

    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()
        self.focusable: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] += 1
        hidden = tag == "input" and attrs.get("type") == "hidden"
        if tag in FOCUSABLE and not hidden and not (tag == "a" and "href" not in attrs):
            self.focusable.append({"tag": tag, **attrs})


def parse(page: str) -> _Ids:
    parser = _Ids()
    parser.feed(page)
    return parser


def duplicate_ids(page: str) -> dict[str, int]:
    return {i: n for i, n in parse(page).ids.items() if n > 1}


@pytest.fixture
def web(csrf_client):
    """A client with CSRF on: forms render their tokens as in production."""
    return csrf_client


def _sign_in(client, user):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 302


def test_skip_link_is_the_first_focusable_element_and_targets_main(client):
    parsed = parse(client.get("/login").get_data(as_text=True))
    first = parsed.focusable[0]
    assert first["tag"] == "a" and first["href"] == "#content" and first["class"] == "skip-link"
    assert parsed.ids["content"] == 1


def test_skip_link_on_signed_in_pages(client, fleet_manager):
    login(client, fleet_manager)
    page = client.get("/demand/").get_data(as_text=True)
    assert parse(page).focusable[0]["href"] == "#content"
    assert '<main class="container" id="content" tabindex="-1">' in page


def test_round_page_with_a_delete_form_per_line_has_unique_ids(web, session, fleet_manager, member):
    _sign_in(web, fleet_manager)
    round_ = factories.make_round(session, status="open")
    bus = factories.make_product(session, "BUS")
    for _ in range(3):
        factories.make_line(session, round=round_, member=member, product=bus)
    page = web.get(f"/demand/rounds/{round_.id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') == 4  # sign-out + a delete form per line
    assert duplicate_ids(page) == {}


def test_line_form_and_round_detail_have_unique_ids(web, session, fleet_manager, admin, member):
    round_ = factories.make_round(session, status="open")
    factories.make_product(session, "BUS")
    _sign_in(web, fleet_manager)
    page = web.get(f"/demand/rounds/{round_.id}/lines/new").get_data(as_text=True)
    assert page.count('name="csrf_token"') == 2 and duplicate_ids(page) == {}
    web.post("/logout", data={"csrf_token": csrf_token(page)})
    _sign_in(web, admin)
    draft = factories.make_round(session, status="draft")
    page = web.get(f"/admin/rounds/{draft.id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 2 and duplicate_ids(page) == {}


def test_vendor_list_with_approve_and_reject_forms_has_unique_ids(web, session, admin):
    for name in ("North Coach", "South Coach"):
        factories.make_vendor(session, name, status="pending")
    _sign_in(web, admin)
    page = web.get("/admin/vendors").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 5  # sign-out + approve and reject per vendor
    assert duplicate_ids(page) == {}


def test_hidden_fields_render_without_id_unless_asked(app):
    from consortium.web.forms.admin import MemberForm
    with app.test_request_context():
        form = MemberForm()
        assert str(form.version()) == '<input name="version" type="hidden" value="">'
        assert 'id="member-version"' in str(form.version(id="member-version"))
        assert 'id="name"' in str(form.name())  # visible fields keep theirs, for their labels
