"""The product catalog: tier validation and product create/update with tiers, options and terms."""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError
from sqlmodel import Session, select

from consortium.db import utcnow
from consortium.models import (
    CATEGORIES,
    CLASSIFICATION_SCHEMES,
    PriceTier,
    Product,
    ProductBase,
    User,
    Vendor,
    money_json,
)
from consortium.services import audit
from consortium.services.editing import FieldErrors, check_version, field_errors_from, fingerprint

PRODUCT_FIELDS = ("code", "name", "category", "unit", "classification_scheme", "classification_code",
                  "classification_description", "specification", "options", "min_tranche",
                  "max_per_period", "tranche_cost", "vendor_id", "active")


def _fmt(value) -> str:
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def validate_tiers(tiers: list[tuple[int, Decimal]]) -> list[str]:
    """One message per broken tier rule (empty when valid), as the problem-file contract says.

    Rules: at least one tier; the first starts at quantity 1; quantities strictly increase;
    every unit price is above 0; prices never rise.
    """
    if not tiers:
        return ["Add at least one price tier; the first starts at quantity 1."]
    messages = []
    first_qty = tiers[0][0]
    if first_qty != 1:
        messages.append(f"Tier 1: the first tier must start at quantity 1 (not {first_qty}).")
    for n, (qty, price) in enumerate(tiers, start=1):
        if price is None or Decimal(price) <= 0:
            messages.append(f"Tier {n}: the unit price must be above 0.")
        if n == 1:
            continue
        prev_qty, prev_price = tiers[n - 2]
        if qty <= prev_qty:
            messages.append(f"Tier {n}: quantities must increase ({qty} is not above {prev_qty}).")
        if price is not None and prev_price is not None and Decimal(price) > Decimal(prev_price):
            messages.append(f"Tier {n}: prices must never rise ({_fmt(price)} is above "
                            f"{_fmt(prev_price)} of tier {n - 1}).")
    return messages


def tiers_of(session: Session, product: Product) -> list[PriceTier]:
    """The product's tiers, by increasing quantity."""
    return list(session.exec(select(PriceTier).where(PriceTier.product_id == product.id)
                             .order_by(PriceTier.min_qty)))


def product_state(session: Session, product: Product) -> dict:
    """The product with its tiers, as recorded in the audit log and used for the version check."""
    state = audit.snapshot(product, PRODUCT_FIELDS + ("updated_at",))
    state["tiers"] = [[t.min_qty, money_json(t.unit_price)] for t in tiers_of(session, product)]
    return state


def product_version(session: Session, product: Product) -> str:
    """The edit form's version token for `product`."""
    return fingerprint(product_state(session, product))


def validate_options(options: dict) -> list[str]:
    """Messages for bad option definitions: names and at least one distinct value each."""
    messages = []
    for name, values in options.items():
        if not str(name).strip():
            messages.append("Every option needs a name.")
        elif not values:
            messages.append(f"Option {name!r}: list at least one allowed value.")
        elif len(set(values)) != len(values):
            messages.append(f"Option {name!r}: the allowed values repeat.")
    return messages


def _check(session: Session, data: dict, tiers, product: Product | None) -> dict:
    """Validated product fields (FieldErrors listing every problem at once)."""
    errors: dict[str, list[str]] = {}
    try:
        clean = ProductBase.model_validate(data).model_dump(include=set(PRODUCT_FIELDS))
    except ValidationError as exc:
        errors = field_errors_from(exc).errors
        clean = dict(data)
    if clean.get("category") not in CATEGORIES:
        errors.setdefault("category", []).append(f"Choose one of {', '.join(CATEGORIES)}.")
    if clean.get("classification_scheme") not in CLASSIFICATION_SCHEMES:
        errors.setdefault("classification_scheme", []).append(
            f"Choose one of {', '.join(CLASSIFICATION_SCHEMES)}.")
    code = (clean.get("code") or "").strip()
    clash = session.exec(select(Product).where(Product.code == code)).first() if code else None
    if clash is not None and (product is None or clash.id != product.id):
        errors.setdefault("code", []).append(f"The code {code} is already used by {clash.name}.")
    if clean.get("vendor_id") is not None and session.get(Vendor, clean["vendor_id"]) is None:
        errors.setdefault("vendor_id", []).append("Choose an existing vendor.")
    if messages := validate_options(clean.get("options") or {}):
        errors.setdefault("options", []).extend(messages)
    if messages := validate_tiers(list(tiers)):
        errors.setdefault("tiers", []).extend(messages)
    if errors:
        raise FieldErrors(errors)
    clean["code"] = code
    return clean


def _replace_tiers(session: Session, product: Product, tiers) -> None:
    for tier in tiers_of(session, product):
        session.delete(tier)
    session.flush()
    for qty, price in tiers:
        session.add(PriceTier(product_id=product.id, min_qty=int(qty), unit_price=Decimal(price)))
    session.flush()


def create_product(session: Session, *, data: dict, tiers: list[tuple[int, Decimal]],
                   actor: User | None) -> Product:
    """Add a product to the catalog with its tiers and vendor terms (audited)."""
    clean = _check(session, data, tiers, None)
    product = Product.model_validate(clean)
    session.add(product)
    session.flush()
    _replace_tiers(session, product, tiers)
    audit.record(session, user=actor, action="create", entity="product", entity_id=product.id,
                 summary=f"created product {product.code}", after=product_state(session, product))
    return product


def update_product(session: Session, product: Product, *, data: dict,
                   tiers: list[tuple[int, Decimal]], actor: User | None,
                   version: str | None = None) -> Product:
    """Change a product, its tiers and terms; refused if someone saved it since `version`."""
    before = product_state(session, product)
    check_version(version, before, "product")
    clean = _check(session, {**{k: before.get(k) for k in PRODUCT_FIELDS}, **data}, tiers, product)
    for key, value in clean.items():
        setattr(product, key, value)
    product.updated_at = utcnow()
    session.add(product)
    _replace_tiers(session, product, tiers)
    after = product_state(session, product)
    changed = [k for k in audit.changed_fields(before, after) if k != "updated_at"]
    audit.record(session, user=actor, action="update", entity="product", entity_id=product.id,
                 summary=f"updated product {product.code}: {', '.join(changed) or 'no change'}",
                 before=before, after=after)
    return product
