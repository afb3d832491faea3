"""Notifications: each user's in-app list and settings, the admins' outbox, and the hooks that
put the unread count in the navigation and hand committed emails to the job queue."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from consortium.models import Notification, OutboxMessage, User
from consortium.models.status import OutboxStatus
from consortium.policy import ADMIN, SIGNED_IN
from consortium.services import notifications as svc
from consortium.services.mailer import NO_SMTP
from consortium.web.access import db, guard, load_or_404
from consortium.web.forms.account import CsrfOnlyForm
from consortium.web.pagination import paginate

bp = Blueprint("notifications", __name__)
guard(bp, SIGNED_IN, outbox=ADMIN, outbox_message=ADMIN)

OUTBOX_STATUSES = {OutboxStatus.QUEUED: "Queued", OutboxStatus.SENDING: "Sending",
                   OutboxStatus.SENT: "Sent", OutboxStatus.FAILED: "Failed",
                   OutboxStatus.UNSENT: "Not sent: no SMTP configured"}


@bp.app_context_processor
def _unread():
    """The unread count for the navigation: one COUNT query, only for signed-in pages."""
    def unread_notifications() -> int:
        if "unread_notifications" not in g:
            g.unread_notifications = (svc.unread_count(db(), current_user)
                                      if current_user.is_authenticated else 0)
        return g.unread_notifications
    return {"unread_notifications": unread_notifications}


@bp.after_app_request
def _enqueue_emails(response):
    """Emails written by this request's committed transaction go to the job queue now."""
    session = g.get("db_session")
    if session is not None:
        jobs = current_app.extensions.get("consortium.jobs")
        for message_id in svc.take_committed(session):
            jobs.enqueue_email(message_id)
    return response


@bp.route("/notifications/")
def index():
    """The signed-in user's notifications, newest first, unread marked."""
    page = paginate(db(), svc.list_query(current_user), per_page=25)
    return render_template("notifications/index.html", page=page, form=CsrfOnlyForm())


def _back() -> str:
    page = request.args.get("page", "")
    return url_for("notifications.index", **({"page": page} if page.isdigit() else {}))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
def mark_read(notification_id: int):
    """Mark one of your notifications read; `?open=1` then follows its link."""
    notification = load_or_404(Notification, notification_id, change=True)
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    svc.mark_read(db(), notification)
    if request.args.get("open") and notification.link.startswith("/") \
            and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect(_back())


@bp.route("/notifications/read-all", methods=["POST"])
def mark_all_read():
    """Mark all of your notifications read."""
    if not CsrfOnlyForm().validate_on_submit():
        abort(400)
    count = svc.mark_all_read(db(), current_user)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} read.", "success")
    return redirect(_back())


@bp.route("/notifications/settings", methods=["GET", "POST"])
def preferences():
    """Turn each kind of notification on or off (security messages always arrive)."""
    session = db()
    kinds = svc.kinds_for(current_user)
    form = CsrfOnlyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        chosen = request.form.getlist("kind")
        unknown = [k for k in chosen if k not in kinds]
        if unknown:
            flash(f"Unknown kind of notification: {unknown[0]}. Nothing was changed.", "error")
            return render_template("notifications/preferences.html", form=form, kinds=kinds,
                                   off=svc.disabled_kinds(session, current_user)), 400
        svc.set_enabled_kinds(session, current_user, chosen)
        flash("Your notification settings are saved.", "success")
        return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds,
                           off=svc.disabled_kinds(session, current_user))


@bp.route("/admin/outbox")
def outbox():
    """Every email the app wrote, newest first, with its delivery status."""
    query = select(OutboxMessage)
    status = request.args.get("status", "")
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    query = query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = paginate(db(), query)
    smtp = bool(current_app.extensions["consortium.settings"].smtp_url)
    return render_template("notifications/outbox.html", page=page, statuses=OUTBOX_STATUSES,
                           smtp=smtp, no_smtp=NO_SMTP)


@bp.route("/admin/outbox/<int:message_id>")
def outbox_message(message_id: int):
    """One email as it was (or will be) sent."""
    message = load_or_404(OutboxMessage, message_id)
    settings = current_app.extensions["consortium.settings"]
    recipient = db().get(User, message.user_id) if message.user_id else None
    return render_template("notifications/outbox_message.html", message=message,
                           statuses=OUTBOX_STATUSES, settings=settings, recipient=recipient)
