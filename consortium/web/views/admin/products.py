"""Admin: the product catalog with price tiers, options and vendor terms."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlmodel import select

from consortium.models import CATEGORIES, PriceTier, Product, Vendor, money_json
from consortium.models.status import VendorStatus
from consortium.services import catalog
from consortium.services.editing import FieldErrors
from consortium.services.errors import Conflict
from consortium.web.access import db, load_or_404
from consortium.web.forms.admin import TIER_ROWS_MIN, ProductForm, choice, format_options
from consortium.web.pagination import paginate, sorted_query
from consortium.web.views.admin import bp, show_conflict, show_field_errors


@bp.route("/products")
def products():
    """The catalog: code, name, category, tiers and terms; filter by category or search."""
    tiers = (select(PriceTier.product_id, func.count().label("n"),
                    func.max(PriceTier.unit_price).label("list_price"),
                    func.min(PriceTier.unit_price).label("best_price"))
             .group_by(PriceTier.product_id).subquery())
    query = (select(Product, tiers.c.n, tiers.c.list_price, tiers.c.best_price)
             .outerjoin(tiers, tiers.c.product_id == Product.id))
    if q := request.args.get("q", "").strip():
        query = query.where(Product.code.ilike(f"%{q}%") | Product.name.ilike(f"%{q}%"))
    if (category := request.args.get("category", "")) in CATEGORIES:
        query = query.where(Product.category == category)
    query = sorted_query(query, {"code": Product.code, "name": Product.name,
                                 "category": Product.category, "updated": Product.updated_at}, "code")
    page = paginate(db(), query)
    # The aggregated prices come back as raw cents from the subquery: convert for display.
    page.items = [(p, n or 0, _cents(lp), _cents(bp_)) for p, n, lp, bp_ in page.items]
    return render_template("admin/products.html", page=page, q=q, category=category,
                           categories=CATEGORIES)


def _cents(value):
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(int(value)) / 100


def _vendor_choices(current: int | None = None) -> list:
    """Approved and pending vendors (and the product's own, whatever its status)."""
    vendors = db().exec(select(Vendor).where((Vendor.status != VendorStatus.REJECTED) | (Vendor.id == current))
                        .order_by(Vendor.name))
    return [choice("", "— none —")] + [choice(v.id, v.name) for v in vendors]


def _fill_tiers(form: ProductForm, tiers: list[PriceTier]) -> None:
    while len(form.tiers.entries):
        form.tiers.pop_entry()
    for tier in tiers:
        form.tiers.append_entry({"min_qty": str(tier.min_qty),
                                 "unit_price": str(money_json(tier.unit_price))})
    for _ in range(max(TIER_ROWS_MIN - len(tiers), 2)):
        form.tiers.append_entry()


def _chart(tiers) -> dict:
    return {"tiers": [{"min_qty": q, "unit_price": money_json(p) if p is not None else None}
                      for q, p in tiers]}


@bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    """Add a product with its tiers, options and vendor terms."""
    status = 200
    form = ProductForm()
    form.vendor_id.choices = _vendor_choices()
    form.tier_errors = []
    if form.validate_on_submit():
        try:
            product = catalog.create_product(db(), data=form.data_for_service(),
                                             tiers=form.parsed_tiers, actor=current_user)
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Added {product.code} to the catalog.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id))
    elif form.is_submitted():
        flash("Nothing was saved: please correct the fields marked below.", "error")
    return render_template("admin/product_form.html", form=form, product=None,
                           chart=_chart(getattr(form, "parsed_tiers", []))), status


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id: int):
    """Edit a product, its tiers (price curve shown), options and vendor terms."""
    status = 200
    session = db()
    product = load_or_404(Product, product_id)
    tiers = catalog.tiers_of(session, product)
    newer = None
    if request.method == "GET":
        form = ProductForm(obj=product)
        form.options.data = format_options(product.options)
        form.tranche_cost.data = str(money_json(product.tranche_cost))
        form.version.data = catalog.product_version(session, product)
        _fill_tiers(form, tiers)
        form.tier_errors = []
    else:
        form = ProductForm()
        form.tier_errors = []
    form.vendor_id.choices = _vendor_choices(product.vendor_id)
    if form.validate_on_submit():
        try:
            catalog.update_product(session, product, data=form.data_for_service(),
                                   tiers=form.parsed_tiers, actor=current_user,
                                   version=form.version.data)
        except Conflict as exc:
            status = 409  # a refusal: the request rolls back
            newer = show_conflict(form, exc, catalog.product_version(session, product))
        except FieldErrors as exc:
            status = 422  # a refusal: the request rolls back
            show_field_errors(form, exc)
        else:
            flash(f"Saved {product.code}.", "success")
            return redirect(url_for("admin.product_edit", product_id=product.id))
    elif form.is_submitted():
        flash("Nothing was saved: please correct the fields marked below.", "error")
    shown = form.parsed_tiers if request.method == "POST" and getattr(form, "parsed_tiers", None) \
        else [(t.min_qty, t.unit_price) for t in tiers]
    return render_template("admin/product_form.html", form=form, product=product, newer=newer,
                           chart=_chart(shown)), status
