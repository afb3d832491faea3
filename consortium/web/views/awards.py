"""The award stage for admins: evaluate the opened bids, run the award optimizer, follow its
progress, read, compare and approve award runs."""

from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from sqlmodel import select

from consortium.jobs import get_jobs
from consortium.models import AwardRun, AwardRunStatus, Bid, BidPackage, Round
from consortium.models.status import live
from consortium.policy import ADMIN
from consortium.services import award_results, awards
from consortium.services.errors import ServiceError
from consortium.web.access import db, guard, load_or_404
from consortium.web.downloads import json_download
from consortium.web.forms.awards import (ApproveAwardForm, AwardRunForm, ClearEvaluationForm,
                                         EvaluationForm)
from consortium.web.pagination import paginate
from consortium.web.polling import progress_partial

bp = Blueprint("awards", __name__, url_prefix="/admin")
guard(bp, ADMIN)

COMPARE_MAX = 6


def _fail_stale() -> None:
    settings = current_app.extensions["consortium.settings"]
    awards.mark_stale_award_runs(db(), timedelta(minutes=settings.run_stale_minutes))


def _elapsed(run: AwardRun) -> int | None:
    from consortium.db import utcnow
    if run.started_at is None:
        return None
    return max(0, int(((run.finished_at or utcnow()) - run.started_at).total_seconds()))


@bp.app_context_processor
def _helpers():
    return {"award_elapsed": _elapsed}


@bp.route("/rounds/<int:round_id>/award", methods=["GET", "POST"])
def round_award(round_id: int):
    """The round's award: the opened bids to evaluate, the run form, and the award runs."""
    round_ = load_or_404(Round, round_id)
    form = AwardRunForm()
    if form.validate_on_submit():
        try:
            run = awards.start_award_run(
                db(), round_, current_user, enqueue=get_jobs(current_app).enqueue_award_run,
                max_lots_per_vendor=form.max_lots_per_vendor.data,
                time_limit=float(form.time_limit.data), note=form.note.data or "")
        except ServiceError as exc:
            flash(str(exc), "error")
            return _page(round_, form), 422
        flash(f"Award run {run.id} is queued; this page follows its progress.", "success")
        return redirect(url_for("awards.run_detail", run_id=run.id))
    if form.is_submitted():
        return _page(round_, form), 422
    return _page(round_, form)


def _page(round_: Round, form: AwardRunForm) -> str:
    _fail_stale()
    bids = awards.opened_bids(db(), round_)
    packages = db().exec(select(BidPackage).where(BidPackage.round_id == round_.id)
                         .order_by(BidPackage.reference)).all()
    query = select(AwardRun).where(AwardRun.round_id == round_.id).order_by(AwardRun.id.desc())
    page = paginate(db(), query, per_page=20)
    page.args["round_id"] = round_.id
    return render_template("awards/round.html", round=round_, form=form, bids=bids,
                           packages=packages, page=page,
                           evaluation_form=EvaluationForm, clear_form=ClearEvaluationForm(),
                           approved=awards.approved_award_run(db(), round_))


@bp.route("/bids/<int:bid_id>/evaluation", methods=["POST"])
def evaluate(bid_id: int):
    """Mark an opened bid responsive or not."""
    bid = load_or_404(Bid, bid_id)
    package = db().get(BidPackage, bid.package_id)
    form = EvaluationForm(prefix=f"bid{bid.id}")
    if form.validate_on_submit():
        try:
            awards.set_evaluation(db(), bid, current_user, responsive=form.responsive.data == "yes",
                                  reason=form.reason.data or "")
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Bid {bid.id} is marked "
                  f"{'responsive' if form.responsive.data == 'yes' else 'not responsive'}.",
                  "success")
    else:
        flash("Choose responsive or not responsive (with a reason of at most "
              f"{awards.REASON_MAX} characters).", "error")
    return redirect(url_for("awards.round_award", round_id=package.round_id) + "#evaluation")


@bp.route("/bids/<int:bid_id>/evaluation/clear", methods=["POST"])
def clear_evaluation(bid_id: int):
    """Forget a bid's evaluation: it counts as responsive again."""
    bid = load_or_404(Bid, bid_id)
    package = db().get(BidPackage, bid.package_id)
    if ClearEvaluationForm().validate_on_submit():
        try:
            if awards.clear_evaluation(db(), bid, current_user):
                flash(f"The evaluation of bid {bid.id} is cleared.", "success")
        except ServiceError as exc:
            flash(str(exc), "error")
    return redirect(url_for("awards.round_award", round_id=package.round_id) + "#evaluation")


@bp.route("/award-runs/<int:run_id>")
def run_detail(run_id: int):
    """One award run: progress while it solves, then the awards, runner-ups and estimates."""
    run = load_or_404(AwardRun, run_id)
    if run.status in live(AwardRunStatus):
        _fail_stale()
    round_ = db().get(Round, run.round_id)
    others = db().exec(select(AwardRun.id).where(
        AwardRun.round_id == round_.id, AwardRun.id != run.id,
        AwardRun.status == AwardRunStatus.SUCCEEDED).order_by(AwardRun.id.desc()).limit(20)).all()
    return render_template("awards/detail.html", run=run, round=round_,
                           data=award_results.result_page(db(), round_, run), others=others,
                           approve_form=ApproveAwardForm(),
                           approved=awards.approved_award_run(db(), round_))


@bp.route("/award-runs/<int:run_id>/progress")
def run_progress(run_id: int):
    """The progress partial polled by the award run page; reloads the page when done."""
    run = load_or_404(AwardRun, run_id)
    if run.status in live(AwardRunStatus):
        _fail_stale()
        db().refresh(run)
    done = run.status not in live(AwardRunStatus)
    return progress_partial("awards/_progress.html", done, run=run)


def _download(run: AwardRun, kind: str, document: dict | None) -> Response:
    if document is None:
        abort(404)
    round_ = db().get(Round, run.round_id)
    return json_download(document, f"{round_.slug}-award-run{run.id}-{kind}.json")


@bp.route("/award-runs/<int:run_id>/problem.json")
def run_problem(run_id: int):
    """The award problem file the run solved (anyone can recompute the award from it)."""
    run = load_or_404(AwardRun, run_id)
    return _download(run, "problem", run.problem)


@bp.route("/award-runs/<int:run_id>/award.json")
def run_award(run_id: int):
    """The award file the run wrote (404 until it succeeded)."""
    run = load_or_404(AwardRun, run_id)
    return _download(run, "award", run.result)


@bp.route("/rounds/<int:round_id>/award/compare")
def compare(round_id: int):
    """Two or more succeeded award runs of the round side by side (`?run=1&run=2...`)."""
    round_ = load_or_404(Round, round_id)
    ids = list(dict.fromkeys(request.args.getlist("run")))[:COMPARE_MAX]
    runs = [load_or_404(AwardRun, run_id) for run_id in ids]
    if any(r.round_id != round_.id for r in runs):
        abort(404)
    runs = [r for r in runs if r.status == AwardRunStatus.SUCCEEDED and r.result]
    data = award_results.compare(db(), round_, runs) if len(runs) >= 2 else None
    return render_template("awards/compare.html", round=round_, runs=runs, data=data,
                           approve_form=ApproveAwardForm(),
                           approved=awards.approved_award_run(db(), round_))


@bp.route("/award-runs/<int:run_id>/approve", methods=["POST"])
def approve(run_id: int):
    """Approve the award run as the round's award."""
    run = load_or_404(AwardRun, run_id, change=True)
    if ApproveAwardForm().validate_on_submit():
        try:
            awards.approve_award_run(db(), run, current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Award run {run.id} is now the approved award of this round.", "success")
    return redirect(url_for("awards.run_detail", run_id=run.id))
