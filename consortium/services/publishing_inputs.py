"""Turn a round's approved plan and the catalog rows into one `PackageInput` per product."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, select

from consortium.models import Member, PriceTier, Product, Round, Run
from consortium.publish.inputs import (AmendmentInfo, ConsortiumInfo, DeliveryRow, LotInfo,
                                       MemberInfo, PackageInput, ProductInfo, Tier)
from consortium.services.errors import ServiceError


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "member"


def _period_key(periods: list[str]):
    order = {p: n for n, p in enumerate(periods)}
    return lambda period: (order.get(period, len(order)), period)


def _tiers(session: Session, run: Run, product: Product) -> tuple[Tier, ...]:
    for entry in (run.problem or {}).get("products", []):
        if entry.get("code") == product.code and entry.get("tiers"):
            return tuple(Tier(int(t["min_qty"]), t["unit_price"]) for t in entry["tiers"])
    rows = session.exec(select(PriceTier).where(PriceTier.product_id == product.id)
                        .order_by(PriceTier.min_qty)).all()
    return tuple(Tier(t.min_qty, int(t.unit_price) if t.unit_price == int(t.unit_price)
                      else float(t.unit_price)) for t in rows)


def _product_info(session: Session, run: Run, product: Product) -> ProductInfo:
    return ProductInfo(
        code=product.code, name=product.name, unit=product.unit,
        classification_scheme=product.classification_scheme,
        classification_code=product.classification_code,
        classification_description=product.classification_description,
        specification=product.specification, min_tranche=product.min_tranche,
        max_per_period=product.max_per_period, tiers=_tiers(session, run, product))


def _lots(tranches: list[dict], period_key) -> list[tuple[LotInfo, dict]]:
    ordered = sorted(tranches, key=lambda t: (period_key(t["period"]),
                                              json.dumps(t.get("options") or {}, sort_keys=True),
                                              str(t.get("id"))))
    def options(t: dict) -> tuple:
        return tuple(sorted((str(k), str(v)) for k, v in (t.get("options") or {}).items()))

    return [(LotInfo(id=f"LOT-{n}", tranche_id=str(t.get("id", "")), options=options(t),
                     period=t["period"], quantity=int(t["quantity"]),
                     estimated_unit_price=t.get("unit_price", 0),
                     estimated_value=t.get("total_cost", 0)), t)
            for n, t in enumerate(ordered, start=1)]


def _members(session: Session, names: set[str]) -> dict[str, MemberInfo]:
    rows = {m.name: m for m in session.exec(select(Member).where(Member.name.in_(names))).all()}
    info = {}
    for name in names:
        m = rows.get(name)
        info[name] = (MemberInfo(id=f"member-{m.id}", name=m.name,
                                 delivery_address=m.delivery_address, state=m.state,
                                 country=m.country) if m
                      else MemberInfo(id=f"member-{_slug(name)}", name=name))
    return info


def consortium_info(settings) -> ConsortiumInfo:
    """The procuring entity as the settings name it (CONSORTIUM_NAME, PUBLIC_URL, OCID_PREFIX...)."""
    return ConsortiumInfo(name=settings.consortium_name, email=settings.consortium_email,
                          public_url=settings.public_url, ocid_prefix=settings.ocid_prefix)


def package_inputs(session: Session, round_: Round, run: Run, *, bid_deadline: datetime,
                   questions_deadline: datetime, published_at: datetime,
                   product_codes: list[str] | None = None, version: int = 0,
                   change_note: str = "", amendments: tuple[AmendmentInfo, ...] = (),
                   consortium: ConsortiumInfo | None = None) -> list[PackageInput]:
    """One PackageInput per product of `run`'s plan (or only `product_codes`), sorted by code."""
    tranches = (run.plan or {}).get("tranches") or []
    by_product: dict[str, list[dict]] = defaultdict(list)
    for tranche in tranches:
        if int(tranche.get("quantity", 0)) > 0:
            by_product[tranche["product"]].append(tranche)
    codes = sorted(by_product) if product_codes is None else list(product_codes)
    if not codes:
        raise ServiceError("The approved plan has no tranches, so there is nothing to publish.")
    period_key = _period_key(list(round_.periods))
    inputs = []
    for code in codes:
        if code not in by_product:
            raise ServiceError(f"The plan of run {run.id} has no tranche of product {code}.")
        product = session.exec(select(Product).where(Product.code == code)).first()
        if product is None:
            raise ServiceError(f"Product {code} of the plan is not in the catalog.")
        lots = _lots(by_product[code], period_key)
        units: dict[tuple, int] = defaultdict(int)
        for lot, tranche in lots:
            for a in tranche.get("allocations") or []:
                units[(a["member"], lot.period, lot.id)] += int(a["quantity"])
        members = _members(session, {key[0] for key in units})
        lot_order = {lot.id: n for n, (lot, _) in enumerate(lots)}
        deliveries = tuple(
            DeliveryRow(member=m, delivery_address=members[m].delivery_address, period=p,
                        lot_id=lot_id, units=n)
            for (m, p, lot_id), n in sorted(units.items(), key=lambda kv: (
                kv[0][0], period_key(kv[0][1]), lot_order[kv[0][2]])))
        inputs.append(PackageInput(
            consortium=consortium or ConsortiumInfo(), round_name=round_.name,
            round_slug=round_.slug, periods=tuple(round_.periods),
            product=_product_info(session, run, product), lots=tuple(lot for lot, _ in lots),
            deliveries=deliveries, members=tuple(members[n] for n in sorted(members)),
            bid_deadline=bid_deadline, questions_deadline=questions_deadline,
            published_at=published_at, version=version, change_note=change_note,
            ocid_prefix=(consortium or ConsortiumInfo()).ocid_prefix,
            amendments=amendments))
    return inputs
