"""Who may reach every route: one table, walked against `app.url_map`.

For each endpoint the table states, per method, the outcome for six people, in this order:

    visitor   own city   other city   pending vendor   approved vendor   admin

"login" is a redirect to sign in; a number is the response's status (302 a redirect elsewhere).
The ids in the URLs are of rows that belong to the fleet manager of the owning city ("own city"):
their demand line, notification, CSV upload, member and user; so the other city's fleet manager
(and, for the notification, even the admin) must get 404 where they would see someone else's row.
POSTs carry no CSRF token (the test app has CSRF off; tests/admin and tests/demand check the
tokens) and mostly empty forms: what a refused request must not do is change anything.

A route missing from the table (or a method of it) fails `test_every_route_is_in_the_table`; add
its line here together with the route.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask
from sqlmodel import select

from consortium.db import commit, utcnow
from consortium.models import (Answer, AuditEntry, BidPackage, DemandLine, HintJob, Member,
                               Notification, OutboxMessage, PackageFile, PackageVersion, PriceTier,
                               Product, Question, Round, Run, Vendor)
from consortium.services import accounts
from tests import factories
from tests.conftest import login
from tests.publish.conftest import deadlines, demo_round, published  # noqa: F401 (fixtures)

PEOPLE = ("visitor", "own_city", "other_city", "pending_vendor", "vendor", "admin")


@dataclass(frozen=True)
class Route:
    """The expected outcomes of one endpoint: per method, a word per person (see PEOPLE)."""

    get: str | None = None
    post: str | None = None
    ids: dict = field(default_factory=dict)  # URL argument -> key in the world's ids
    query: str = ""
    data: dict = field(default_factory=dict)  # the POST's form; world ids given as "{name}"

    def expected(self, method: str) -> dict[str, str] | None:
        words = {"GET": self.get, "POST": self.post}[method]
        if words is None:
            return None
        outcomes = words.split()
        assert len(outcomes) == len(PEOPLE), words
        return dict(zip(PEOPLE, outcomes))


def G(words: str, **kw) -> Route:  # noqa: N802  (a table is easier to read with short names)
    return Route(get=words, **kw)


def P(words: str, **kw) -> Route:  # noqa: N802
    return Route(post=words, **kw)


def GP(get: str, post: str, **kw) -> Route:  # noqa: N802
    return Route(get=get, post=post, **kw)


DEMO = {"round_id": "demo_round_id"}  # the published round with an approved plan
SOLVED = {"round_id": "solved_round_id", "run_id": "solved_run_id"}  # a run the optimizer solved
HINTS = {"job_id": "hint_job_id"}  # a finished hint job of the solved run
AWARD = {"run_id": "award_run_id"}  # a succeeded award run of the demo round
PREVIEW = "bid_deadline=2030-01-10T12:00&questions_deadline=2030-01-01T12:00"

# Outcomes:                 visitor  own  other  pending vendor admin
ADMIN = "login 403 403 403 403 {}".format
FLEET = "login {} {} 403 403 403".format
SIGNED_IN = "login {0} {0} {0} {0} {0}".format
UNSEEN = "login 404 404 404 404 {}".format
PUBLIC = "{0} {0} {0} {0} {0} {0}".format
VISITORS = "{} 302 302 302 302 302".format  # signed-in people are sent on to their own pages
APPROVED_VENDOR = "login 403 403 403 {} 403".format

TABLE: dict[str, Route] = {
    "static": G(PUBLIC(200), ids={"filename": "static_file"}),
    "main.home": G("login 200 200 200 200 200"),
    "notices.index": G(PUBLIC(200)),
    "api.packages": G(PUBLIC(200)),
    "api.package_ocds": G(PUBLIC(200)),
    "auth.login": GP(VISITORS(200), VISITORS(200)),
    "auth.logout": P(PUBLIC("login")),  # signed out, or never in
    "account.change_password": GP(SIGNED_IN(200), SIGNED_IN(400)),
    "account.forgot_password": GP(VISITORS(200), VISITORS(400)),
    "account.reset_password": GP(PUBLIC(200), PUBLIC(400)),
    "vendors.register": GP(VISITORS(200), VISITORS(422)),
    "vendors.packages": G("login 403 403 403 200 403"),
    "vendors.package": G("login 403 403 403 200 403"),
    "vendors.download": G("login 403 403 403 200 403"),
    "vendors.ask": P("login 403 403 403 422 403"),  # no question text
    "notices.notice": G(PUBLIC(200)),
    "api.package_releases": G(PUBLIC(200)),
    "notifications.index": G(SIGNED_IN(200)),
    "notifications.preferences": GP(SIGNED_IN(200), SIGNED_IN(302)),
    "notifications.mark_all_read": P(SIGNED_IN(302)),
    # Personal, even for the admin.
    "notifications.mark_read": P("login 302 404 404 404 404"),
    "notifications.outbox": G(ADMIN(200)),
    "notifications.outbox_message": G(ADMIN(200)),
    # Demand: the open round is everyone's; the line and the upload are the own city's.
    "demand.dashboard": G(FLEET(200, 200)),
    "demand.round_lines": G(FLEET(200, 200)),
    "demand.line_new": GP(FLEET(200, 200), FLEET(422, 422)),
    "demand.line_edit": GP(FLEET(200, 404), FLEET(409, 404)),  # no version: a conflict
    "demand.line_delete": GP(FLEET(200, 404), FLEET(302, 404)),
    "demand.line_options": G(FLEET(200, 200)),
    "demand.indicative": P(FLEET(200, 404), data={"line_id": "{line_id}"}),
    "demand.csv_template": G(FLEET(200, 200)),
    "demand.csv_export": G(FLEET(200, 200)),
    "demand.csv_upload": GP(FLEET(200, 200), FLEET(422, 422)),  # no file
    "demand.csv_preview": G(FLEET(200, 404)),
    "demand.csv_confirm": P(FLEET(302, 404), data={"token": "{token}"}),
    "results.index": G(FLEET(200, 200)),
    "results.round": G(FLEET(200, 200), ids=DEMO),
    "results.round_csv": G(FLEET(200, 200), ids=DEMO),
    "admin.members": G(ADMIN(200)),
    "admin.member_new": GP(ADMIN(200), ADMIN(200)),
    "admin.member_edit": GP(ADMIN(200), ADMIN(200)),
    "admin.member_activate": P(ADMIN(302)),
    "admin.member_deactivate": P(ADMIN(302)),
    "admin.member_user_new": GP(ADMIN(200), ADMIN(200)),
    "admin.member_user_reset": P(ADMIN(200)),  # the new password, shown once
    "admin.products": G(ADMIN(200)),
    "admin.product_new": GP(ADMIN(200), ADMIN(200)),
    "admin.product_edit": GP(ADMIN(200), ADMIN(200)),
    "admin.vendors": G(ADMIN(200)),
    "admin.vendor_new": GP(ADMIN(200), ADMIN(200)),
    "admin.vendor_edit": GP(ADMIN(200), ADMIN(200)),
    "admin.vendor_approve": P(ADMIN(302)),
    "admin.vendor_reject": P(ADMIN(302)),
    "admin.rounds": G(ADMIN(200)),
    "admin.round_new": GP(ADMIN(200), ADMIN(200)),
    "admin.round_detail": G(ADMIN(200)),
    "admin.round_edit": GP(ADMIN(200), ADMIN(200)),
    "admin.round_open": P(ADMIN(302)),
    "admin.round_close": P(ADMIN(302)),
    "admin.round_demand": G(ADMIN(200)),
    "admin.round_demand_csv": G(ADMIN(200)),
    "admin.round_problem": G(ADMIN(200)),
    "admin.audit": G(ADMIN(200)),
    "runs.round_runs": GP(ADMIN(200), ADMIN(422), ids=SOLVED),
    "runs.run_detail": G(ADMIN(200), ids=SOLVED),
    "runs.run_progress": G(ADMIN(200), ids=SOLVED),
    "runs.run_tranches_csv": G(ADMIN(200), ids=SOLVED),
    "runs.run_members_csv": G(ADMIN(200), ids=SOLVED),
    "runs.run_problem": G(ADMIN(200), ids=SOLVED),
    "runs.run_plan": G(ADMIN(200), ids=SOLVED),
    "runs.compare": G(ADMIN(200), ids=SOLVED, query="a={solved_run_id}&b={solved_run_id}"),
    "runs.approve": P(ADMIN(302), ids=SOLVED),
    "hints.start": P(ADMIN(302), ids={"run_id": "solved_run_id"}),
    "hints.detail": G(ADMIN(200), ids=HINTS),
    "hints.progress": G(ADMIN(200), ids=HINTS),
    "hints.visibility": P(ADMIN(302), ids=HINTS),
    # What-if pages: other people are answered 404, as if the pages did not exist.
    "scenarios.round_scenarios": G(UNSEEN(200), ids=SOLVED),
    "scenarios.create": P(UNSEEN(302), ids=SOLVED),
    "scenarios.detail": G(UNSEEN(200)),
    "scenarios.edit": P(UNSEEN(422)),
    "scenarios.rename": P(UNSEEN(302)),
    "scenarios.run": P(UNSEEN(422)),
    "scenarios.compare": G(UNSEEN(200), ids={"run_id": "scenario_run_id"}),
    "scenarios.delete": GP(UNSEEN(200), UNSEEN(302), ids={"scenario_id": "doomed_scenario_id"}),
    "member_value.run_values": GP(UNSEEN(200), UNSEEN(302), ids=SOLVED),
    "member_value.progress": G(UNSEEN(200), ids=SOLVED),
    "packages.admin_index": G(ADMIN(200)),
    "packages.round_packages": GP(ADMIN(200), ADMIN(200), ids=DEMO),
    "packages.preview_pdf": G(ADMIN(200), ids=DEMO, query=PREVIEW),
    "packages.admin_package": GP(ADMIN(200), ADMIN(422)),
    "packages.download_log": G(ADMIN(200)),
    "packages.admin_file": G(ADMIN(200)),
    "questions.unanswered": G(ADMIN(200)),
    "questions.package_questions": G(ADMIN(200)),
    "questions.answer": P(ADMIN(422)),  # no answer text
    "questions.answer_by_addendum": P(ADMIN(422)),  # no addendum chosen
    # Sealed bids: the approved vendor's own bid (refused to others, and the sealed version even
    # to the admin before the opening); the tabulation is for admins and approved vendors.
    "bids.mine": G(APPROVED_VENDOR(200)),
    "bids.package_bid": GP(APPROVED_VENDOR(200), APPROVED_VENDOR(422)),  # no validity date
    "bids.price_form_upload": P(APPROVED_VENDOR(422)),  # no file
    "bids.own_bid": G(APPROVED_VENDOR(200)),
    "bids.withdraw": GP(APPROVED_VENDOR(200), APPROVED_VENDOR(302)),
    "bids.reconfirm": GP(APPROVED_VENDOR(200), APPROVED_VENDOR(302)),  # refused: nothing to do
    "bids.receipt": G("login 403 403 403 200 404"),
    "bids.tabulation": G("login 403 403 403 200 200"),
    "bids.opening_ocds": G("login 403 403 403 404 404"),  # not opened yet
    "bids.open_bids": P(ADMIN(302)),  # refused before the deadline, with a message
    # The award stage: the admins' alone (the demo round's bids are not opened in this world).
    "awards.round_award": GP(ADMIN(200), ADMIN(422), ids=DEMO),  # no time limit
    "awards.evaluate": P(ADMIN(302)),  # a sealed bid: refused with a message
    "awards.clear_evaluation": P(ADMIN(302)),
    "awards.run_detail": G(ADMIN(200), ids=AWARD),
    "awards.run_progress": G(ADMIN(200), ids=AWARD),
    "awards.run_problem": G(ADMIN(200), ids=AWARD),
    "awards.run_award": G(ADMIN(200), ids=AWARD),
    "awards.compare": G(ADMIN(200), ids=DEMO, query="run={award_run_id}&run={award_run_id}"),
    "awards.approve": P(ADMIN(302), ids=AWARD),
    # Published awards: the notices are public; a contract is its city's and its vendor's (the
    # other city gets 404 for its id); publishing is the admins' (refused without the box ticked).
    "award_notices.index": G(PUBLIC(200)),
    "award_notices.notice": G(PUBLIC(200), ids={"slug": "award_slug"}),
    "award_notices.contracts": G(SIGNED_IN(200)),
    "award_notices.contract_file": G("login 200 404 404 200 200",
                                     ids={"contract_id": "contract_id", "kind": "contract_kind"}),
    "award_notices.vendor_results": G(APPROVED_VENDOR(200)),
    "award_notices.publish": GP(ADMIN(200), ADMIN(422), ids={"run_id": "published_run_id"}),
}

LAST = "auth.logout"  # signs the person out: asked last


def _methods(rule) -> list[str]:
    return [m for m in ("GET", "POST") if m in rule.methods]


def test_every_route_is_in_the_table(app):
    rules = list(app.url_map.iter_rules())
    missing = sorted({r.endpoint for r in rules} - set(TABLE))
    assert not missing, f"routes missing from the route table: {missing}"
    stale = sorted(set(TABLE) - {r.endpoint for r in rules})
    assert not stale, f"the route table names routes that do not exist: {stale}"
    for rule in rules:
        route = TABLE[rule.endpoint]
        for method in ("GET", "POST"):
            has = method in rule.methods
            assert has == (route.expected(method) is not None), (
                f"{rule.endpoint}: {method} is {'missing from' if has else 'not a method of'} "
                "its table entry")
    assert len(rules) >= 75


def test_an_app_refuses_to_start_with_an_unguarded_blueprint():
    from consortium.web.access import check_guarded
    app = Flask(__name__)
    bp = Blueprint("forgotten_guard_test", __name__)
    bp.add_url_rule("/x", "page", lambda: "x")
    app.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="forgotten_guard_test.page"):
        check_guarded(app)


@pytest.fixture
def world(app, engine, session, admin, published):  # noqa: F811
    """The people and the rows whose ids go into the URLs."""
    own_member = session.exec(select(Member).where(Member.name == "Los Angeles")).one()
    other_member = session.exec(select(Member).where(Member.name == "Seattle")).one()
    bus = session.exec(select(Product).where(Product.code == "BEB-40")).one()
    people = {
        "own_city": factories.make_user(session, "fleet_manager", member=own_member),
        "other_city": factories.make_user(session, "fleet_manager", member=other_member),
        "pending_vendor": factories.make_user(
            session, "vendor", vendor=factories.make_vendor(session, status="pending")),
        "vendor": factories.make_user(session, "vendor",
                                      vendor=factories.make_vendor(session, status="approved")),
        "admin": admin,
    }
    own = people["own_city"]
    open_round = factories.make_round(session, name="Fleet 2028", slug="fleet-2028",
                                      deadline=utcnow() + timedelta(days=20))
    line = factories.make_line(session, round=open_round, member=own_member, product=bus,
                               options={"charging": "CCS1", "battery": "450 kWh"})
    notification = Notification(user_id=own.id, kind="round_opened", subject="Fleet 2028 is open",
                                link="/demand/")
    session.add(notification)
    accounts.request_password_reset(session, email=own.email, ip="192.0.2.1")
    session.commit()
    message = session.exec(select(OutboxMessage).where(OutboxMessage.to == own.email)).one()
    package = published["BEB-40"]
    from consortium.services.csv_uploads import UploadStore  # the own city's kept CSV upload
    token = UploadStore(Path(app.instance_path) / "uploads").save(
        user_id=own.id, member_id=own.member_id, round_id=open_round.id, filename="lines.csv",
        data=b"product,quantity,earliest,latest,options\n"
             b"BEB-40,2,2027Q1,2027Q2,battery=450 kWh; charging=CCS1\n")
    solved = _solved_round(session, engine, admin, own_member, other_member)
    from consortium.services import questions
    question = questions.ask(session, people["vendor"], package, "Is CCS1 required?")
    commit(session)
    from consortium.services.bids import submit_bid
    from tests.bids.conftest import contents
    bid_version = submit_bid(session, package, people["vendor"], contents(("LOT-1", 100)),
                             sealer=app.extensions["consortium.sealer"])
    hint_job = HintJob(run_id=solved.id, status="succeeded", stage="done", threshold=1.0,
                       result={"base": {"placed_units": 0, "total_cost": 0}, "threshold": 1,
                               "fairness": True, "hints": [], "lines": [],
                               "stats": {"changes_solved": 0, "subproblem_solves": 0,
                                         "full_solves": 0, "seconds": 0.0}})
    session.add(hint_job)
    session.commit()
    scenario, scenario_run = _scenario(session, engine, admin, solved)
    award_run = _award_run(session, package.round_id)
    published_run, contract = _published_award(session, package, bid_version.bid_id,
                                           people["vendor"], own_member)
    ids = {
        "round_id": open_round.id, "demo_round_id": package.round_id, "line_id": line.id,
        "member_id": own_member.id, "user_id": own.id, "product_id": bus.id,
        "vendor_id": people["pending_vendor"].vendor_id, "notification_id": notification.id,
        "message_id": message.id, "token": token, "solved_round_id": solved.round_id,
        "solved_run_id": solved.id, "package_id": package.id, "question_id": question.id,
        "bid_id": bid_version.bid_id, "version_id": bid_version.id, "hint_job_id": hint_job.id,
        "file_id": session.exec(select(PackageFile.id).order_by(PackageFile.id)).first(),
        "reference": package.reference, "code": "BEB-40",
        "static_file": "vendor/pico/pico.min.css",
        "scenario_id": scenario.id, "scenario_run_id": scenario_run.id, "kind": "drop_member",
        "doomed_scenario_id": _doomed_scenario(session, admin, solved).id,
        "award_run_id": award_run.id,
        "published_run_id": published_run.id, "award_slug": "2027-clean-fleet",
        "contract_id": contract.id, "contract_kind": "pdf",
    }
    reset_token = message.link.rsplit("/", 1)[1]
    return {"people": people, "ids": {**ids, "reset_token": reset_token}}


def _award_run(session, round_id: int):
    """A succeeded award run of one lot and one bid (as the award optimizer would write it)."""
    from consortium.award import award_to_dict, optimize_award, parse_award_problem
    from consortium.models import AwardRun
    problem = {"lots": [{"id": "BEB-40/LOT-1", "product": "BEB-40", "period": "2027Q1",
                         "quantity": 2, "allocations": [{"member": "Los Angeles", "quantity": 2}]}],
               "bids": [{"id": "BID-1", "vendor": "Pacific Coach Works",
                         "prices": [{"lot": "BEB-40/LOT-1", "unit_price": 1000}]}]}
    result = award_to_dict(optimize_award(parse_award_problem(problem)))
    run = AwardRun(round_id=round_id, status="succeeded", problem=problem, result=result)
    session.add(run)
    session.commit()
    return run


def _solved_round(session, engine, admin, own_member, other_member) -> Run:
    """A closed round of two lines and its run, solved by the optimizer."""
    from consortium.services.runs import create_run, execute_run
    round_ = factories.make_round(session, status="closed", name="Solved 2027", slug="solved-2027",
                                  deadline=utcnow() - timedelta(days=1))
    bus = factories.make_product(session, "BUS", min_tranche=5, tranche_cost=10000)
    for member in (own_member, other_member):
        factories.make_line(session, round=round_, member=member, product=bus, quantity=6,
                            earliest="2027Q1", latest="2027Q2")
    run_id = create_run(session, round_, admin).id
    commit(session)  # the edge: the worker reads the committed run
    execute_run(engine, run_id)
    session.expire_all()
    run = session.get(Run, run_id)
    assert run.status == "succeeded", run.error
    return run


def _scenario(session, engine, admin, run: Run):
    """A scenario of the solved run (Seattle dropped), with a solved run of its own."""
    from consortium.services import scenarios
    from consortium.services.runs import execute_run
    scenario = scenarios.create_scenario(session, run, admin, "Without Seattle")
    scenarios.drop_member(session, scenario, admin, "Seattle")
    scenario_run = scenarios.run_scenario(session, scenario, admin,
                                          enqueue=lambda run_id: execute_run(engine, run_id))
    commit(session)  # the run is handed over (and solved) once committed
    return scenario, scenario_run


def _published_award(session, package, bid_id: int, vendor_user, member):
    """A published award of the demo round: the vendor's bid wins BEB-40 LOT-1 (the own city's
    8 units and Long Beach's 4), LOT-2 has no bid; the own city's contract with the vendor."""
    from decimal import Decimal

    from consortium.models import AwardContract, AwardRun
    vendor = session.get(Vendor, vendor_user.vendor_id)
    problem = {"lots": [
        {"id": "BEB-40/LOT-1", "product": "BEB-40", "period": "2027Q1", "quantity": 12,
         "allocations": [{"member": "Long Beach", "quantity": 4},
                         {"member": member.name, "quantity": 8}]},
        {"id": "BEB-40/LOT-2", "product": "BEB-40", "period": "2027Q2", "quantity": 30}],
        "bids": [{"id": f"BID-{bid_id}", "vendor": vendor.name,
                  "prices": [{"lot": "BEB-40/LOT-1", "unit_price": 100}]}]}
    result = {"status": "optimal", "awarded_units": 12, "total_cost": 1200, "lower_bound": 1200,
              "gap": 0.0, "awards": [{"lot": "BEB-40/LOT-1", "bid": f"BID-{bid_id}",
                                      "vendor": vendor.name, "unit_price": 100, "quantity": 12,
                                      "value": 1200}],
              "discounts": [], "unawarded": [{"lot": "BEB-40/LOT-2", "reason": "no bid priced it"}],
              "vendors": [], "contracts": [], "solver": {"name": "HiGHS", "solve_seconds": 0.0}}
    now = utcnow()
    run = AwardRun(round_id=package.round_id, status="succeeded", problem=problem, result=result,
                   approved_at=now, published_at=now)
    session.add(run)
    session.commit()
    contract = AwardContract(award_run_id=run.id, round_id=package.round_id, member_id=member.id,
                             vendor_id=vendor.id, reference="2027-clean-fleet-A1-M1-V1",
                             member_name=member.name, vendor_name=vendor.name, lots=1, units=8,
                             gross=Decimal(800), discount=Decimal(0), net=Decimal(800),
                             pdf=b"%PDF-1.4 contract", pdf_sha256="0" * 64, csv=b"contract\r\n",
                             csv_sha256="1" * 64)
    session.add(contract)
    session.commit()
    return run, contract


def _doomed_scenario(session, admin, run: Run):
    """A scenario for the admin's delete to remove (the others stay for the other routes)."""
    from consortium.services import scenarios
    scenario = scenarios.create_scenario(session, run, admin, "To delete")
    commit(session)
    return scenario


def _url(app, rule, route: Route, ids: dict) -> str:
    values = {}
    for arg in rule.arguments:
        key = route.ids.get(arg, "reset_token" if rule.endpoint == "account.reset_password"
                            else arg)
        values[arg] = ids[key]
    path = app.url_map.bind("localhost").build(rule.endpoint, values)
    return path + ("?" + route.query.format(**ids) if route.query else "")


def outcome(response) -> str:
    """"login" for a redirect to the sign-in page, else the status code."""
    if response.status_code in (301, 302, 303):
        if urlsplit(response.headers["Location"]).path == "/login":
            return "login"
    return str(response.status_code)


MODELS = (Member, Vendor, Product, PriceTier, Round, DemandLine, Run, BidPackage, PackageVersion,
          AuditEntry, Question, Answer)


def snapshot(session) -> dict:
    """The rows a refused request must not change (downloads and sign-in records aside)."""
    session.expire_all()
    return {m.__name__: sorted(repr(sorted(r.model_dump().items())) for r in session.exec(select(m)))
            for m in MODELS}


@pytest.mark.parametrize("person", PEOPLE)
def test_the_route_table(app, client, session, world, person):
    ids = world["ids"]
    if person != "visitor":
        login(client, world["people"][person])
    before = snapshot(session)
    requests = []
    for rule in app.url_map.iter_rules():
        route = TABLE[rule.endpoint]
        for method in _methods(rule):
            requests.append((method == "POST", rule.endpoint == LAST, rule.endpoint, method,
                             _url(app, rule, route, ids), route))
    wrong = []
    started = time.monotonic()
    for _post, _last, endpoint, method, url, route in sorted(requests):  # GETs, POSTs, sign-out
        data = {k: str(v).format(**ids) for k, v in route.data.items()} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        got = outcome(response)
        response.close()
        expected = route.expected(method)[person]
        if got != expected:
            wrong.append(f"{method} {url} ({endpoint}): {got}, expected {expected}")
    assert not wrong, f"{person}:\n" + "\n".join(wrong)
    assert len(requests) > 75
    if person not in ("own_city", "admin"):  # refused, or allowed only forms that fail to validate
        after = snapshot(session)
        if person == "vendor":  # it may withdraw its own bid (audited); nothing else changes
            after["AuditEntry"] = [e for e in after["AuditEntry"] if "'bid_withdraw'" not in e]
        assert after == before
    assert time.monotonic() - started < 300


def test_a_draft_round_is_404_for_fleet_managers_on_every_route(app, client, session, world):
    """A draft round is the admins' alone: every fleet route naming it answers 404."""
    draft = factories.make_round(session, status="draft", name="Draft 2029", slug="draft-2029")
    ids = {**world["ids"], "round_id": draft.id, "demo_round_id": draft.id}
    login(client, world["people"]["own_city"])
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("demand", "results") or "round_id" not in rule.arguments:
            continue
        route = TABLE[rule.endpoint]
        for method in _methods(rule):
            data = {k: str(v).format(**ids) for k, v in route.data.items()}
            response = client.open(_url(app, rule, route, ids), method=method, data=data)
            response.close()
            assert response.status_code == 404, (method, rule.endpoint)
            checked += 1
    assert checked >= 13
    session.expire_all()
    assert session.exec(select(DemandLine).where(DemandLine.round_id == draft.id)).all() == []
