"""Admin: rounds (create, edit, open, close), the demand overview and the problem file."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam
from sqlmodel import select

from consortium.db import plain_rows, utcnow
from consortium.models import AuditEntry, DemandLine, Member, Product, Round
from consortium.models.status import RoundStatus
from consortium.services import exports
from consortium.services import rounds as svc
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict, ServiceError
from consortium.services.problem import build_problem, problem_json
from consortium.web.access import db, load_or_404
from consortium.web.downloads import csv_download
from consortium.web.filters import money, number, when
from consortium.web.forms.admin import ConfirmForm, RoundForm
from consortium.web.pagination import (
    DEFAULT_PER_PAGE,
    Page,
    paginate,
    request_args,
    sorted_query,
)
from consortium.web.views.admin import bp, show_conflict, show_field_errors

# Links other areas add to a round's hub page; each shows only once its view exists.
ROUND_LINKS = [
    ("runs.round_runs", "Optimizer runs"),
    ("packages.round_packages", "Bid packages"),
    ("awards.round_award", "Award"),
]


@bp.route("/rounds")
def rounds():
    """Every round with its status, deadline and demand counts (newest deadline first)."""
    summaries = svc.list_rounds_with_counts(db())
    try:
        number = max(1, int(request.args.get("page", 1)))
    except ValueError:
        number = 1
    page = Page(items=[], number=number, per_page=DEFAULT_PER_PAGE, total=len(summaries),
                args=request_args())
    page.number = min(number, page.pages)
    start = (page.number - 1) * page.per_page
    page.items = summaries[start:start + page.per_page]
    return render_template("admin/rounds.html", summaries=page.items, page=page)


def _round_data(form: RoundForm, round_: Round | None = None) -> dict:
    deadline = form.deadline_utc()
    if round_ is not None and deadline == round_.deadline.replace(second=0, microsecond=0):
        deadline = round_.deadline  # the form shows minutes: an untouched deadline stays exact
    return {"name": form.name.data.strip(), "slug": (form.slug.data or "").strip(),
            "description": form.description.data or "", "periods": form.parsed_periods,
            "deadline": deadline}


@bp.route("/rounds/new", methods=["GET", "POST"])
def round_new():
    """Create a draft round: name, delivery quarters (or a list) and the demand deadline."""
    status = 200
    form = RoundForm()
    if request.method == "GET":  # sensible defaults: the next four quarters, a month to answer
        today = utcnow()
        next_q = (today.month - 1) // 3 + 1
        year, next_q = (today.year + 1, 1) if next_q == 4 else (today.year, next_q + 1)
        form.first_quarter.data = f"{year}Q{next_q}"
        form.quarter_count.data = 4
        form.deadline.data = (today + timedelta(days=30)).replace(
            hour=17, minute=0, second=0, microsecond=0, tzinfo=None)
    if form.validate_on_submit():
        try:
            round_ = svc.create_round(db(), actor=current_user, **_round_data(form))
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Created {round_.name} as a draft. Open it when members may enter demand.",
                  "success")
            return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_template("admin/round_form.html", form=form, round=None, locked=False), status


@bp.route("/rounds/<int:round_id>")
def round_detail(round_id: int):
    """A round's hub: status, periods, deadline, demand counts and every action on it."""
    round_ = load_or_404(Round, round_id)
    links = [(label, url) for endpoint, label in ROUND_LINKS
             if (url := _link(endpoint, round_id=round_.id))]
    early = round_.deadline - utcnow() if round_.status == RoundStatus.OPEN else None
    return render_template("admin/round_detail.html", round=round_,
                           summary=svc.round_summary(db(), round_), links=links,
                           confirm=ConfirmForm(),
                           early=early if early is not None and early.total_seconds() > 0 else None)


def _link(endpoint: str, **values):
    from consortium.web.nav import link
    return link(endpoint, **values)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def round_edit(round_id: int):
    """Edit a round; its periods are locked once it has demand."""
    status = 200
    session = db()
    round_ = load_or_404(Round, round_id)
    locked = svc.line_count(session, round_) > 0
    form = RoundForm(obj=round_ if request.method == "GET" else None)
    newer = None
    if request.method == "GET":
        form.periods.data = "\n".join(round_.periods)
        form.deadline.data = round_.deadline.replace(tzinfo=None)
        form.version.data = svc.round_version(round_)
    elif form.validate_on_submit():
        try:
            svc.update_round(session, round_, data=_round_data(form, round_), actor=current_user,
                             version=form.version.data)
        except Conflict as exc:
            status = 409  # a refusal: the request rolls back
            newer = show_conflict(form, exc, svc.round_version(round_))
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Saved {round_.name}.", "success")
            return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_template("admin/round_form.html", form=form, round=round_, locked=locked,
                           newer=newer), status


def _transition(round_id: int, action, done: str):
    round_ = load_or_404(Round, round_id)
    if ConfirmForm().validate_on_submit():
        try:
            action(db(), round_, actor=current_user)
        except ServiceError as exc:
            flash(str(exc), "error")
        else:
            flash(done.format(name=round_.name), "success")
    return redirect(url_for("admin.round_detail", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/open", methods=["POST"])
def round_open(round_id: int):
    """Open a draft round: fleet managers can enter demand until the deadline."""
    return _transition(round_id, svc.open_round,
                       "{name} is open: fleet managers can now enter demand.")


@bp.route("/rounds/<int:round_id>/close", methods=["POST"])
def round_close(round_id: int):
    """Close an open round: demand is frozen and the optimizer can run."""
    return _transition(round_id, svc.close_round,
                       "{name} is closed: demand is frozen, the optimizer can run on it.")


def _filters(round_: Round) -> svc.DemandFilters:
    def as_int(name):
        value = request.args.get(name, "")
        return int(value) if value.isdigit() else None
    period = request.args.get("period", "")
    return svc.DemandFilters(member_id=as_int("member"), product_id=as_int("product"),
                             period=period if period in round_.periods else None)


OVERVIEW_COLUMNS = (DemandLine.ref, DemandLine.quantity, DemandLine.earliest, DemandLine.latest,
                    DemandLine.options, DemandLine.splittable, DemandLine.max_unit_price,
                    DemandLine.updated_at, DemandLine.version, Member.name.label("member"),
                    Product.code.label("product"))


# The overview's filter lists and recent changes: built once, the round's id bound per request
# (building these statements cost more than running them).
_MEMBERS_IN_ROUND = (
    select(Member.id, Member.name)
    .where(Member.id.in_(select(DemandLine.member_id)
                         .where(DemandLine.round_id == bindparam("round_id"))))
    .order_by(Member.name))
_PRODUCTS_IN_ROUND = (
    select(Product.id, Product.code, Product.name)
    .where(Product.id.in_(select(DemandLine.product_id)
                          .where(DemandLine.round_id == bindparam("round_id"))))
    .order_by(Product.code))
_RECENT_CHANGES = (
    select(AuditEntry.at, AuditEntry.user_email, AuditEntry.action, AuditEntry.summary)
    .where(AuditEntry.round_id == bindparam("round_id"))
    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(10))


@bp.route("/rounds/<int:round_id>/demand")
def round_demand(round_id: int):
    """Every demand line of the round, filterable by member, product and period, with totals."""
    session = db()
    round_ = load_or_404(Round, round_id)
    filters = _filters(round_)
    # Plain rows of the columns shown, not ORM objects: this page lists up to 50 lines per view.
    lines, params = svc.bound_lines_query(round_, filters, "overview", OVERVIEW_COLUMNS)
    query = sorted_query(lines,
                         {"ref": DemandLine.ref, "member": Member.name, "product": Product.code,
                          "quantity": DemandLine.quantity, "earliest": DemandLine.earliest,
                          "updated": DemandLine.updated_at}, "ref")
    totals = svc.round_totals(session, round_, filters)
    in_round = {"round_id": round_.id}
    members = plain_rows(session, _MEMBERS_IN_ROUND, in_round).all()
    products = plain_rows(session, _PRODUCTS_IN_ROUND, in_round).all()
    # The totals counted the same lines.
    page = paginate(session, query, total=totals.lines, plain=True, params=params)
    page.args = {**page.args, "round_id": round_.id}  # so pager and sort links keep the round
    changes = plain_rows(session, _RECENT_CHANGES, in_round).all()
    return render_template("admin/round_demand.html", round=round_, page=page,
                           rows=overview_rows(page.items), totals=totals, filters=filters,
                           members=members, products=products, changes=changes)


class OverviewRow(NamedTuple):
    """One row of the demand overview's lines table, every cell as the page shows it."""

    ref: str
    member: str
    product: str
    quantity: str
    window: str
    options: str
    splittable: str
    max_unit_price: str
    updated: str


def overview_rows(items) -> list[OverviewRow]:
    """The table's rows, formatted in one pass (the template only writes them out)."""
    return [OverviewRow(
        line.ref, line.member, line.product, number(line.quantity),
        line.earliest if line.latest == line.earliest else f"{line.earliest}–{line.latest}",
        ", ".join(f"{k}={v}" for k, v in (line.options or {}).items()),
        "yes" if line.splittable else "no", money(line.max_unit_price),
        f"{when(line.updated_at)} · v{line.version}") for line in items]


@bp.route("/rounds/<int:round_id>/demand.csv")
def round_demand_csv(round_id: int):
    """The demand overview's lines, with its current filters, as CSV with a totals row."""
    round_ = load_or_404(Round, round_id)
    return csv_download(exports.demand_overview_csv(db(), round_, _filters(round_)),
                        f"{round_.slug}-demand.csv")


@bp.route("/rounds/<int:round_id>/problem.json")
def round_problem(round_id: int):
    """Download the round's demand as a problem file (the optimizer's input)."""
    round_ = load_or_404(Round, round_id)
    text = problem_json(build_problem(db(), round_))
    return Response(text, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{round_.slug}-problem.json"'})
