"""Fleet managers' demand pages: the dashboard of rounds, a round's lines, and adding, editing
and deleting a line with the indicative price. The CSV routes are in demand_csv.py (same blueprint,
registered by importing that module: see web/blueprints.py).

Every route that takes an id loads it with `load_or_404`; the demand service checks again that
the line is the member's own and that the round still takes changes.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2.filters import do_truncate
from sqlalchemy import func
from sqlmodel import select

from consortium.db import plain_rows
from consortium.models import DemandLine, Member, Product, Round
from consortium.models.status import RoundStatus
from consortium.policy import FLEET_MANAGER, visible
from consortium.services import demand
from consortium.services import hints as hint_service
from consortium.services.errors import Conflict, NotAllowed
from consortium.web.access import db, guard, load_or_404
from consortium.web.filters import money, number, row_url
from consortium.web.forms.demand import DeleteLineForm, LineForm, options_from
from consortium.web.pagination import paginate, sorted_query

bp = Blueprint("demand", __name__, url_prefix="/demand")
guard(bp, FLEET_MANAGER)


def member_totals(round_ids=None) -> dict[int, tuple[int, int]]:
    """{round id: (lines, units)} of the current member's lines."""
    units = func.coalesce(func.sum(DemandLine.quantity), 0)
    query = (select(DemandLine.round_id, func.count(), units)
             .where(visible(current_user, DemandLine)).group_by(DemandLine.round_id))
    if round_ids is not None:
        query = query.where(DemandLine.round_id.in_(round_ids))
    return {rid: (n, units) for rid, n, units in db().exec(query).all()}


@bp.route("/")
def dashboard():
    """Open rounds with their deadline countdown and the member's lines; closed rounds below."""
    session = db()
    open_rounds = session.exec(select(Round).where(Round.status == RoundStatus.OPEN)
                               .order_by(Round.deadline)).all()
    closed = paginate(session, sorted_query(select(Round).where(Round.status == RoundStatus.CLOSED),
                                            {"name": Round.name, "deadline": Round.deadline},
                                            "-deadline"), per_page=20)
    totals = member_totals([r.id for r in open_rounds] + [r.id for r in closed.items])
    return render_template("demand/dashboard.html", open_rounds=open_rounds, closed=closed,
                           totals=totals, member=session.get(Member, current_user.member_id),
                           editable=demand.is_editable)


LINE_SORTS = {"ref": DemandLine.ref, "product": Product.code, "quantity": DemandLine.quantity,
              "earliest": DemandLine.earliest, "latest": DemandLine.latest,
              "updated": DemandLine.updated_at}


# The columns the lines table shows: plain rows, not ORM objects, since this page is the one every
# city opens again and again in a round's last days.
LINE_COLUMNS = (DemandLine.id, DemandLine.ref, DemandLine.product_id, DemandLine.quantity,
                DemandLine.earliest, DemandLine.latest, DemandLine.options, DemandLine.splittable,
                DemandLine.max_unit_price, DemandLine.notes, DemandLine.version)


@bp.route("/rounds/<int:round_id>")
def round_lines(round_id):
    """The member's lines of a round (paginated, sortable), totals, and the CSV actions."""
    round_ = load_or_404(Round, round_id)
    session = db()
    mine = (DemandLine.round_id == round_.id, visible(current_user, DemandLine))
    # One query for the totals per product, with the products' names; the pager's count is their sum.
    by_product = plain_rows(session, (
        select(Product.id, Product.code, Product.name, func.count(), func.sum(DemandLine.quantity))
        .join(DemandLine, DemandLine.product_id == Product.id).where(*mine)
        .group_by(Product.id, Product.code, Product.name).order_by(Product.id))).all()
    products = {p.id: p for p in by_product}
    query = select(*LINE_COLUMNS).join(Product, Product.id == DemandLine.product_id).where(*mine)
    page = paginate(session, sorted_query(query, LINE_SORTS, "ref"),
                    total=sum(n for *_, n, _units in by_product), plain=True)
    page.args["round_id"] = round_.id  # the pager and sort links rebuild this URL
    job = hint_service.visible_job(session, round_)
    member = session.get(Member, current_user.member_id) if job else None
    hints = hint_service.member_hints(job.result, member.name) if member else {}
    return render_template("demand/round_lines.html", round=round_, page=page, products=products,
                           hint_job=job, hints=hints,
                           by_product=[(pid, n, units) for pid, _code, _name, n, units in by_product],
                           rows=line_rows(page.items, products),
                           editable=demand.is_editable(round_))


class LineRow(NamedTuple):
    """One row of the lines table, every cell as the page shows it."""

    id: int
    ref: str
    product_code: str
    product_name: str
    quantity: str
    window: str
    splittable: bool
    options: str
    max_unit_price: str
    notes: str
    version: int
    edit_url: str
    delete_url: str


def line_rows(items, products: dict) -> list[LineRow]:
    """The table's rows, formatted here in one pass: with the values and URLs ready, the
    template does for each row no more than write them out (50 rows per page)."""
    edit_url = row_url("demand.line_edit", "line_id")
    delete_url = row_url("demand.line_delete", "line_id")
    env = current_app.jinja_env
    rows = []
    for line in items:
        product = products[line.product_id]
        rows.append(LineRow(
            line.id, line.ref, product.code, product.name, number(line.quantity),
            line.earliest if line.latest == line.earliest else f"{line.earliest}–{line.latest}",
            bool(line.splittable), demand.format_options(line.options or {}) or "—",
            money(line.max_unit_price), do_truncate(env, line.notes or "", 40), line.version,
            edit_url(line.id), delete_url(line.id)))
    return rows


def _catalog():
    return db().exec(select(Product).where(Product.active.is_(True)).order_by(Product.code)).all()


def _product(code: str | None) -> Product | None:
    return demand.load_catalog(db()).get((code or "").strip().casefold())


def _indicative(round_: Round, product: Product | None, quantity, options: dict,
                line_id: int | None = None):
    """The indicative price for the form's values, or None when they do not say enough yet."""
    if product is None:
        return None
    qty = str(quantity or "").strip()
    clean, _problems = demand.check_options(product, options or {})
    return demand.indicative_price(db(), round_, product, clean,
                                   min(int(qty), demand.QTY_MAX) if qty.isascii() and qty.isdigit()
                                   else 0, exclude_line_id=line_id)


def _render_form(form, round_, *, line=None, options=None, errors=None, conflict=None,
                 status=200):
    product = _product(form.product.data)
    options = options if options is not None else (line.options if line else {})
    return render_template(
        "demand/line_form.html", form=form, round=round_, line=line, catalog=_catalog(),
        editable=demand.is_editable(round_), ref_prefix=_ref_prefix(round_),
        product=product, chosen=options, errors=errors or {}, conflict=conflict,
        indicative=_indicative(round_, product, form.quantity.data, options,
                               line.id if line else None)), status


def _ref_prefix(round_: Round) -> str:
    member = db().get(Member, current_user.member_id)
    return f"{demand.member_abbreviation(member.name)}-{round_.slug}-" if member else ""


def _refused(exc: NotAllowed, round_: Round):
    flash(str(exc), "error")
    return redirect(url_for("demand.round_lines", round_id=round_.id))


def _needs_options(form) -> bool:
    """True when the product changed (no script) and its options have not been shown yet."""
    product = _product(form.product.data)
    return bool(product and product.options and form.options_for.data != product.code
                or "show_options" in request.form)


@bp.route("/rounds/<int:round_id>/lines/new", methods=["GET", "POST"])
def line_new(round_id):
    """Add a line: product, quantity, delivery window, options, price limit and notes."""
    round_ = load_or_404(Round, round_id)
    if request.method == "GET" and not demand.is_editable(round_):
        flash("This round no longer takes changes; its lines are read-only.", "error")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    form = LineForm()
    form.setup(_catalog(), round_.periods)
    if request.method == "GET":
        form.latest.data = round_.periods[-1] if round_.periods else None
    options = options_from(request.form)
    if form.validate_on_submit() and not _needs_options(form):
        try:
            line = demand.add_line(db(), round_=round_, actor=current_user, raw=form.raw(options),
                                   member=db().get(Member, current_user.member_id))
        except demand.InvalidLine as exc:
            form.show_errors(exc.errors)
            return _render_form(form, round_, options=options, errors=exc.errors, status=422)
        except NotAllowed as exc:
            return _refused(exc, round_)
        except Conflict as exc:
            flash(str(exc), "error")
            return _render_form(form, round_, options=options, status=409)
        flash(f"Line {line.ref} added: {line.quantity} units.", "success")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    return _render_form(form, round_, options=options)


@bp.route("/lines/<int:line_id>/edit", methods=["GET", "POST"])
def line_edit(line_id):
    """Edit a line; a save based on an older version is refused and shows the newer values."""
    line = load_or_404(DemandLine, line_id, change=True)
    round_ = load_or_404(Round, line.round_id)
    if request.method == "GET":
        form = LineForm(obj=line)
        form.product.data = _product_code(line)
        form.options_for.data = form.product.data
        form.max_unit_price.data = "" if line.max_unit_price is None else str(line.max_unit_price)
        form.quantity.data = str(line.quantity)
    else:
        form = LineForm()
    form.setup(_catalog(), round_.periods)
    if request.method == "GET" and not demand.is_editable(round_):
        return _render_form(form, round_, line=line)  # the template shows it read-only
    options = options_from(request.form) if request.method == "POST" else line.options
    if form.validate_on_submit() and not _needs_options(form):
        try:
            changed = demand.update_line(db(), line=line, actor=current_user,
                                         raw=form.raw(options), expected_version=_version(form))
        except demand.InvalidLine as exc:
            form.show_errors(exc.errors)
            return _render_form(form, round_, line=line, options=options, errors=exc.errors,
                                status=422)
        except NotAllowed as exc:
            return _refused(exc, round_)
        except Conflict as exc:
            flash(str(exc), "error")
            if not exc.current:
                return redirect(url_for("demand.round_lines", round_id=round_.id))
            form.version.data = str(exc.current["version"])  # saving again is a deliberate choice
            return _render_form(form, round_, line=db().get(DemandLine, line.id), options=options,
                                conflict=exc.current, status=409)
        flash(f"Line {line.ref} saved." if changed else "Nothing changed.", "success")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    return _render_form(form, round_, line=line, options=options)


def _version(form) -> int:
    """The version the person saw (a missing or garbled one never matches a real version)."""
    value = str(form.version.data or "")
    return int(value) if value.isdigit() else -1


def _product_code(line: DemandLine) -> str:
    product = db().get(Product, line.product_id)
    return product.code if product else ""


@bp.route("/lines/<int:line_id>/delete", methods=["GET", "POST"])
def line_delete(line_id):
    """Confirm (GET) and delete (POST) a line, checked against the version the person saw."""
    line = load_or_404(DemandLine, line_id, change=True)
    round_ = load_or_404(Round, line.round_id)
    form = DeleteLineForm()
    if request.method == "GET":
        form.version.data = str(line.version)
    elif form.validate_on_submit():
        ref = line.ref
        try:
            demand.delete_line(db(), line=line, actor=current_user,
                               expected_version=_version(form))
        except NotAllowed as exc:
            return _refused(exc, round_)
        except Conflict as exc:
            flash(str(exc), "error")
            if not exc.current:
                return redirect(url_for("demand.round_lines", round_id=round_.id))
            return redirect(url_for("demand.line_edit", line_id=line_id))
        flash(f"Line {ref} deleted.", "success")
        return redirect(url_for("demand.round_lines", round_id=round_.id))
    return render_template("demand/line_delete.html", form=form, line=line, round=round_,
                           product=db().get(Product, line.product_id),
                           editable=demand.is_editable(round_), ref_prefix=_ref_prefix(round_),
                           format_options=demand.format_options)


@bp.route("/rounds/<int:round_id>/indicative", methods=["POST"])
def indicative(round_id):
    """The indicative price fragment for the line form's current values (htmx, while typing)."""
    round_ = load_or_404(Round, round_id)
    line_id = request.form.get("line_id", type=int)
    if line_id is not None:
        line = load_or_404(DemandLine, line_id)
        if line.round_id != round_.id:
            abort(404)
    product = _product(request.form.get("product"))
    return render_template("demand/_indicative.html", round=round_, product=product,
                           indicative=_indicative(round_, product, request.form.get("quantity"),
                                                  options_from(request.form), line_id))


@bp.route("/rounds/<int:round_id>/options")
def line_options(round_id):
    """The chosen product's description and option fields (htmx swap when the product changes)."""
    round_ = load_or_404(Round, round_id)
    return render_template("demand/_options.html", round=round_,
                           product=_product(request.args.get("product")), chosen={}, errors={})
