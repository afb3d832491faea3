"""Scenarios: an admin copies a run's problem, changes it, runs it and compares with the base.

A scenario holds its own copy of the problem document. Each edit (drop a member, a tier's
price, a product's capacity, a line's window) is checked first (what it names must exist) and
then the whole changed problem is validated as the optimizer would: an edit with any problem is
refused with every problem listed, and the scenario is left unchanged. A scenario's runs are
ordinary optimizer runs of the round (same queue, progress and plan) linked through
`ScenarioRun`, which the approval and the fleet managers' pages refuse.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from sqlalchemy import bindparam
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import HintJob, MemberValueJob, Round, Run, Scenario, ScenarioRun, User
from consortium.models.status import RunStatus, live
from consortium.services import audit
from consortium.services.errors import NotAllowed, ServiceError
from consortium.services.run_results import compare_runs, plan_of
from consortium.services.runs import (
    check_problem,
    is_scenario_run,
    parameter_errors,
    queue_run,
)

NAME_MAX = 120


class InvalidEdit(ServiceError):
    """An edit refused: `errors` lists every (field path, reason); nothing was changed."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = list(errors)
        listed = "; ".join(f"{path}: {reason}" if path else reason for path, reason in self.errors)
        super().__init__(f"The change was not made: {listed}")


def scenarios_query(round_: Round):
    """The round's scenarios, unordered (the caller sorts them)."""
    return select(Scenario).where(Scenario.round_id == round_.id)


# Built once, the run's id bound per call (the run page asks on every view).
_LINK_OF_RUN = select(ScenarioRun).where(ScenarioRun.run_id == bindparam("run_id")).limit(1)


def scenario_of_run(session: Session, run_id: int) -> Scenario | None:
    """The scenario a run belongs to (None for the round's own runs)."""
    link = session.exec(_LINK_OF_RUN, params={"run_id": run_id}).first()
    return session.get(Scenario, link.scenario_id) if link else None


def scenario_runs(session: Session, scenario: Scenario) -> list[Run]:
    """The scenario's runs, newest first."""
    return list(session.exec(
        select(Run).join(ScenarioRun, ScenarioRun.run_id == Run.id)
        .where(ScenarioRun.scenario_id == scenario.id).order_by(Run.id.desc())).all())


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Give the scenario a name.")
    if len(name) > NAME_MAX:
        raise ServiceError(f"The name is longer than {NAME_MAX} characters.")
    return name


def create_scenario(session: Session, run: Run, user: User | None, name: str) -> Scenario:
    """A scenario holding a copy of a succeeded run's problem; committed."""
    if is_scenario_run(session, run.id):
        raise NotAllowed("Start a scenario from one of the round's own runs, not a scenario's.")
    if run.status != RunStatus.SUCCEEDED or not run.plan or not run.problem:
        raise NotAllowed("A scenario starts from a run that succeeded (it is compared with "
                         "its plan).")
    scenario = Scenario.model_validate({
        "round_id": run.round_id, "base_run_id": run.id, "name": _clean_name(name),
        "problem": copy.deepcopy(run.problem), "edits": [],
        "created_by_id": user.id if user else None,
    })
    session.add(scenario)
    session.flush()
    audit.record(session, user=user, action="create", entity="scenario", entity_id=scenario.id,
                 round_id=run.round_id,
                 summary=f"Created scenario {scenario.id} “{scenario.name}” from run {run.id}")
    session.flush()
    return scenario


def rename_scenario(session: Session, scenario: Scenario, user: User | None, name: str) -> Scenario:
    """Give the scenario another name; committed."""
    before = audit.snapshot(scenario, ("name",))
    scenario.name = _clean_name(name)
    session.add(scenario)
    audit.record(session, user=user, action="update", entity="scenario", entity_id=scenario.id,
                 round_id=scenario.round_id, before=before,
                 after=audit.snapshot(scenario, ("name",)),
                 summary=f"Renamed scenario {scenario.id} to “{scenario.name}”")
    session.flush()
    return scenario


# --- edits -----------------------------------------------------------------------------------

def _number(value) -> int | float:
    """A form's Decimal (or number) as the problem file writes it: an int when whole."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _product_index(problem: dict, code: str) -> int:
    for i, product in enumerate(problem.get("products", [])):
        if product.get("code") == code:
            return i
    raise InvalidEdit([("", f"The scenario has no product {code!r}.")])


def _apply(session: Session, scenario: Scenario, user: User | None, changed: dict, kind: str,
           summary: str) -> Scenario:
    """Store `changed` as the scenario's problem if the optimizer would accept it; committed."""
    from consortium.optimizer.validation import validate_problem_dict

    errors = validate_problem_dict(changed)
    if not changed.get("demand"):
        errors.append(("demand", "no demand line would be left, so there would be nothing to "
                                 "optimize"))
    if errors:
        raise InvalidEdit(errors)
    scenario.problem = changed
    scenario.edits = [*scenario.edits, {"kind": kind, "summary": summary,
                                        "at": utcnow().isoformat(timespec="seconds"),
                                        "by": user.email if user else "system"}]
    scenario.updated_at = utcnow()
    session.add(scenario)
    audit.record(session, user=user, action="edit", entity="scenario", entity_id=scenario.id,
                 round_id=scenario.round_id, summary=f"Scenario {scenario.id}: {summary}")
    session.flush()
    return scenario


def drop_member(session: Session, scenario: Scenario, user: User | None, member: str) -> Scenario:
    """Remove every demand line of `member` from the scenario."""
    problem = copy.deepcopy(scenario.problem)
    kept = [d for d in problem.get("demand", []) if d.get("member") != member]
    dropped = len(problem.get("demand", [])) - len(kept)
    if not dropped:
        raise InvalidEdit([("", f"{member!r} has no demand lines in this scenario.")])
    problem["demand"] = kept
    return _apply(session, scenario, user, problem, "drop_member",
                  f"dropped {member} ({dropped} line{'s' if dropped != 1 else ''})")


def set_tier_price(session: Session, scenario: Scenario, user: User | None, product: str,
                   min_qty: int, unit_price) -> Scenario:
    """Set the unit price of `product`'s tier that starts at `min_qty` units."""
    problem = copy.deepcopy(scenario.problem)
    i = _product_index(problem, product)
    tiers = problem["products"][i]["tiers"]
    tier = next((t for t in tiers if t.get("min_qty") == min_qty), None)
    if tier is None:
        raise InvalidEdit([("", f"{product} has no tier starting at {min_qty} units.")])
    old, tier["unit_price"] = tier["unit_price"], _number(unit_price)
    return _apply(session, scenario, user, problem, "tier_price",
                  f"{product} tier from {min_qty} units: unit price {old} → {tier['unit_price']}")


def set_capacity(session: Session, scenario: Scenario, user: User | None, product: str,
                 max_per_period: int | None) -> Scenario:
    """Set (or, with None, remove) the vendor's limit of `product` units per period."""
    problem = copy.deepcopy(scenario.problem)
    i = _product_index(problem, product)
    entry = problem["products"][i]
    old = entry.get("max_per_period")
    if max_per_period is None:
        entry.pop("max_per_period", None)
    else:
        entry["max_per_period"] = _number(max_per_period)
    shown = lambda v: "no limit" if v is None else f"{v} per period"  # noqa: E731
    return _apply(session, scenario, user, problem, "capacity",
                  f"{product} capacity: {shown(old)} → {shown(max_per_period)}")


def move_window(session: Session, scenario: Scenario, user: User | None, line_id: str,
                earliest: str, latest: str) -> Scenario:
    """Move demand line `line_id`'s delivery window to `earliest`-`latest`."""
    problem = copy.deepcopy(scenario.problem)
    line = next((d for d in problem.get("demand", []) if d.get("id") == line_id), None)
    if line is None:
        raise InvalidEdit([("", f"The scenario has no demand line {line_id!r}.")])
    old = f"{line.get('earliest')}–{line.get('latest')}"
    line["earliest"], line["latest"] = earliest, latest
    return _apply(session, scenario, user, problem, "window",
                  f"line {line_id} ({line.get('member')}): window {old} → {earliest}–{latest}")


# --- runs and comparison ---------------------------------------------------------------------

def run_scenario(session: Session, scenario: Scenario, user: User | None, *, enqueue,
                 time_limit: float = 60.0, gap: float = 1e-6, fairness: bool = True,
                 solver: str = "highs", note: str = "") -> Run:
    """Queue an optimizer run of the scenario's current problem (committed, then enqueued)."""
    errors = parameter_errors(time_limit, gap, solver)
    if errors:
        raise ServiceError(" ".join(errors))
    problem = copy.deepcopy(scenario.problem)
    check_problem(problem)
    run = Run.model_validate({
        "round_id": scenario.round_id, "status": RunStatus.QUEUED, "stage": RunStatus.QUEUED,
        "time_limit": float(time_limit), "gap": float(gap), "fairness": bool(fairness),
        "solver": solver, "problem": problem,
        "note": (note or f"Scenario “{scenario.name}”")[:500],
        "created_by_id": user.id if user else None,
    })
    session.add(run)
    session.flush()
    session.add(ScenarioRun(scenario_id=scenario.id, run_id=run.id))
    audit.record(session, user=user, action="run", entity="scenario", entity_id=scenario.id,
                 round_id=scenario.round_id,
                 summary=f"Queued run {run.id} of scenario {scenario.id} “{scenario.name}”")
    session.flush()
    return queue_run(session, run, enqueue)


def compare_with_base(session: Session, scenario: Scenario, run: Run) -> dict:
    """The scenario run's plan beside the base run's (compare_runs: A = base, B = scenario)."""
    base = session.get(Run, scenario.base_run_id)
    return compare_runs(plan_of(base) if base else None, plan_of(run))


def delete_scenario(session: Session, scenario: Scenario, user: User | None) -> None:
    """Delete the scenario with its runs (and their member values); refused while one runs."""
    runs = scenario_runs(session, scenario)
    busy = [r.id for r in runs if r.status in live(RunStatus)]
    if busy:
        raise NotAllowed(f"Run {busy[0]} of this scenario is still solving; delete the scenario "
                         "when it has finished.")
    run_ids = [r.id for r in runs]
    for link in session.exec(select(ScenarioRun).where(ScenarioRun.scenario_id == scenario.id)):
        session.delete(link)
    if run_ids:
        for model in (MemberValueJob, HintJob):  # what was computed from the scenario's runs
            for job in session.exec(select(model).where(model.run_id.in_(run_ids))):
                session.delete(job)
    session.flush()
    for run in runs:
        session.delete(run)
    audit.record(session, user=user, action="delete", entity="scenario", entity_id=scenario.id,
                 round_id=scenario.round_id,
                 summary=f"Deleted scenario {scenario.id} “{scenario.name}” and its "
                         f"{len(runs)} run{'s' if len(runs) != 1 else ''}")
    session.flush()
    session.delete(scenario)
    session.flush()


def problem_summary(problem: dict) -> dict:
    """What the edit forms offer: members (lines, units), products (tiers, capacity), lines."""
    members: dict[str, dict] = {}
    for d in problem.get("demand", []):
        entry = members.setdefault(d["member"], {"member": d["member"], "lines": 0, "units": 0})
        entry["lines"] += 1
        entry["units"] += d["quantity"]
    return {
        "periods": list(problem.get("periods", [])),
        "members": [members[m] for m in sorted(members)],
        "products": list(problem.get("products", [])),
        "lines": sorted(problem.get("demand", []), key=lambda d: (d["member"], d["id"])),
    }
