"""Admin: members (cities, agencies) and their fleet managers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from consortium.models import Member, User
from consortium.services import members as svc
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict, ServiceError
from consortium.web.access import db, load_or_404
from consortium.web.forms.admin import ConfirmForm, FleetManagerForm, MemberForm
from consortium.web.pagination import paginate, sorted_query
from consortium.web.views.admin import bp, show_conflict, show_field_errors


@bp.route("/members")
def members():
    """Every member with its number of users; search by name, show inactive ones on request."""
    users = (select(User.member_id, func.count().label("n")).where(User.member_id.is_not(None))
             .group_by(User.member_id).subquery())
    query = select(Member, func.coalesce(users.c.n, 0)).outerjoin(users, users.c.member_id == Member.id)
    if q := request.args.get("q", "").strip():
        query = query.where(Member.name.ilike(f"%{q}%"))
    if request.args.get("show") != "all":
        query = query.where(Member.active.is_(True))
    query = sorted_query(query, {"name": Member.name, "state": Member.state,
                                 "country": Member.country, "created": Member.created_at}, "name")
    return render_template("admin/members.html", page=paginate(db(), query), q=q,
                           show=request.args.get("show", ""))


@bp.route("/members/new", methods=["GET", "POST"])
def member_new():
    """Add a member to the consortium."""
    form = MemberForm()
    if form.validate_on_submit():
        try:
            member = svc.create_member(db(), data=_member_data(form), actor=current_user)
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(f"Added {member.name}. Next: add its fleet manager below.", "success")
            return redirect(url_for("admin.member_edit", member_id=member.id))
    return render_template("admin/member_form.html", form=form, member=None), 200


def _member_data(form: MemberForm) -> dict:
    return {"name": form.name.data, "state": form.state.data or "", "country": form.country.data or "",
            "contact_email": form.contact_email.data or "",
            "delivery_address": form.delivery_address.data or ""}


@bp.route("/members/<int:member_id>", methods=["GET", "POST"])
def member_edit(member_id: int):
    """Edit a member; lists its users, with the form to add a fleet manager."""
    status = 200
    session = db()
    member = load_or_404(Member, member_id)
    form = MemberForm(obj=member if request.method == "GET" else None)
    newer = None
    if request.method == "GET":
        form.version.data = svc.member_version(member)
    elif form.validate_on_submit():
        try:
            svc.update_member(session, member, data=_member_data(form), actor=current_user,
                              version=form.version.data)
        except Conflict as exc:
            status = 409  # a refusal: the request rolls back
            newer = show_conflict(form, exc, svc.member_version(member))
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Saved {member.name}.", "success")
            return redirect(url_for("admin.member_edit", member_id=member.id))
    return render_template("admin/member_form.html", form=form, member=member, newer=newer,
                           users=svc.member_users(session, member), user_form=FleetManagerForm(),
                           confirm=ConfirmForm()), status


@bp.route("/members/<int:member_id>/deactivate", methods=["POST"])
def member_deactivate(member_id: int):
    """Deactivate a member and its fleet managers' sign-in (confirmed in the page)."""
    return _set_active(member_id, False)


@bp.route("/members/<int:member_id>/activate", methods=["POST"])
def member_activate(member_id: int):
    """Reactivate a member and its fleet managers."""
    return _set_active(member_id, True)


def _set_active(member_id: int, active: bool):
    member = load_or_404(Member, member_id)
    if ConfirmForm().validate_on_submit():
        try:
            svc.set_member_active(db(), member, active=active, actor=current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            state = ("active again" if active
                     else "deactivated; its fleet managers can no longer sign in")
            flash(f"{member.name} is {state}.", "success")
    return redirect(url_for("admin.member_edit", member_id=member.id))


@bp.route("/members/<int:member_id>/users/new", methods=["GET", "POST"])
def member_user_new(member_id: int):
    """Create a fleet manager for the member; a temporary password is shown once."""
    status = 200
    session = db()
    member = load_or_404(Member, member_id)
    form = FleetManagerForm()
    if form.validate_on_submit():
        try:
            user, password = svc.create_fleet_manager(
                session, member, email=form.email.data, name=form.name.data or "",
                password=form.password.data or None, actor=current_user)
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        except ServiceError as exc:
            status = 422  # a refusal: the request rolls back
            flash(str(exc), "error")
        else:
            if form.password.data:
                flash(f"Created fleet manager {user.email} with the password you chose.", "success")
                return redirect(url_for("admin.member_edit", member_id=member.id))
            # Shown in this response only: never stored, never put in the session cookie.
            return render_template("admin/member_user_created.html", member=member, user=user,
                                   password=password)
    return render_template("admin/member_user_form.html", form=form, member=member), status


@bp.route("/members/<int:member_id>/users/<int:user_id>/reset-password", methods=["POST"])
def member_user_reset(member_id: int, user_id: int):
    """Give a member's user a new temporary password, shown once (confirmed in the page)."""
    member = load_or_404(Member, member_id)
    user = load_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.member_edit", member_id=member.id))
    try:
        password = svc.reset_password(db(), member, user, actor=current_user)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.member_edit", member_id=member.id))
    return render_template("admin/member_user_created.html", member=member, user=user,
                           password=password, reset=True)
