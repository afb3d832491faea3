"""CSV routes of the demand blueprint: template and export downloads, upload, preview, confirm.

An upload is kept between the preview and the confirmation (services.csv_uploads), so no row data
travels back from the browser; the confirmation checks the whole file again before importing it in
one transaction.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from consortium.db import after_commit
from consortium.models import Member, Round
from consortium.services import csv_import, demand
from consortium.services.csv_uploads import UploadNotFound, UploadStore
from consortium.services.errors import NotAllowed, ServiceError
from consortium.web.access import db, load_or_404
from consortium.web.errors import render_error
from consortium.web.filters import plural
from consortium.web.forms.demand import CsvConfirmForm, CsvUploadForm
from consortium.web.views.demand import bp

PREVIEW_PER_PAGE = 100


def _uploads() -> UploadStore:
    return UploadStore(Path(current_app.instance_path) / "uploads")


def _load(round_: Round, token: str, note: str = ".json") -> tuple[dict, bytes]:
    """The kept upload if it is the current user's, for this round, and not expired; else 404."""
    try:
        return _uploads().load(token, user_id=current_user.id, member_id=current_user.member_id,
                               round_id=round_.id, note=note)
    except UploadNotFound:
        abort(404)


def _csv_response(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def import_message(result: csv_import.ImportResult, filename: str) -> str:
    """"Imported 3 lines (35 units) from a.csv; updated 1 line; skipped 2 likely duplicates."."""
    if result.updated and not result.added:
        parts = [f"Updated {plural(result.updated, 'line')} from {filename}"]
    else:
        parts = [f"Imported {plural(result.added, 'line')} ({plural(result.units, 'unit')}) "
                 f"from {filename}"]
        if result.updated:
            parts.append(f"updated {plural(result.updated, 'line')}")
    if result.skipped:
        parts.append(f"skipped {plural(result.skipped, 'likely duplicate')}")
    return "; ".join(parts) + "."


def _max_bytes() -> int:
    return current_app.extensions["consortium.settings"].max_csv_bytes


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """A request over the server's size limit (raised before any view runs): back to the upload
    page with the limit stated, or an error page saying it for any other address."""
    message = (f"The file is larger than the limit of {csv_import.human_size(_max_bytes())}. "
               "Split it into smaller files and upload each.")
    round_id = (request.view_args or {}).get("round_id")
    if request.endpoint == "demand.csv_upload" and round_id is not None:
        flash(message, "error")
        return redirect(url_for("demand.csv_upload", round_id=round_id))
    return render_error(413, message)


@bp.route("/rounds/<int:round_id>/template.csv")
def csv_template(round_id):
    """A CSV template: the header and two example rows from the catalog and the round's periods."""
    round_ = load_or_404(Round, round_id)
    if not demand.is_editable(round_):
        flash("This round no longer takes changes, so it has no CSV template.", "warning")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    return _csv_response(csv_import.template_csv(db(), round_), f"{round_.slug}-template.csv")


@bp.route("/rounds/<int:round_id>/lines.csv")
def csv_export(round_id):
    """The member's own lines of the round, in the import format."""
    round_ = load_or_404(Round, round_id)
    member = db().get(Member, current_user.member_id)
    slug = re.sub(r"[^a-z0-9]+", "-", member.name.lower()).strip("-")
    return _csv_response(csv_import.export_csv(db(), round_, member.id),
                         f"{round_.slug}-{slug}-lines.csv")


def _upload_page(round_, form, message=None, status=200):
    return render_template("demand/csv_upload.html", round=round_, form=form, message=message,
                           max_size=csv_import.human_size(_max_bytes()),
                           max_rows=csv_import.MAX_ROWS,
                           columns=csv_import.COLUMNS, required=csv_import.REQUIRED,
                           products=csv_import.active_products(db()),
                           editable=demand.is_editable(round_)), status


@bp.route("/rounds/<int:round_id>/upload", methods=["GET", "POST"])
def csv_upload(round_id):
    """Upload a CSV file: it is checked whole and shown as a preview; nothing is saved yet."""
    round_ = load_or_404(Round, round_id)
    form = CsvUploadForm()
    if not form.validate_on_submit():
        return _upload_page(round_, form)
    try:
        demand.ensure_editable(round_, actor=current_user)
    except NotAllowed as exc:
        flash(str(exc), "error")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _upload_page(round_, form, "Choose a CSV file to upload.", 422)
    data = upload.read()  # bounded by MAX_CONTENT_LENGTH
    try:
        csv_import.check_upload(db(), round_, data, _max_bytes(), current_user.member_id)
    except csv_import.CsvFileError as exc:
        return _upload_page(round_, form, str(exc), 422)
    token = _uploads().save(user_id=current_user.id, member_id=current_user.member_id,
                            round_id=round_.id, filename=Path(upload.filename).name[:200], data=data)
    return redirect(url_for("demand.csv_preview", round_id=round_.id, token=token))


@bp.route("/rounds/<int:round_id>/upload/<token>")
def csv_preview(round_id, token):
    """The checked file: every row with its errors (paginated); the import button when all valid."""
    round_ = load_or_404(Round, round_id)
    meta, data = _load(round_, token)
    try:
        checked = csv_import.check_upload(db(), round_, data, _max_bytes(), current_user.member_id)
    except csv_import.CsvFileError as exc:
        return _upload_page(round_, CsvUploadForm(formdata=None), str(exc), 422)
    only_errors = request.args.get("only") == "errors"
    rows = checked.invalid_rows if only_errors else checked.rows
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    number = min(max(1, request.args.get("page", 1, type=int)), pages)
    shown = rows[(number - 1) * PREVIEW_PER_PAGE:number * PREVIEW_PER_PAGE]
    form = CsvConfirmForm(formdata=None, token=token)
    return render_template("demand/csv_preview.html", round=round_, meta=meta, checked=checked,
                           shown=shown, number=number, pages=pages, only_errors=only_errors,
                           token=token, form=form, columns=csv_import.COLUMNS,
                           editable=demand.is_editable(round_)), (200 if checked.valid else 422)


@bp.route("/rounds/<int:round_id>/upload/confirm", methods=["POST"])
def csv_confirm(round_id):
    """Import a previewed file: checked again in full, then all lines saved at once, or none."""
    round_ = load_or_404(Round, round_id)
    form = CsvConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data
    if not UploadStore.valid_token(token):
        abort(404)
    try:
        include = frozenset(int(n) for n in request.form.getlist("include"))
    except ValueError:
        abort(400)
    uploads = _uploads()
    if not uploads.claim(token):  # a second click, or an expired or unknown token
        flash("This file was already imported (or its preview expired); see the lines below.",
              "info")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    try:
        meta, data = _load(round_, token, ".claimed")
    except HTTPException:
        uploads.release(token)  # not this user's upload: leave it to its owner
        raise
    try:
        checked = csv_import.check_upload(db(), round_, data, _max_bytes(), current_user.member_id)
        result = csv_import.import_upload(
            db(), round_=round_, member=db().get(Member, current_user.member_id),
            actor=current_user, checked=checked, filename=meta.get("filename", ""), data=data,
            include=include, include_all=bool(form.include_all.data))
    except NotAllowed as exc:
        uploads.release(token)
        flash(str(exc), "error")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    except ServiceError as exc:  # includes CsvFileError; nothing was written (validated first)
        uploads.release(token)
        flash(f"{exc} Nothing was imported; see the errors below.", "error")
        return redirect(url_for("demand.csv_preview", round_id=round_.id, token=token))
    except BaseException:
        uploads.release(token)
        raise
    after_commit(db(), lambda: uploads.discard(token))  # the lines are saved: the file goes
    flash(import_message(result, meta.get("filename") or "the file"), "success")
    return redirect(url_for("demand.round_lines", round_id=round_.id))
