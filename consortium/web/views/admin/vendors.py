"""Admin: vendors, and the approval of vendors' own registrations."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from consortium.models import VENDOR_STATUSES, User, Vendor
from consortium.models.status import VendorStatus
from consortium.services import vendors as svc
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict, ServiceError
from consortium.web.access import db, load_or_404
from consortium.web.forms.admin import ConfirmForm, VendorForm
from consortium.web.pagination import paginate, sorted_query
from consortium.web.views.admin import bp, show_conflict, show_field_errors


@bp.route("/vendors")
def vendors():
    """Every vendor with its status and users; `?status=pending` lists registrations to decide."""
    users = (select(User.vendor_id, func.count().label("n")).where(User.vendor_id.is_not(None))
             .group_by(User.vendor_id).subquery())
    query = select(Vendor, func.coalesce(users.c.n, 0)).outerjoin(users, users.c.vendor_id == Vendor.id)
    status = request.args.get("status", "")
    if status in VENDOR_STATUSES:
        query = query.where(Vendor.status == status)
    if q := request.args.get("q", "").strip():
        query = query.where(Vendor.name.ilike(f"%{q}%"))
    query = sorted_query(query, {"name": Vendor.name, "status": Vendor.status,
                                 "registered": Vendor.created_at}, "name")
    pending = db().exec(select(func.count()).select_from(Vendor)
                        .where(Vendor.status == VendorStatus.PENDING)).one()
    return render_template("admin/vendors.html", page=paginate(db(), query), status=status, q=q,
                           statuses=VENDOR_STATUSES, pending=pending, confirm=ConfirmForm())


def _vendor_data(form: VendorForm) -> dict:
    return {name: (getattr(form, name).data or "").strip()
            for name in ("name", "contact_name", "contact_email", "phone", "website", "address")}


@bp.route("/vendors/new", methods=["GET", "POST"])
def vendor_new():
    """Add a vendor the consortium already works with (approved at once)."""
    status = 200
    form = VendorForm()
    if form.validate_on_submit():
        try:
            vendor = svc.create_vendor(db(), data=_vendor_data(form), actor=current_user)
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Added vendor {vendor.name} (approved).", "success")
            return redirect(url_for("admin.vendors"))
    return render_template("admin/vendor_form.html", form=form, vendor=None), status


@bp.route("/vendors/<int:vendor_id>", methods=["GET", "POST"])
def vendor_edit(vendor_id: int):
    """Edit a vendor's details; approve or reject it from here too."""
    status = 200
    session = db()
    vendor = load_or_404(Vendor, vendor_id)
    form = VendorForm(obj=vendor if request.method == "GET" else None)
    newer = None
    if request.method == "GET":
        form.version.data = svc.vendor_version(vendor)
    elif form.validate_on_submit():
        try:
            svc.update_vendor(session, vendor, data=_vendor_data(form), actor=current_user,
                              version=form.version.data)
        except Conflict as exc:
            status = 409  # a refusal: the request rolls back
            newer = show_conflict(form, exc, svc.vendor_version(vendor))
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Saved {vendor.name}.", "success")
            return redirect(url_for("admin.vendor_edit", vendor_id=vendor.id))
    users = session.exec(select(User).where(User.vendor_id == vendor.id).order_by(User.email)).all()
    return render_template("admin/vendor_form.html", form=form, vendor=vendor, newer=newer,
                           users=users, confirm=ConfirmForm()), status


def _decide(vendor_id: int, action) -> object:
    vendor = load_or_404(Vendor, vendor_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(db(), vendor, actor=current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(f"{vendor.name} is now {vendor.status}.", "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/")
                    else url_for("admin.vendor_edit", vendor_id=vendor.id))


@bp.route("/vendors/<int:vendor_id>/approve", methods=["POST"])
def vendor_approve(vendor_id: int):
    """Approve a vendor's registration."""
    return _decide(vendor_id, svc.approve_vendor)


@bp.route("/vendors/<int:vendor_id>/reject", methods=["POST"])
def vendor_reject(vendor_id: int):
    """Reject a vendor's registration (confirmed in the page)."""
    return _decide(vendor_id, svc.reject_vendor)
