"""Hints of optimizer runs for admins: start them, follow their progress, read them, and make
them visible to fleet managers (who see their own lines' hints on the results and round pages)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from consortium.jobs import get_jobs
from consortium.models import HintJob, Round, Run
from consortium.models.status import JobStatus, live
from consortium.services import hints as hint_service
from consortium.services.errors import ServiceError
from consortium.policy import ADMIN
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.runs import HintsForm, HintsVisibilityForm
from consortium.web.polling import progress_partial

bp = Blueprint("hints", __name__, url_prefix="/admin")
guard(bp, ADMIN)

PER_PAGE = 50


@bp.app_context_processor
def _helpers():
    return {"describe_hint": hint_service.describe}


@bp.route("/runs/<int:run_id>/hints", methods=["POST"])
def start(run_id: int):
    """Queue hints for a finished run."""
    run = load_or_404(Run, run_id)
    form = HintsForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(f"Hints were not started: {error}", "error")
        return redirect(url_for("runs.run_detail", run_id=run.id))
    try:
        job = hint_service.enqueue_hints(db(), run, current_user,
                                         enqueue=get_jobs(current_app).enqueue_hints,
                                         threshold=float(form.threshold.data))
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("runs.run_detail", run_id=run.id))
    flash(f"Hints {job.id} are queued; this page follows their progress.", "success")
    return redirect(url_for("hints.detail", job_id=job.id))


@bp.route("/hints/<int:job_id>")
def detail(job_id: int):
    """A hint job: its progress, then the largest savings and every line's hints."""
    job = load_or_404(HintJob, job_id)
    run = db().get(Run, job.run_id)
    round_ = db().get(Round, run.round_id)
    result = job.result or {}
    query = request.args.get("q", "").strip()[:100].lower()
    entries = [e for e in result.get("lines", []) if e["hints"] or not e["placed"]]
    if query:
        entries = [e for e in entries if query in e["line"].lower() or query in e["member"].lower()]
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    pages = max(1, -(-len(entries) // PER_PAGE))
    page = min(page, pages)
    return render_template(
        "hints/detail.html", job=job, run=run, round=round_, result=result, query=query,
        entries=entries[(page - 1) * PER_PAGE: page * PER_PAGE], page=page, pages=pages,
        total_entries=len(entries), largest=hint_service.largest_savings(result),
        visibility_form=HintsVisibilityForm())


@bp.route("/hints/<int:job_id>/progress")
def progress(job_id: int):
    """The progress partial polled by the hints page; tells htmx to reload it when done."""
    job = load_or_404(HintJob, job_id)
    return progress_partial("hints/_progress.html", job.status not in live(JobStatus), job=job)


@bp.route("/hints/<int:job_id>/visibility", methods=["POST"])
def visibility(job_id: int):
    """Show the hints to fleet managers, or hide them again."""
    job = load_or_404(HintJob, job_id)
    form = HintsVisibilityForm()
    if form.validate_on_submit():
        show = request.form.get("visible") == "1"
        try:
            hint_service.set_visible(db(), job, current_user, show)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash("Fleet managers now see these hints for their own lines." if show else
                  "Fleet managers no longer see these hints.", "success")
    return redirect(url_for("hints.detail", job_id=job.id))
