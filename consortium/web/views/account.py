"""Your account: change your password, forgot password, reset by link, first-sign-in change."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from consortium.policy import PUBLIC, SIGNED_IN
from consortium.services import accounts
from consortium.services.errors import ServiceError
from consortium.web.access import db, guard
from consortium.web.forms.account import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm

bp = Blueprint("account", __name__)
guard(bp, PUBLIC, change_password=SIGNED_IN)

FORGOT_ANSWER = ("If an account uses that address, a link to reset its password is on its way. "
                 "It works once, within an hour.")
# While a temporary password must be changed, only these endpoints answer.
_ALLOWED_BEFORE_CHANGE = {"account.change_password", "auth.logout", "static"}


@bp.before_app_request
def _require_new_password():
    """A user with a temporary password from an admin must choose their own before anything else."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _ALLOWED_BEFORE_CHANGE):
        return redirect(url_for("account.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    """Change your own password (the current one is required)."""
    form = ChangePasswordForm()
    forced = current_user.must_change_password
    status = 200
    if form.validate_on_submit():
        try:
            accounts.change_password(db(), current_user, current=form.current_password.data,
                                     new=form.new_password.data)
        except ServiceError as exc:
            target = form.current_password if "current" in str(exc) else form.new_password
            target.errors = list(target.errors) + [str(exc)]
            status = 400
        else:
            # The change ended every session of the user (their session version moved on);
            # this one continues under the new version, the others stay signed out.
            login_user(current_user._get_current_object())
            flash("Your password is changed.", "success")
            return redirect(url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("account/change_password.html", form=form, forced=forced), status


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link by email; the answer is the same whether the address is known or not."""
    if current_user.is_authenticated:
        return redirect(url_for("account.change_password"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.request_password_reset(db(), email=form.email.data,
                                            ip=request.remote_addr or "unknown")
        except accounts.TooManyAttempts as exc:
            flash(str(exc), "error")
            return render_template("account/forgot_password.html", form=form), 429
        flash(FORGOT_ANSWER, "success")
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/forgot_password.html", form=form), status


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a single-use, expiring link."""
    session = db()
    if accounts.reset_token_user(session, token) is None:
        return render_template("account/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password_with_token(session, token, form.new_password.data)
        except ServiceError as exc:
            form.new_password.errors = list(form.new_password.errors) + [str(exc)]
            return render_template("account/reset_password.html", form=form), 400
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("account/reset_password.html", form=form), status
