"""Admin pages for bid packages: publish a round (preview, then confirm), versions, addenda,
and the vendors' download log. Nothing here edits or deletes a published package."""

from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from sqlmodel import select

from consortium.db import utcnow
from consortium.models import BidPackage, Download, PackageFile, Product, Round
from consortium.models.types import as_utc
from consortium.policy import ADMIN
from consortium.publish.build import PDF_NAME
from consortium.services import package_queries as queries
from consortium.services import publishing
from consortium.services.errors import ServiceError
from consortium.services.publishing_inputs import consortium_info
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.packages import AddendumForm, PublishForm, default_deadlines
from consortium.web.pagination import paginate, sorted_query

bp = Blueprint("packages", __name__, url_prefix="/admin/packages")
guard(bp, ADMIN)


def _consortium():
    """The procuring entity named by the settings."""
    return consortium_info(current_app.extensions["consortium.settings"])


@bp.route("/")
def admin_index():
    """All published packages, newest first, and the rounds with an approved plan to publish."""
    session = db()
    query = sorted_query(select(BidPackage), {"reference": BidPackage.reference,
                                              "created": BidPackage.created_at}, "-created")
    page = paginate(session, query)
    return render_template("packages/index.html", page=page,
                           latest=queries.latest_versions(session, page.items),
                           rounds=queries.rounds_of(session, page.items),
                           publishable=queries.publishable_rounds(session))


def _deadlines_from(form: PublishForm):
    return as_utc(form.bid_deadline.data), as_utc(form.questions_deadline.data)


@bp.route("/round/<int:round_id>", methods=["GET", "POST"])
def round_packages(round_id: int):
    """Publish a round: deadlines -> preview of every package -> confirm (POST with confirm=1)."""
    round_ = load_or_404(Round, round_id)
    session = db()
    packages = session.exec(select(BidPackage).where(BidPackage.round_id == round_.id)
                            .order_by(BidPackage.reference)).all()
    form = PublishForm()
    if request.method == "GET":
        form.bid_deadline.data, form.questions_deadline.data = (
            d.replace(tzinfo=None) for d in default_deadlines(utcnow()))
    built, status = None, 200
    if not packages and form.validate_on_submit():
        bid, questions = _deadlines_from(form)
        try:
            if form.confirm.data == "1":
                run = publishing.approved_run(session, round_)
                done = publishing.publish_round(session, run, current_user, bid_deadline=bid,
                                                questions_deadline=questions,
                                                consortium=_consortium())
                flash(f"Published {len(done)} bid package(s) for {round_.name}.", "success")
                return redirect(url_for("packages.admin_index"))
            built = publishing.preview(session, round_, bid_deadline=bid,
                                       questions_deadline=questions, consortium=_consortium())
        except publishing.PublishError as exc:
            flash(str(exc), "error")
            return render_template("packages/round.html", round=round_, packages=packages,
                                   form=form, built=None, errors=exc.errors), 422
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 422
    elif form.errors:
        status = 422
    return render_template("packages/round.html", round=round_, packages=packages, form=form,
                           built=built, errors=[]), status


@bp.route("/round/<int:round_id>/preview/<code>.pdf")
def preview_pdf(round_id: int, code: str):
    """The PDF a product's package would have with the given deadlines (nothing is saved)."""
    round_ = load_or_404(Round, round_id)
    form = PublishForm(request.args, meta={"csrf": False})
    if not form.validate():
        abort(400)
    bid, questions = _deadlines_from(form)
    try:
        [built] = publishing.preview(db(), round_, bid_deadline=bid, questions_deadline=questions,
                                     product_code=code, consortium=_consortium())
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("packages.round_packages", round_id=round_.id))
    return Response(built.files[PDF_NAME], mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="preview-{code}.pdf"'})


@bp.route("/<int:package_id>", methods=["GET", "POST"])
def admin_package(package_id: int):
    """A package: its versions, files with SHA-256, recent downloads, and the addendum form."""
    package = load_or_404(BidPackage, package_id)
    session = db()
    form = AddendumForm()
    status = 200
    if form.validate_on_submit():
        try:
            version = publishing.publish_addendum(
                session, package, current_user, change_note=form.change_note.data,
                bid_deadline=as_utc(form.bid_deadline.data),
                questions_deadline=as_utc(form.questions_deadline.data),
                consortium=_consortium())
        except ServiceError as exc:
            flash(str(exc), "error")
            status = 422
        else:
            flash(f"Published addendum {version.number} of {package.reference}.", "success")
            return redirect(url_for("packages.admin_package", package_id=package.id))
    elif form.errors:
        status = 422
    versions = publishing.versions(session, package)
    files = {v.id: publishing.files_of(session, v) for v in versions}
    downloads = queries.recent_downloads(session, package)
    return render_template("packages/package.html", package=package, versions=versions,
                           files=files, downloads=downloads, form=form,
                           round=session.get(Round, package.round_id),
                           product=session.get(Product, package.product_id)), status


@bp.route("/downloads")
def download_log():
    """Every vendor download, newest first (filter with ?package=ID)."""
    session = db()
    package_id = request.args.get("package", type=int)
    page = paginate(session, sorted_query(queries.downloads_query(package_id),
                                          {"at": Download.at}, "-at"))
    return render_template("packages/downloads.html", page=page,
                           downloads=queries.download_rows(session, page.items),
                           package_id=package_id)


@bp.route("/file/<int:file_id>")
def admin_file(file_id: int):
    """An admin's copy of a stored file (not logged: the log is for vendors)."""
    file = load_or_404(PackageFile, file_id)
    return Response(file.content, mimetype=file.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{file.name}"'})
