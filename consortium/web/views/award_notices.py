"""Published awards: the public award notices, the members' contracts (fleet managers see their
city's, vendors their company's, admins all), a vendor's award results, and the admin's
publication of an approved award run (with a confirmation page)."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   url_for)
from flask_login import current_user
from sqlmodel import select

from consortium.models import AwardContract, AwardRun, Round
from consortium.policy import ADMIN, APPROVED_VENDOR, PUBLIC, SIGNED_IN
from consortium.services import award_notices
from consortium.services.award_publish import publish_award
from consortium.services.errors import ServiceError
from consortium.services.publishing_inputs import consortium_info
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.awards import PublishAwardForm
from consortium.web.pagination import paginate
from consortium.web.transaction import rollback_only

bp = Blueprint("award_notices", __name__, url_prefix="/awards")
guard(bp, SIGNED_IN, index=PUBLIC, notice=PUBLIC, vendor_results=APPROVED_VENDOR, publish=ADMIN)

FILES = {"pdf": ("application/pdf", "pdf"), "csv": ("text/csv; charset=utf-8", "csv")}


@bp.route("/")
def index():
    """Every published award notice, the latest first."""
    return render_template("award_notices/index.html",
                           published=award_notices.published_rounds(db()))


@bp.route("/<slug>")
def notice(slug: str):
    """A round's public award notice: lots, winners, unit prices, values, unawarded lots."""
    session = db()
    round_ = session.exec(select(Round).where(Round.slug == slug)).first()
    run = award_notices.published_run(session, round_.id) if round_ else None
    if run is None:
        abort(404)
    return render_template("award_notices/notice.html", notice=award_notices.notice(session, run))


@bp.route("/contracts")
def contracts():
    """The contracts the user may see: a fleet manager its city's, a vendor its company's."""
    session = db()
    page = paginate(session, award_notices.contracts_query(current_user), per_page=25)
    return render_template("award_notices/contracts.html", page=page,
                           rounds=award_notices.contract_rounds(session, page.items),
                           member=award_notices.member_name(session, current_user))


@bp.route("/contracts/<int:contract_id>.<kind>")
def contract_file(contract_id: int, kind: str):
    """A contract's PDF or CSV, exactly as published (404 for anyone else's contract)."""
    if kind not in FILES:
        abort(404)
    contract = load_or_404(AwardContract, contract_id)
    media_type, ext = FILES[kind]
    data = contract.pdf if kind == "pdf" else contract.csv
    sha = contract.pdf_sha256 if kind == "pdf" else contract.csv_sha256
    return Response(data, mimetype=media_type, headers={
        "Content-Disposition": f'attachment; filename="contract-{contract.reference}.{ext}"',
        "Cache-Control": "no-store", "X-Content-SHA256": sha})


@bp.route("/results")
def vendor_results():
    """The vendor's results in each published award: lots won and lost per package, contracts."""
    return render_template("award_notices/vendor_results.html",
                           results=award_notices.vendor_results(db(), current_user))


@bp.route("/runs/<int:run_id>/publish", methods=["GET", "POST"])
def publish(run_id: int):
    """Confirm, then publish an approved award run (once): contracts, notice, notifications."""
    run = load_or_404(AwardRun, run_id, change=True)
    session = db()
    form = PublishAwardForm()
    if form.validate_on_submit():
        try:
            rows = publish_award(session, run, current_user,
                                 consortium=consortium_info(
                                     current_app.extensions["consortium.settings"]))
        except ServiceError as exc:
            rollback_only()
            flash(str(exc), "error")
            return redirect(url_for("award_notices.publish", run_id=run.id))
        flash(f"Award run {run.id} published: {len(rows)} contract(s) issued; every bidder and "
              "member has been told.", "success")
        return redirect(url_for("award_notices.notice", slug=session.get(Round, run.round_id).slug))
    notice = award_notices.notice(session, run) if run.result and run.problem else None
    return render_template("award_notices/publish.html", run=run, form=form, notice=notice,
                           round=session.get(Round, run.round_id)), (422 if form.errors else 200)
