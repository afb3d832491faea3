"""Scenarios for admins: copy a run's problem, change it, run it, compare it with the base run."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from consortium.jobs import get_jobs
from consortium.policy import ADMIN_ONLY_UNSEEN
from consortium.models import Round, Run, Scenario
from consortium.services import scenarios as service
from consortium.services.errors import ServiceError
from consortium.services.run_results import plan_of
from consortium.services.runs import InvalidProblem
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.runs import RunForm
from consortium.web.forms.scenarios import (
    CapacityForm,
    DeleteForm,
    DropMemberForm,
    ScenarioForm,
    TierPriceForm,
    WindowForm,
)
from consortium.web.pagination import paginate, sorted_query

bp = Blueprint("scenarios", __name__, url_prefix="/admin")
guard(bp, ADMIN_ONLY_UNSEEN)

EDITS = {"drop_member": DropMemberForm, "tier_price": TierPriceForm, "capacity": CapacityForm,
         "window": WindowForm}


def _forms(scenario: Scenario, summary: dict, base: Run | None, bound: str | None = None,
           bound_form=None) -> dict:
    """Every form of the scenario page, filled from the scenario's problem; `bound_form` is the
    submitted one (kept with its data and errors)."""
    forms = {}
    for kind, cls in EDITS.items():
        forms[kind] = bound_form if kind == bound else cls(prefix=kind, formdata=None).fill(summary)
    if bound == "run":
        forms["run"] = bound_form
    else:
        forms["run"] = RunForm(prefix="run", formdata=None)
        if base is not None:  # the base run's settings, so that only the edits differ
            forms["run"].time_limit.data = base.time_limit
            forms["run"].gap.data = base.gap
            forms["run"].fairness.data = base.fairness
            forms["run"].solver.data = base.solver
    forms["rename"] = ScenarioForm(prefix="rename", formdata=None, data={"name": scenario.name})
    return forms


def _detail(scenario: Scenario, *, bound: str | None = None, bound_form=None,
            edit_errors=None, status: int = 200):
    session = db()
    base = session.get(Run, scenario.base_run_id)
    summary = service.problem_summary(scenario.problem)
    runs = service.scenario_runs(session, scenario)
    plans = {r.id: plan_of(r) for r in [*runs, *([base] if base else [])]}  # typed, read once
    page = render_template(
        "scenarios/detail.html", scenario=scenario, round=session.get(Round, scenario.round_id),
        base=base, summary=summary, runs=runs, plans=plans,
        forms=_forms(scenario, summary, base, bound, bound_form), edit_errors=edit_errors or [],
        failed_edit=bound if edit_errors or (bound_form and bound_form.errors) else None)
    return page, status


@bp.route("/rounds/<int:round_id>/scenarios")
def round_scenarios(round_id: int):
    """A round's scenarios, newest first."""
    round_ = load_or_404(Round, round_id)
    query = sorted_query(service.scenarios_query(round_),
                         {"id": Scenario.id, "name": Scenario.name,
                          "updated": Scenario.updated_at}, "-id")
    page = paginate(db(), query, per_page=20)
    page.args["round_id"] = round_.id
    return render_template("scenarios/index.html", round=round_, page=page)


@bp.route("/runs/<int:run_id>/scenarios", methods=["POST"])
def create(run_id: int):
    """A new scenario holding a copy of the run's problem."""
    run = load_or_404(Run, run_id)
    form = ScenarioForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("runs.run_detail", run_id=run.id))
    try:
        scenario = service.create_scenario(db(), run, current_user, form.name.data)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("runs.run_detail", run_id=run.id))
    flash(f"Scenario “{scenario.name}” holds a copy of run {run.id}'s problem: change it below, "
          "then run it.", "success")
    return redirect(url_for("scenarios.detail", scenario_id=scenario.id))


@bp.route("/scenarios/<int:scenario_id>")
def detail(scenario_id: int):
    """One scenario: its problem, the edit forms, what was changed, its runs."""
    return _detail(load_or_404(Scenario, scenario_id))


@bp.route("/scenarios/<int:scenario_id>/edit/<kind>", methods=["POST"])
def edit(scenario_id: int, kind: str):
    """Apply one edit to the scenario's problem (refused, with every reason, if invalid)."""
    scenario = load_or_404(Scenario, scenario_id)
    if kind not in EDITS:
        abort(404)
    summary = service.problem_summary(scenario.problem)
    form = EDITS[kind](prefix=kind).fill(summary)
    if not form.validate_on_submit():
        return _detail(scenario, bound=kind, bound_form=form, status=422)
    try:
        if kind == "drop_member":
            service.drop_member(db(), scenario, current_user, form.member.data)
        elif kind == "tier_price":
            product, min_qty = form.target(summary)
            service.set_tier_price(db(), scenario, current_user, product, min_qty,
                                   form.unit_price.data)
        elif kind == "capacity":
            service.set_capacity(db(), scenario, current_user, form.product.data,
                                 form.max_per_period.data)
        else:
            service.move_window(db(), scenario, current_user, form.line.data,
                                form.earliest.data, form.latest.data)
    except service.InvalidEdit as exc:  # refused before anything was changed
        return _detail(scenario, bound=kind, bound_form=form, edit_errors=exc.errors, status=422)
    flash(f"Changed: {scenario.edits[-1]['summary']}.", "success")
    return redirect(url_for("scenarios.detail", scenario_id=scenario.id))


@bp.route("/scenarios/<int:scenario_id>/rename", methods=["POST"])
def rename(scenario_id: int):
    """Give the scenario another name."""
    scenario = load_or_404(Scenario, scenario_id)
    form = ScenarioForm(prefix="rename")
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("scenarios.detail", scenario_id=scenario.id))
    try:
        service.rename_scenario(db(), scenario, current_user, form.name.data)
    except ServiceError as exc:
        flash(str(exc), "error")
    return redirect(url_for("scenarios.detail", scenario_id=scenario.id))


@bp.route("/scenarios/<int:scenario_id>/runs", methods=["POST"])
def run(scenario_id: int):
    """Queue an optimizer run of the scenario's problem and follow its progress."""
    scenario = load_or_404(Scenario, scenario_id)
    form = RunForm(prefix="run")
    if not form.validate_on_submit():
        return _detail(scenario, bound="run", bound_form=form, status=422)
    try:
        new_run = service.run_scenario(
            db(), scenario, current_user, enqueue=get_jobs(current_app).enqueue_run,
            time_limit=float(form.time_limit.data), gap=float(form.gap.data),
            fairness=form.fairness.data, solver=form.solver.data, note=form.note.data or "")
    except InvalidProblem as exc:
        return _detail(scenario, bound="run", bound_form=form, edit_errors=exc.errors, status=422)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("scenarios.detail", scenario_id=scenario.id))
    flash(f"Run {new_run.id} of the scenario is queued; this page follows its progress.", "success")
    return redirect(url_for("runs.run_detail", run_id=new_run.id))


@bp.route("/scenarios/<int:scenario_id>/runs/<int:run_id>/compare")
def compare(scenario_id: int, run_id: int):
    """A scenario run beside the base run: totals, members' costs and the tranche changes."""
    scenario = load_or_404(Scenario, scenario_id)
    run_ = load_or_404(Run, run_id)
    owner = service.scenario_of_run(db(), run_.id)
    if owner is None or owner.id != scenario.id:
        abort(404)
    base = db().get(Run, scenario.base_run_id)
    return render_template("scenarios/compare.html", scenario=scenario, run=run_, base=base,
                           round=db().get(Round, scenario.round_id),
                           result=service.compare_with_base(db(), scenario, run_))


@bp.route("/scenarios/<int:scenario_id>/delete", methods=["GET", "POST"])
def delete(scenario_id: int):
    """Ask, then delete the scenario and its runs."""
    scenario = load_or_404(Scenario, scenario_id)
    form = DeleteForm()
    runs = service.scenario_runs(db(), scenario)
    if form.validate_on_submit():
        round_id = scenario.round_id
        try:
            service.delete_scenario(db(), scenario, current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
            return redirect(url_for("scenarios.detail", scenario_id=scenario.id))
        flash(f"Scenario “{scenario.name}” was deleted.", "success")
        return redirect(url_for("scenarios.round_scenarios", round_id=round_id))
    return render_template("scenarios/delete.html", scenario=scenario, runs=runs, form=form,
                           round=db().get(Round, scenario.round_id))
