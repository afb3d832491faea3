"""Member values for admins: start the job for a run, follow it, read every member's figures."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from consortium.jobs import get_jobs
from consortium.policy import ADMIN_ONLY_UNSEEN
from consortium.models import MemberValueJob, Round, Run
from consortium.models.status import JobStatus, live
from consortium.services.errors import ServiceError
from consortium.services.member_value import (
    job_for_run,
    mark_stale_jobs,
    progress_text,
    start_member_values,
)
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.scenarios import MemberValueForm
from consortium.web.polling import progress_partial

bp = Blueprint("member_value", __name__, url_prefix="/admin")
guard(bp, ADMIN_ONLY_UNSEEN)


@bp.app_context_processor
def _helpers():
    return {"member_value_progress": progress_text}


def _job(run: Run) -> MemberValueJob | None:
    job = job_for_run(db(), run.id)
    if job is not None and job.status in live(JobStatus):
        settings = current_app.extensions["consortium.settings"]
        mark_stale_jobs(db(), timedelta(minutes=settings.run_stale_minutes))
        db().refresh(job)
    return job


@bp.route("/runs/<int:run_id>/member-values", methods=["GET", "POST"])
def run_values(run_id: int):
    """Every member's value to the others in the run, and the button that computes them."""
    run = load_or_404(Run, run_id)
    form = MemberValueForm()
    if form.validate_on_submit():
        try:
            start_member_values(db(), run, current_user,
                                enqueue=get_jobs(current_app).enqueue_member_values)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash("The member values are being computed: one solve per member.", "success")
        return redirect(url_for("member_value.run_values", run_id=run.id))
    job = _job(run)
    figures = sorted((job.figures or []) if job else [], key=lambda f: -f["value_to_others"])
    return render_template("member_value/run.html", run=run, round=db().get(Round, run.round_id),
                           job=job, figures=figures, form=form)


@bp.route("/runs/<int:run_id>/member-values/progress")
def progress(run_id: int):
    """The progress partial polled by the page; tells htmx to reload it when done."""
    run = load_or_404(Run, run_id)
    job = _job(run)
    done = job is None or job.status not in live(JobStatus)
    return progress_partial("member_value/_progress.html", done, run=run, job=job)
