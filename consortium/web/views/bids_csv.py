"""Bidding by the package's own price form: upload it filled in, see every row checked, and, when
the whole file is valid, get the bid form filled with its prices to add capacity, discounts and
the validity date before sealing. Nothing is stored from the file itself: all or nothing."""

from __future__ import annotations

from flask import current_app, flash
from flask_login import current_user

from consortium.models import BidPackage
from consortium.services import bid_csv, bids as bid_service
from consortium.services.csv_import import human_size
from consortium.web.access import db, load_or_404
from consortium.web.forms.bids import PriceFormUploadForm
from consortium.web.views.bids import bp, form_for, render_form, vendor


@bp.route("/packages/<int:package_id>/csv", methods=["POST"])
def price_form_upload(package_id: int):
    """Check an uploaded price form; when valid, show the bid form filled with its prices."""
    package = load_or_404(BidPackage, package_id)
    session = db()
    version = bid_service.latest(session, package)
    bid = bid_service.find_bid(session, package, vendor().id)
    form, lots = form_for(package, version, formdata=None)
    upload = PriceFormUploadForm()
    if not upload.validate_on_submit():
        flash(" ".join(e for errors in upload.errors.values() for e in errors), "error")
        return render_form(package, version, form, lots, bid, 422)
    limit = current_app.extensions["consortium.settings"].max_csv_bytes
    data = upload.file.data.read(limit + 1)
    if len(data) > limit:
        flash(f"The file is larger than the limit of {human_size(limit)}.", "error")
        return render_form(package, version, form, lots, bid, 413)
    checked = bid_csv.check_price_form(data, lots)
    if not checked.valid:
        flash("The price form has errors, so none of its prices were used. Correct the file and "
              "upload it again.", "error")
        return render_form(package, version, form, lots, bid, 422, preview=checked)
    prices = dict(checked.prices())
    if bid is not None and bid.status in bid_service.LIVE:
        form.fill(bid_service.own_contents(session, bid, current_user,
                                           sealer=current_app.extensions["consortium.sealer"]))
    for lot, field in form.price_fields():
        field.data = f"{prices[lot]:.2f}" if lot in prices else ""
    flash(f"All {len(checked.rows)} rows are valid: {len(prices)} lot(s) priced. Check the form "
          "below, add capacity, discounts and the validity date, then seal the bid. Nothing is "
          "saved until you do.", "success")
    return render_form(package, version, form, lots, bid, preview=checked)
