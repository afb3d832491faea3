"""Sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from consortium.policy import PUBLIC, SIGNED_IN
from consortium.services import accounts
from consortium.web.access import db, guard
from consortium.web.forms.auth import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)
guard(bp, PUBLIC, logout=SIGNED_IN)


def _safe_next(target: str | None) -> str:
    """Only local paths, so a crafted link cannot send people elsewhere after sign-in."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password; repeated failures are limited per IP and per account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        settings = current_app.extensions["consortium.settings"]
        try:
            user = accounts.authenticate(
                db(), email=form.email.data, password=form.password.data,
                ip=request.remote_addr or "unknown",
                max_per_account=settings.login_max_failures_per_account,
                max_per_ip=settings.login_max_failures_per_ip,
                window_minutes=settings.login_window_minutes,
                delay_seconds=settings.login_delay_seconds)
        except accounts.TooManyAttempts as exc:
            flash(str(exc), "error")
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.email}.", "success")
            return redirect(_safe_next(request.args.get("next")))
        flash("The email or password is not right.", "error")
        status = 401
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with a CSRF token)."""
    form = LogoutForm()
    if form.validate_on_submit():
        # Ends this user's sessions everywhere, so a copied cookie is dead too.
        accounts.end_sessions(db(), current_user)
        logout_user()
        flash("You are signed out.", "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for("main.home"))
