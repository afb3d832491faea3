"""Sealed bids, the vendor's side: the bid form per package, the own bid, replace, withdraw,
re-confirm, and receipts. Approved vendors only (the guard); a bid is loaded through `load_or_404`,
so another company's bid is a 404 (policy: Bid, BidVersion). The CSV upload (bids_csv) and the
tabulation (tabulation) add routes to this blueprint.
"""

from __future__ import annotations

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from consortium.models import Bid, BidPackage, BidStatus, BidVersion, PackageVersion, Round
from consortium.policy import ADMIN, ADMIN_OR_APPROVED_VENDOR, APPROVED_VENDOR, approved_vendor
from consortium.services import bid_opening, bids as bid_service
from consortium.services.errors import ServiceError
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.bids import (ConfirmForm, PriceFormUploadForm, ReconfirmForm, answering,
                                       bid_form_class)
from consortium.web.transaction import rollback_only

bp = Blueprint("bids", __name__, url_prefix="/bids")
# Bidding is for approved vendors; the tabulation and receipts also for admins (a receipt only
# once the bids are opened: policy._bid_version); opening on demand for admins alone.
guard(bp, APPROVED_VENDOR, receipt=ADMIN_OR_APPROVED_VENDOR, tabulation=ADMIN_OR_APPROVED_VENDOR,
      opening_ocds=ADMIN_OR_APPROVED_VENDOR, open_bids=ADMIN)


def sealer():
    """The app's sealer (BID_SEALING_KEY)."""
    return current_app.extensions["consortium.sealer"]


def vendor():
    """The signed-in user's approved company (the guard let only approved vendors in)."""
    return approved_vendor(db(), current_user)


def form_for(package: BidPackage, version: PackageVersion, formdata=None):
    """The bid form of the package's latest version, and its lots."""
    lots = bid_service.package_lots(db(), version)
    form_class = bid_form_class(lots)
    form = form_class() if formdata is None else form_class(formdata=formdata)
    if not form.package_version.data:  # a new page answers the latest version; a sent one keeps
        form.package_version.data = str(version.number)  # the version the vendor saw
    return form, lots


def render_form(package, version, form, lots, bid, status=200, errors=(), preview=None):
    """The bid page: the package's lots with a price field each, and the vendor's bid status."""
    session = db()
    return render_template(
        "bids/form.html", package=package, version=version, form=form, lots=lots, bid=bid,
        round=session.get(Round, package.round_id), errors=list(errors),
        closed=bid_service.deadline_passed(version), preview=preview,
        upload=PriceFormUploadForm(), opening=bid_opening.opening_of(session, package),
        last=bid_service.last_version(session, bid) if bid else None), status


@bp.route("/")
def mine():
    """The vendor's bids, most recently changed first."""
    session = db()
    rows = bid_service.vendor_bids(session, vendor().id)
    latest = {p.id: bid_service.latest(session, p) for _, p in rows}
    return render_template("bids/mine.html", rows=rows, latest=latest)


@bp.route("/packages/<int:package_id>", methods=["GET", "POST"])
def package_bid(package_id: int):
    """Bid on a package by form (a new bid, or a replacement of the vendor's bid)."""
    package = load_or_404(BidPackage, package_id)
    session = db()
    version = bid_service.latest(session, package)
    bid = bid_service.find_bid(session, package, vendor().id)
    form, lots = form_for(package, version)
    if request.method == "GET" and bid is not None and bid.status in bid_service.LIVE:
        form.fill(bid_service.own_contents(session, bid, current_user, sealer=sealer()))
    if not form.validate_on_submit():
        return render_form(package, version, form, lots, bid, 422 if form.errors else 200)
    try:
        row = bid_service.submit_bid(session, package, current_user, form.contents(),
                                     sealer=sealer(), answering=answering(form.package_version))
    except bid_service.NewerVersion as exc:
        flash(str(exc), "error")  # the lots may have changed: show the new version's form
        return redirect(url_for("bids.package_bid", package_id=package.id))
    except bid_service.BidError as exc:
        flash(str(exc), "error")
        return render_form(package, version, form, lots, bid, 422, exc.errors)
    except ServiceError as exc:
        flash(str(exc), "error")
        return render_form(package, version, form, lots, bid, 409)
    flash(f"Your bid is sealed. Receipt: {row.receipt_sha256}", "success")
    return redirect(url_for("bids.receipt", version_id=row.id))


@bp.route("/<int:bid_id>")
def own_bid(bid_id: int):
    """The vendor's own bid: its contents (decrypted for its vendor only), status and versions."""
    bid = load_or_404(Bid, bid_id)
    session = db()
    package = session.get(BidPackage, bid.package_id)
    version = bid_service.latest(session, package)
    contents = None
    if bid.status != BidStatus.WITHDRAWN:
        contents = bid_service.own_contents(session, bid, current_user, sealer=sealer())
    history = bid_service.history(session, bid)
    answered = {v.id: session.get(PackageVersion, v.package_version_id) for v in history}
    return render_template("bids/bid.html", bid=bid, package=package, version=version,
                           contents=contents, history=history, answered=answered,
                           lots={lot.id: lot for lot in bid_service.package_lots(session, version)},
                           closed=bid_service.deadline_passed(version), form=ConfirmForm())


def _confirmed_action(bid_id: int, template: str, action, done: str, form_class=ConfirmForm):
    """GET: a confirmation page; POST (with CSRF): do `action(session, bid, form)` and go back
    to the bid."""
    bid = load_or_404(Bid, bid_id, change=True)
    session = db()
    package = session.get(BidPackage, bid.package_id)
    form = form_class()
    if form.validate_on_submit():
        try:
            action(session, bid, form)
        except ServiceError as exc:
            rollback_only()
            flash(str(exc), "error")
            return redirect(url_for("bids.own_bid", bid_id=bid.id))
        flash(done, "success")
        return redirect(url_for("bids.own_bid", bid_id=bid.id))
    version = bid_service.latest(session, package)
    if hasattr(form, "package_version"):
        form.package_version.data = str(version.number)
    return render_template(template, bid=bid, package=package, version=version, form=form,
                           closed=bid_service.deadline_passed(version))


@bp.route("/<int:bid_id>/withdraw", methods=["GET", "POST"])
def withdraw(bid_id: int):
    """Withdraw the bid, after a confirmation."""
    return _confirmed_action(
        bid_id, "bids/withdraw.html",
        lambda session, bid, form: bid_service.withdraw_bid(session, bid, current_user),
        "Your bid is withdrawn. You may bid again until the deadline.")


@bp.route("/<int:bid_id>/reconfirm", methods=["GET", "POST"])
def reconfirm(bid_id: int):
    """Re-confirm a bid made before an addendum, after a confirmation."""
    return _confirmed_action(
        bid_id, "bids/reconfirm.html",
        lambda session, bid, form: bid_service.reconfirm_bid(
            session, bid, current_user, answering=answering(form.package_version)),
        "Your bid is re-confirmed against the latest version of the package.", ReconfirmForm)


@bp.route("/receipts/<int:version_id>")
def receipt(version_id: int):
    """A submission's receipt: the SHA-256 of the canonical bid JSON and the time it was sealed
    (its vendor's; an admin's only once the bids are opened)."""
    row = load_or_404(BidVersion, version_id)
    session = db()
    bid = session.get(Bid, row.bid_id)
    package = session.get(BidPackage, bid.package_id)
    return render_template("bids/receipt.html", row=row, bid=bid, package=package,
                           answered=session.get(PackageVersion, row.package_version_id))

