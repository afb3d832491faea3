"""The bid tabulation of a package (admins and approved vendors), its OCDS release, and an admin's
opening on demand once the deadline has passed (the periodic job opens it otherwise). Routes of the
bids blueprint, whose guard names who may open each."""

from __future__ import annotations

from flask import Response, abort, current_app, flash, json, redirect, render_template, url_for
from flask_login import current_user
from consortium.models import BidPackage, BidStatus, Round
from consortium.services import award_notices, bid_opening, bids as bid_service
from consortium.services.errors import ServiceError
from consortium.services.publishing_inputs import consortium_info
from consortium.web.access import db, load_or_404
from consortium.web.forms.bids import ConfirmForm
from consortium.web.transaction import rollback_only
from consortium.web.views.bids import bp, sealer


@bp.route("/packages/<int:package_id>/tabulation")
def tabulation(package_id: int):
    """Lots x bidders with unit prices, discounts, capacities and every receipt hash; before the
    opening, only when it will happen (and, for admins after the deadline, the button)."""
    package = load_or_404(BidPackage, package_id)
    session = db()
    version = bid_service.latest(session, package)
    opening = bid_opening.opening_of(session, package)
    sealed = bid_service.live_count(session, package)
    tab = opening.tabulation if opening else None
    return render_template(
        "bids/tabulation.html", package=package, version=version, opening=opening, tab=tab,
        rows=bid_opening.tabulation_rows(tab) if tab else [], sealed=sealed,
        round=session.get(Round, package.round_id), form=ConfirmForm(),
        closed=bid_service.deadline_passed(version),
        award=award_notices.published_run(session, package.round_id))


@bp.route("/packages/<int:package_id>/open", methods=["POST"])
def open_bids(package_id: int):
    """Open the package's bids now (only after the deadline; the job does it otherwise)."""
    package = load_or_404(BidPackage, package_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    session = db()
    try:
        opening = bid_opening.open_package(
            session, package, current_user, sealer=sealer(),
            consortium=consortium_info(current_app.extensions["consortium.settings"]))
    except ServiceError as exc:
        rollback_only()
        flash(str(exc), "error")
        return redirect(url_for("bids.tabulation", package_id=package.id))
    flash(f"Opened {len(opening.tabulation['bids'])} valid bid(s) on {package.reference}.",
          "success")
    return redirect(url_for("bids.tabulation", package_id=package.id))


@bp.route("/packages/<int:package_id>/ocds.json")
def opening_ocds(package_id: int):
    """The OCDS release package of the opening (404 before it)."""
    package = load_or_404(BidPackage, package_id)
    opening = bid_opening.opening_of(db(), package)
    if opening is None:
        abort(404)
    return Response(json.dumps(opening.ocds, indent=2, sort_keys=True), mimetype="application/json")


@bp.app_template_global()
def bid_status_label(status: str) -> str:
    """A bid status in words."""
    return {BidStatus.SEALED: "sealed (valid)", BidStatus.MUST_RECONFIRM: "must re-confirm",
            BidStatus.WITHDRAWN: "withdrawn", BidStatus.OPENED: "opened",
            BidStatus.INVALID: "invalid"}.get(status, status)
