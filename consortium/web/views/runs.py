"""Optimizer runs for admins: start a run, follow its progress, read, compare and approve plans."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import bindparam
from sqlmodel import select

from consortium.db import plain_rows, utcnow
from consortium.jobs import get_jobs
from consortium.models import Round, Run
from consortium.models.status import RunStatus, live
from consortium.optimizer import Plan
from consortium.optimizer.progress import COUNTED, Stage
from consortium.policy import ADMIN
from consortium.services import exports, run_results
from consortium.services import hints as hint_service
from consortium.services.errors import ServiceError
from consortium.services.publishing import is_published
from consortium.services.runs import (
    InvalidProblem,
    approve_run,
    enqueue_run,
    is_scenario_run,
    mark_stale_runs,
    runs_query,
    scenario_run_ids,
)
from consortium.services.scenarios import scenario_of_run
from consortium.web.access import db, guard, load_or_404
from consortium.web.downloads import csv_download, json_download
from consortium.web.forms.runs import ApproveForm, HintsForm, RunForm
from consortium.web.forms.scenarios import ScenarioForm
from consortium.web.pagination import paginate, sorted_query
from consortium.web.polling import progress_partial

bp = Blueprint("runs", __name__, url_prefix="/admin")
guard(bp, ADMIN)

STAGES = {
    RunStatus.QUEUED: "Waiting for the worker", Stage.VALIDATE: "Checking the problem",
    Stage.BUILD: "Building the model", Stage.SOLVE: "Solving",
    Stage.STANDALONE: "Stand-alone costs",
    Stage.FAIRNESS: "Fairness check", Stage.DONE: "Done", RunStatus.FAILED: "Failed",
}


def _fail_stale() -> None:
    settings = current_app.extensions["consortium.settings"]
    mark_stale_runs(db(), timedelta(minutes=settings.run_stale_minutes))


def elapsed_seconds(run: Run) -> int | None:
    """Seconds the run has been solving (until it finished)."""
    if run.started_at is None:
        return None
    return max(0, int(((run.finished_at or utcnow()) - run.started_at).total_seconds()))


def progress_text(run: Run) -> str:
    """`Solving: subproblem 3 of 7`, for the progress line."""
    label = STAGES.get(run.stage, run.stage.replace("_", " ").capitalize())
    if run.status != RunStatus.RUNNING or run.stage not in COUNTED or not run.progress_total:
        return label
    # The optimizer reports k when it starts on the k-th of n.
    return f"{label}: {COUNTED[run.stage]} {max(run.progress_done, 1)} of {run.progress_total}"


@bp.app_context_processor
def _helpers():
    return {"run_progress_text": progress_text, "run_elapsed": elapsed_seconds}


@bp.route("/rounds/<int:round_id>/runs", methods=["GET", "POST"])
def round_runs(round_id: int):
    """A round's runs, newest first, and the form that starts a new one."""
    round_ = load_or_404(Round, round_id)
    form = RunForm()
    if form.validate_on_submit():
        try:
            run = enqueue_run(
                db(), round_, current_user, enqueue=get_jobs(current_app).enqueue_run,
                time_limit=float(form.time_limit.data), gap=float(form.gap.data),
                fairness=form.fairness.data, solver=form.solver.data, note=form.note.data or "")
        except InvalidProblem as exc:
            return _list(round_, form, problem_errors=exc.errors), 422
        except ServiceError as exc:
            flash(str(exc), "error")
            return _list(round_, form), 422
        flash(f"Run {run.id} is queued; this page follows its progress.", "success")
        return redirect(url_for("runs.run_detail", run_id=run.id))
    if form.is_submitted():
        return _list(round_, form), 422
    return _list(round_, form)


def _list(round_: Round, form: RunForm, problem_errors=None) -> str:
    _fail_stale()
    query = sorted_query(runs_query(round_),
                         {"id": Run.id, "status": Run.status, "created": Run.created_at}, "-id")
    page = paginate(db(), query, per_page=20)
    page.args["round_id"] = round_.id  # the pager and sort links build this page's URL
    plans = {r.id: run_results.plan_of(r) for r in page.items}  # typed, read once per run
    return render_template("runs/index.html", round=round_, form=form, page=page, plans=plans,
                           problem_errors=problem_errors or [])


# The ids of the round's other finished runs (the "compare with" list), built once.
_OTHER_RUNS = (select(Run.id).where(Run.round_id == bindparam("round_id"),
                                    Run.id != bindparam("run_id"),
                                    Run.status == RunStatus.SUCCEEDED,
                                    Run.id.not_in(scenario_run_ids()))
               .order_by(Run.id.desc()).limit(20))


@bp.route("/runs/<int:run_id>")
def run_detail(run_id: int):
    """One run: its progress while it solves, then the plan at a glance with charts."""
    run = load_or_404(Run, run_id)
    if run.status in live(RunStatus):
        _fail_stale()
    round_ = db().get(Round, run.round_id)
    plan = run_results.plan_of(run)
    problem = run_results.problem_of(run)
    # Only the ids: a run row carries its whole problem and plan.
    scenario = scenario_of_run(db(), run.id)
    others = [] if scenario else plain_rows(
        db(), _OTHER_RUNS, {"round_id": round_.id, "run_id": run.id}).scalars().all()
    all_rows = run_results.tranche_rows(problem, plan) if plan else []
    query = request.args.get("q", "").strip()[:100]
    rows = [r for r in all_rows if exports.tranche_matches(r, query)]
    return render_template(
        "runs/detail.html", run=run, round=round_, plan=plan, rows=rows, all_rows=all_rows,
        query=query, totals=exports.tranche_totals(rows),
        charts=run_results.chart_data(problem, plan) if plan else None,
        others=others, approve_form=ApproveForm(), hints_form=HintsForm(),
        hint_jobs=hint_service.jobs_of_run(db(), run) if run.status == RunStatus.SUCCEEDED else [],
        scenario=scenario, scenario_form=ScenarioForm(data={"name": f"What if · run {run.id}"}))


def _plan_or_404(run: Run) -> Plan:
    plan = run_results.plan_of(run)
    if plan is None:
        abort(404)
    return plan


@bp.route("/runs/<int:run_id>/tranches.csv")
def run_tranches_csv(run_id: int):
    """The run's tranches (filtered like the page when `q` is given) with a totals row."""
    run = load_or_404(Run, run_id)
    rows = run_results.tranche_rows(run_results.problem_of(run), _plan_or_404(run))
    query = request.args.get("q", "").strip()[:100]
    rows = [r for r in rows if exports.tranche_matches(r, query)]
    round_ = db().get(Round, run.round_id)
    return csv_download(exports.tranches_csv(rows), f"{round_.slug}-run{run.id}-tranches.csv")


@bp.route("/runs/<int:run_id>/members.csv")
def run_members_csv(run_id: int):
    """Each member's costs and savings in the run's plan, with a totals row."""
    run = load_or_404(Run, run_id)
    round_ = db().get(Round, run.round_id)
    return csv_download(exports.member_savings_csv(_plan_or_404(run)),
                        f"{round_.slug}-run{run.id}-members.csv")


@bp.route("/runs/<int:run_id>/progress")
def run_progress(run_id: int):
    """The progress partial polled by the run page; tells htmx to reload the page when done."""
    run = load_or_404(Run, run_id)
    if run.status in live(RunStatus):
        _fail_stale()
        db().refresh(run)
    return progress_partial("runs/_progress.html", run.status not in live(RunStatus), run=run)


def _download(run: Run, kind: str, document: dict | None) -> Response:
    if document is None:
        abort(404)
    round_ = db().get(Round, run.round_id)
    return json_download(document, f"{round_.slug}-run{run.id}-{kind}.json")


@bp.route("/runs/<int:run_id>/problem.json")
def run_problem(run_id: int):
    """The problem file the run solved."""
    run = load_or_404(Run, run_id)
    return _download(run, "problem", run.problem)


@bp.route("/runs/<int:run_id>/plan.json")
def run_plan(run_id: int):
    """The plan file the run produced (404 until it succeeded)."""
    run = load_or_404(Run, run_id)
    return _download(run, "plan", run.plan)


@bp.route("/rounds/<int:round_id>/runs/compare")
def compare(round_id: int):
    """Two runs of a round side by side: totals and the tranches that changed."""
    round_ = load_or_404(Round, round_id)
    a = load_or_404(Run, request.args.get("a"))
    b = load_or_404(Run, request.args.get("b"))
    if a.round_id != round_.id or b.round_id != round_.id:
        abort(404)
    if is_scenario_run(db(), a.id) or is_scenario_run(db(), b.id):
        abort(404)  # a scenario's run is compared with its base run on the scenario's pages
    return render_template("runs/compare.html", round=round_, a=a, b=b,
                           result=run_results.compare_runs(run_results.plan_of(a),
                                                           run_results.plan_of(b)),
                           approve_form=ApproveForm())


@bp.route("/runs/<int:run_id>/approve", methods=["POST"])
def approve(run_id: int):
    """Make the run the round's approved plan."""
    run = load_or_404(Run, run_id)
    form = ApproveForm()
    if form.validate_on_submit():
        try:
            round_ = approve_run(db(), run, current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Run {run.id} is now the approved plan of {round_.name}.", "success")
            if is_published(db(), round_.id):
                flash("This round's bid packages were already published from an earlier plan and "
                      "do not change by themselves: publish an addendum to each package that the "
                      "new plan changes.", "warning")
    return redirect(url_for("runs.run_detail", run_id=run.id))
