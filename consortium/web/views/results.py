"""Results for fleet managers: what the approved plan of a round means for their member."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from consortium.models import DemandLine, Member, Round, Run
from consortium.models.status import RoundStatus
from consortium.policy import FLEET_MANAGER, visible
from consortium.services import exports
from consortium.services import hints as hint_service
from consortium.services.member_value import job_for_run, member_figures
from consortium.services.run_results import member_results, plan_of, problem_of
from consortium.web.access import db, guard, load_or_404
from consortium.web.downloads import csv_download, slug

bp = Blueprint("results", __name__, url_prefix="/results")
guard(bp, FLEET_MANAGER)


@bp.route("/")
def index():
    """The rounds with an approved plan in which the member has demand."""
    session = db()
    rounds = session.exec(
        select(Round).where(Round.approved_run_id.is_not(None), Round.status != RoundStatus.DRAFT)
        .order_by(Round.deadline.desc())).all()
    lines = dict(session.exec(
        select(DemandLine.round_id, func.count()).where(visible(current_user, DemandLine))
        .group_by(DemandLine.round_id)).all())
    member = session.get(Member, current_user.member_id)
    summaries = []
    for round_ in rounds:
        if not lines.get(round_.id):
            continue
        run = session.get(Run, round_.approved_run_id)
        if run is None or not run.plan:
            continue
        summaries.append((round_, member_results(plan_of(run), member, problem_of(run))))
    return render_template("results/index.html", member=member, summaries=summaries)


@bp.route("/rounds/<int:round_id>")
def round(round_id: int):
    """The member's lines in the round's approved plan: tranches, periods, prices, savings."""
    round_ = load_or_404(Round, round_id)
    if round_.approved_run_id is None:
        abort(404)
    run = load_or_404(Run, round_.approved_run_id)
    member = db().get(Member, current_user.member_id)
    if not run.plan:
        abort(404)
    result = member_results(plan_of(run), member, problem_of(run))
    job = hint_service.visible_job(db(), round_)
    hints = hint_service.member_hints(job.result, member.name) if job else {}
    # Only this member's figures leave the member-value row: the others' are not theirs to see.
    value = member_figures(job_for_run(db(), run.id), member.name)
    return render_template("results/round.html", round=round_, run=run, member=member, result=result,
                           hint_job=job, hints=hints, value=value)


@bp.route("/rounds/<int:round_id>/results.csv")
def round_csv(round_id: int):
    """The same results as CSV: the member's own lines only, with totals and savings."""
    round_ = load_or_404(Round, round_id)
    if round_.approved_run_id is None:
        abort(404)
    run = load_or_404(Run, round_.approved_run_id)
    member = db().get(Member, current_user.member_id)
    if not run.plan:
        abort(404)
    result = member_results(plan_of(run), member, problem_of(run))
    return csv_download(exports.member_results_csv(result),
                        f"{round_.slug}-{slug(member.name)}-results.csv")
