"""Members are found by the id the problem file carries, not by name: a member renamed after the
run keeps its delivery address in the bid package (and its results)."""

from __future__ import annotations

import csv
import io

from consortium.db import commit
from consortium.models import Run
from consortium.publish.build import SCHEDULE_NAME
from consortium.services import publishing, runs
from consortium.services.run_results import member_results, plan_of, problem_of
from tests import factories


def _solved_round(engine, session, admin):
    la = factories.make_member(session, "Los Angeles",
                               delivery_address="2500 E 15th St, Los Angeles")
    sea = factories.make_member(session, "Seattle", delivery_address="1 Pier Way, Seattle")
    round_ = factories.make_round(session, status="closed", name="Rename round",
                                  slug="rename-round")
    bus = factories.make_product(session, "BUS", tiers=((1, 100000), (10, 95000)), min_tranche=5)
    factories.make_line(session, round=round_, member=la, product=bus, quantity=6, ref="LA-1")
    factories.make_line(session, round=round_, member=sea, product=bus, quantity=6, ref="SEA-1")
    run = runs.create_run(session, round_, admin, time_limit=30)
    commit(session)
    assert runs.execute_run(engine, run.id) == "succeeded"
    session.expire_all()
    run = session.get(Run, run.id)
    runs.approve_run(session, run, admin)
    commit(session)
    return la, sea, run


def test_the_problem_and_plan_carry_member_ids(engine, session, admin):
    la, sea, run = _solved_round(engine, session, admin)
    assert {(d.member, d.member_id) for d in problem_of(run).demand} == {
        ("Los Angeles", la.id), ("Seattle", sea.id)}
    plan = plan_of(run)
    assert {(a.member, a.member_id) for t in plan.tranches for a in t.allocations} == {
        ("Los Angeles", la.id), ("Seattle", sea.id)}
    assert {(m.member, m.member_id) for m in plan.members} == {
        ("Los Angeles", la.id), ("Seattle", sea.id)}


def test_a_member_renamed_after_the_run_keeps_its_address_and_results(engine, session, admin,
                                                                      deadlines):
    la, sea, run = _solved_round(engine, session, admin)
    la.name = "City of Los Angeles"
    session.add(la)
    commit(session)
    [package] = publishing.publish_round(session, run, admin, **deadlines)
    commit(session)
    version = publishing.latest_version(session, package)
    files = {f.name: f for f in publishing.files_of(session, version)}
    rows = list(csv.DictReader(io.StringIO(files[SCHEDULE_NAME].content.decode("utf-8-sig"))))
    by_member = {r["member"]: r["delivery_address"] for r in rows}
    assert by_member == {"City of Los Angeles": "2500 E 15th St, Los Angeles",
                         "Seattle": "1 Pier Way, Seattle"}
    mine = member_results(plan_of(run), la, problem_of(run))
    assert [a["demand"] for a in mine["allocations"]] == ["LA-1"] and mine["placed_units"] == 6
