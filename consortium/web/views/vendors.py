"""The vendor portal: sign-up, the published packages, a package's page, logged downloads."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from sqlmodel import select

from consortium.models import BidPackage, PackageFile, PackageVersion, Round
from consortium.policy import APPROVED_VENDOR, PUBLIC, approved_vendor
from consortium.services import publishing, questions, vendor_portal
from consortium.services.errors import ServiceError
from consortium.web.access import db, guard, load_or_404
from consortium.web.errors import render_error
from consortium.web.forms.vendors import QuestionForm, RegisterForm

bp = Blueprint("vendors", __name__, url_prefix="/vendors")
guard(bp, APPROVED_VENDOR, register=PUBLIC)  # a pending vendor is told why on a 403 page


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Public sign-up for vendors: creates a pending company and its first user."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            vendor = vendor_portal.register_vendor(
                db(), company=form.company.data, contact_name=form.contact_name.data,
                email=form.email.data, password=form.password.data, phone=form.phone.data or "",
                website=form.website.data or "", client=request.remote_addr or "unknown",
                per_hour=current_app.extensions["consortium.settings"].vendor_signups_per_hour)
        except vendor_portal.SignupThrottled as exc:
            flash(str(exc), "error")
            status = 429
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 409
        else:
            flash(f"Thank you: {vendor.name} is registered. A consortium admin will review it; you "
                  "can sign in now and will see the bid packages once it is approved.", "success")
            return redirect(url_for("auth.login"))
    elif form.errors:
        status = 422
    return render_template("vendors/register.html", form=form), status


@bp.route("/packages")
def packages():
    """Published packages: open ones (bid deadline ahead) first, closed ones below."""
    session = db()
    listings = vendor_portal.published_packages(session)
    rounds = {r.id: r for r in session.exec(select(Round)).all()}
    return render_template("vendors/packages.html", rounds=rounds,
                           open_packages=[x for x in listings if x.is_open],
                           closed_packages=[x for x in listings if not x.is_open])


@bp.route("/packages/<int:package_id>")
def package(package_id: int):
    """A package's lots, quantities, delivery schedule, documents, versions, and its questions and
    answers."""
    return _package_page(load_or_404(BidPackage, package_id), QuestionForm(formdata=None))


def _package_page(package: BidPackage, form: QuestionForm, status: int = 200):
    session = db()
    vendor = approved_vendor(session, current_user)
    page = vendor_portal.package_page(session, package, vendor.id)
    return render_template(
        "vendors/package.html", package=package, **vars(page),
        answered=questions.published(session, package),
        own_questions=questions.of_vendor(session, vendor.id, package),
        questions_open=questions.questions_open(page.latest), form=form), status


@bp.route("/packages/<int:package_id>/questions", methods=["POST"])
def ask(package_id: int):
    """Ask a question on a package before its questions deadline (the request commits it)."""
    package = load_or_404(BidPackage, package_id)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.ask(db(), current_user, package, form.text.data)
        except ServiceError as exc:
            flash(str(exc), "error")
            return _package_page(package, form, 422)
        flash("Your question was sent to the consortium. Its answer will be published to every "
              "vendor, without your company's name.", "success")
        return redirect(url_for("vendors.package", package_id=package.id) + "#questions")
    return _package_page(package, form, 422)


@bp.route("/files/<int:file_id>")
def download(file_id: int):
    """Serve one file of a published version to an approved vendor, and log the download."""
    file = load_or_404(PackageFile, file_id)
    session = db()
    version = session.get(PackageVersion, file.version_id)
    if version is None:
        abort(404)
    try:
        publishing.record_download(session, current_user, file)
    except ServiceError as exc:
        return render_error(403, str(exc))
    package = session.get(BidPackage, version.package_id)
    filename = f"{package.reference}-v{version.number}-{file.name}"
    return Response(file.content, mimetype=file.media_type.split(";")[0],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-SHA256": file.sha256, "Cache-Control": "no-store"})
