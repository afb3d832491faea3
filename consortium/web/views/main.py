"""The home page: what the signed-in person can do next, by role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from consortium import policy
from consortium.models import BidPackage, DemandLine, Member, Product, Round, Run, User, Vendor
from consortium.models.status import RoundStatus, VendorStatus
from consortium.services import questions
from consortium.web.access import db, guard

bp = Blueprint("main", __name__)
guard(bp, policy.PUBLIC)  # the home page sends visitors to sign in itself, without a message

HOME_QUESTIONS = 10  # unanswered questions listed on the admin's home page (the rest: a link)


def _count(model, *where) -> int:
    return db().exec(select(func.count()).select_from(model).where(*where)).one()


@bp.route("/")
def home():
    """Each role's starting page; visitors are sent to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    session = db()
    rounds = session.exec(select(Round).order_by(Round.deadline.desc())).all()
    if current_user.is_admin:
        stats = {
            "members": _count(Member, Member.active.is_(True)),
            "products": _count(Product, Product.active.is_(True)),
            "vendors": _count(Vendor),
            "pending_vendors": _count(Vendor, Vendor.status == VendorStatus.PENDING),
            "users": _count(User),
            "runs": _count(Run),
        }
        lines = dict(session.exec(select(DemandLine.round_id, func.count())
                                  .group_by(DemandLine.round_id)).all())
        waiting = session.exec(questions.unanswered_query().limit(HOME_QUESTIONS)).all()
        packages = {p.id: p for p in session.exec(select(BidPackage).where(
            BidPackage.id.in_({q.package_id for q in waiting}))).all()} if waiting else {}
        return render_template("main/home_admin.html", rounds=rounds, stats=stats, lines=lines,
                               unanswered=waiting, packages=packages,
                               unanswered_count=questions.unanswered_count(session))
    if current_user.is_fleet_manager:
        member = session.get(Member, current_user.member_id)
        visible = [r for r in rounds if r.status != RoundStatus.DRAFT]
        lines = dict(session.exec(
            select(DemandLine.round_id, func.count())
            .where(policy.visible(current_user, DemandLine))
            .group_by(DemandLine.round_id)).all())
        return render_template("main/home_fleet.html", member=member, rounds=visible, lines=lines)
    vendor = session.get(Vendor, current_user.vendor_id)
    return render_template("main/home_vendor.html", vendor=vendor)
