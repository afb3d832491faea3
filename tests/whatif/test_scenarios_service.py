"""Scenarios: copy a run's problem, edit it (each edit validated), run it, compare, delete."""

from __future__ import annotations

import copy

import pytest
from sqlmodel import select

from consortium.db import commit
from consortium.models import AuditEntry, HintJob, MemberValueJob, Run, Scenario, ScenarioRun
from consortium.services import scenarios as svc
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.member_value import execute_member_values, start_member_values
from consortium.services.runs import approve_run, execute_run, runs_query
from tests import factories
from tests.whatif.conftest import fresh


def _runner(app):
    engine = app.extensions["consortium.engine"]
    return lambda run_id: execute_run(engine, run_id)


@pytest.fixture
def scenario(session, admin, base_run):
    value = svc.create_scenario(session, base_run, admin, "  Without Seattle  ")
    commit(session)
    return value


def test_create_copies_the_problem(session, base_run, scenario):
    assert scenario.name == "Without Seattle" and scenario.base_run_id == base_run.id
    assert scenario.problem == base_run.problem and scenario.edits == []
    assert scenario.round_id == base_run.round_id


def test_create_is_refused_from_a_failed_run_or_without_a_name(session, admin, closed_round, base_run):
    failed = factories.make_run(session, round=closed_round, status="failed")
    with pytest.raises(NotAllowed, match="succeeded"):
        svc.create_scenario(session, failed, admin, "x")
        commit(session)
    with pytest.raises(ServiceError, match="name"):
        svc.create_scenario(session, base_run, admin, "   ")
        commit(session)
    assert session.exec(select(Scenario)).all() == []


def test_drop_member(session, admin, base_run, scenario):
    svc.drop_member(session, scenario, admin, "Seattle")
    commit(session)
    scenario = fresh(session, scenario)
    assert [d["member"] for d in scenario.problem["demand"]] == ["Los Angeles"]
    assert scenario.edits[-1]["kind"] == "drop_member"
    assert scenario.edits[-1]["summary"] == "dropped Seattle (2 lines)"
    assert fresh(session, base_run).problem["demand"][1]["member"] == "Seattle"  # base unchanged
    with pytest.raises(svc.InvalidEdit, match="no demand lines"):
        svc.drop_member(session, scenario, admin, "Seattle")
        commit(session)
    with pytest.raises(svc.InvalidEdit, match="nothing to optimize"):
        svc.drop_member(session, scenario, admin, "Los Angeles")
        commit(session)
    assert len(fresh(session, scenario).problem["demand"]) == 1
    assert len(session.exec(select(AuditEntry).where(AuditEntry.entity == "scenario",
                                                     AuditEntry.action == "edit")).all()) == 1


def test_tier_price_is_validated_as_the_optimizer_would(session, admin, scenario):
    before = copy.deepcopy(scenario.problem)
    with pytest.raises(svc.InvalidEdit) as refused:
        svc.set_tier_price(session, scenario, admin, "BUS", 10, 120000)
        commit(session)
    assert refused.value.errors == [
        ("products[0].tiers[1].unit_price", "120000 rises above the previous tier's 100000")]
    with pytest.raises(svc.InvalidEdit) as refused:
        svc.set_tier_price(session, scenario, admin, "BUS", 25, 0)
        commit(session)
    assert "must be a number > 0" in str(refused.value)
    with pytest.raises(svc.InvalidEdit, match="no tier starting at 7"):
        svc.set_tier_price(session, scenario, admin, "BUS", 7, 1)
        commit(session)
    with pytest.raises(svc.InvalidEdit, match="no product 'VAN'"):
        svc.set_tier_price(session, scenario, admin, "VAN", 1, 1)
        commit(session)
    assert fresh(session, scenario).problem == before and fresh(session, scenario).edits == []
    from decimal import Decimal
    svc.set_tier_price(session, scenario, admin, "BUS", 10, Decimal("90000.50"))
    commit(session)
    tiers = fresh(session, scenario).problem["products"][0]["tiers"]
    assert tiers[1] == {"min_qty": 10, "unit_price": 90000.5}
    svc.set_tier_price(session, scenario, admin, "BUS", 10, Decimal("91000"))
    commit(session)
    assert fresh(session, scenario).problem["products"][0]["tiers"][1]["unit_price"] == 91000


def test_capacity(session, admin, scenario):
    svc.set_capacity(session, scenario, admin, "BUS", 8)
    commit(session)
    scenario = fresh(session, scenario)
    assert scenario.problem["products"][0]["max_per_period"] == 8
    assert scenario.edits[-1]["summary"] == "BUS capacity: no limit → 8 per period"
    with pytest.raises(svc.InvalidEdit, match="must be an integer >= 1"):
        svc.set_capacity(session, scenario, admin, "BUS", 0)
        commit(session)
    svc.set_capacity(session, scenario, admin, "BUS", None)
    commit(session)
    assert "max_per_period" not in fresh(session, scenario).problem["products"][0]


def test_move_window_lists_every_problem(session, admin, scenario):
    with pytest.raises(svc.InvalidEdit) as refused:
        svc.move_window(session, scenario, admin, "LA-1", "2027Q3", "2027Q1")
        commit(session)
    assert refused.value.errors == [("demand[0].latest", '"2027Q1" is before earliest "2027Q3"')]
    with pytest.raises(svc.InvalidEdit) as refused:
        svc.move_window(session, scenario, admin, "LA-1", "2031Q1", "2031Q9")
        commit(session)
    assert [path for path, _ in refused.value.errors] == ["demand[0].earliest", "demand[0].latest"]
    with pytest.raises(svc.InvalidEdit, match="no demand line 'XX'"):
        svc.move_window(session, scenario, admin, "XX", "2027Q1", "2027Q1")
        commit(session)
    svc.move_window(session, scenario, admin, "SEA-2", "2027Q2", "2027Q4")
    commit(session)
    line = fresh(session, scenario).problem["demand"][2]
    assert (line["earliest"], line["latest"]) == ("2027Q2", "2027Q4")


def test_run_and_compare_with_the_base(app, session, admin, base_run, scenario):
    svc.drop_member(session, scenario, admin, "Seattle")
    commit(session)
    run = svc.run_scenario(session, scenario, admin, enqueue=_runner(app), time_limit=30, gap=0,
                           fairness=True)
    commit(session)
    run = fresh(session, run)
    assert run.status == "succeeded" and run.round_id == base_run.round_id
    assert run.problem == fresh(session, scenario).problem
    assert run.note == "Scenario “Without Seattle”"
    # Los Angeles alone: 6 x 100,000 + 10,000
    assert run.plan["total_cost"] == 610000 and run.plan["placed_units"] == 6
    result = svc.compare_with_base(session, scenario, run)
    totals = {row["key"]: row for row in result["totals"]}
    assert (totals["total_cost"]["a"], totals["total_cost"]["b"]) == (1150000, 610000)
    assert totals["total_cost"]["diff"] == -540000 and totals["placed_units"]["diff"] == -6
    members = {m["member"]: m for m in result["members"]}
    assert members["Los Angeles"]["consortium_cost_diff"] == 35000
    assert members["Seattle"]["b_consortium_cost"] is None
    changes = result["changes"]
    assert ("removed", "2027Q2", 12, None) in [
        (c["change"], c["period"], c["a_quantity"], c["b_quantity"]) for c in changes] or \
        ("changed", "2027Q2", 12, 6) in [
        (c["change"], c["period"], c["a_quantity"], c["b_quantity"]) for c in changes]
    assert sum(c["b_quantity"] or 0 for c in changes) == 6
    assert svc.scenario_runs(session, scenario) == [run]
    assert svc.scenario_of_run(session, run.id).id == scenario.id
    assert svc.scenario_of_run(session, base_run.id) is None


def test_a_scenario_run_is_never_approved_nor_listed_with_the_round(app, session, admin,
                                                                     closed_round, scenario):
    run = svc.run_scenario(session, scenario, admin, enqueue=_runner(app), time_limit=30)
    commit(session)
    with pytest.raises(NotAllowed, match="never be approved"):
        approve_run(session, fresh(session, run), admin)
    assert fresh(session, closed_round).approved_run_id is None
    listed = [r.id for r in session.exec(runs_query(closed_round)).all()]
    assert run.id not in listed and scenario.base_run_id in listed
    with pytest.raises(NotAllowed, match="round's own runs"):
        svc.create_scenario(session, fresh(session, run), admin, "nested")
        commit(session)


def test_run_refuses_bad_parameters(session, admin, scenario):
    with pytest.raises(ServiceError, match="time limit"):
        svc.run_scenario(session, scenario, admin, enqueue=lambda i: None, time_limit=0)
        commit(session)
    assert session.exec(select(ScenarioRun)).all() == []


def test_delete_removes_the_scenario_and_its_runs(app, session, admin, base_run, scenario):
    run = svc.run_scenario(session, scenario, admin, enqueue=_runner(app), time_limit=30)
    commit(session)
    engine = app.extensions["consortium.engine"]
    start_member_values(session, fresh(session, run), admin,
                        enqueue=lambda job_id: execute_member_values(engine, job_id))
    commit(session)
    session.add(HintJob(run_id=run.id, status="succeeded", result={"lines": []}))
    commit(session)
    svc.delete_scenario(session, scenario, admin)
    commit(session)
    session.expire_all()
    assert session.exec(select(HintJob)).all() == []
    assert session.exec(select(Scenario)).all() == []
    assert session.exec(select(ScenarioRun)).all() == []
    assert session.exec(select(MemberValueJob)).all() == []
    assert [r.id for r in session.exec(select(Run)).all()] == [base_run.id]


def test_delete_waits_for_a_solving_run(session, admin, scenario):
    run = svc.run_scenario(session, scenario, admin, enqueue=lambda run_id: None, time_limit=30)
    commit(session)
    with pytest.raises(NotAllowed, match="still solving"):
        svc.delete_scenario(session, scenario, admin)
        commit(session)
    assert fresh(session, run).status == "queued"
    assert session.get(Scenario, scenario.id) is not None


def test_hints_of_a_scenario_run_are_never_shown_to_fleet_managers(app, session, admin,
                                                                    closed_round, scenario):
    from consortium.services import hints
    run = svc.run_scenario(session, scenario, admin, enqueue=_runner(app), time_limit=30)
    commit(session)
    job = HintJob(run_id=run.id, status="succeeded", result={"lines": []})
    session.add(job)
    commit(session)
    with pytest.raises(NotAllowed, match="never shown to fleet managers"):
        hints.set_visible(session, job, admin, True)
    job.visible = True  # even if a row said so, the fleet managers' query leaves it out
    session.add(job)
    commit(session)
    assert hints.visible_job(session, closed_round) is None
