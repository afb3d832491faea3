"""Turn a round's approved plan and the catalog rows into one `PackageInput` per product.

The plan is read through the optimizer's `Plan` (`run_results.plan_of`); members are found by the
`member_id` the plan carries, so a member renamed after the run keeps its delivery address.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, select

from consortium.models import Member, PriceTier, Product, Round, Run
from consortium.optimizer.plan import Allocation as PlanAllocation
from consortium.optimizer.plan import Tranche
from consortium.publish.inputs import (AmendmentInfo, ConsortiumInfo, DeliveryRow, LotInfo,
                                       MemberInfo, PackageInput, ProductInfo, Tier)
from consortium.services.errors import ServiceError
from consortium.services.run_results import plan_of, problem_of


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "member"


def _period_key(periods: list[str]):
    order = {p: n for n, p in enumerate(periods)}
    return lambda period: (order.get(period, len(order)), period)


def _tiers(session: Session, run: Run, product: Product) -> tuple[Tier, ...]:
    problem = problem_of(run)
    for entry in (problem.products if problem else ()):
        if entry.code == product.code and entry.tiers:
            return tuple(Tier(int(t.min_qty), t.unit_price) for t in entry.tiers)
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


def _lots(tranches: list[Tranche], period_key) -> list[tuple[LotInfo, Tranche]]:
    ordered = sorted(tranches, key=lambda t: (period_key(t.period),
                                              json.dumps(dict(t.options), sort_keys=True),
                                              str(t.id)))

    def options(t: Tranche) -> tuple:
        return tuple(sorted((str(k), str(v)) for k, v in t.options.items()))

    return [(LotInfo(id=f"LOT-{n}", tranche_id=str(t.id), options=options(t),
                     period=t.period, quantity=int(t.quantity),
                     estimated_unit_price=t.unit_price, estimated_value=t.total_cost), t)
            for n, t in enumerate(ordered, start=1)]


MemberKey = tuple[str, object]  # ("id", 7) or, in plans stored before ids, ("name", "Seattle")


def _member_key(alloc: PlanAllocation) -> MemberKey:
    return ("id", alloc.member_id) if alloc.member_id is not None else ("name", alloc.member)


def _members(session: Session,
             allocations: Iterable[PlanAllocation]) -> dict[MemberKey, MemberInfo]:
    """Each allocation's member as the database has it now: by id (name and address follow a
    rename), or by name in a plan stored before ids existed; a member gone from the database
    keeps the plan's name, without an address."""
    names = {_member_key(a): a.member for a in allocations}
    ids = [key[1] for key in names if key[0] == "id"]
    plain = [key[1] for key in names if key[0] == "name"]
    by_id = {m.id: m for m in session.exec(select(Member).where(Member.id.in_(ids)))} if ids else {}
    by_name = ({m.name: m for m in session.exec(select(Member).where(Member.name.in_(plain)))}
               if plain else {})
    info = {}
    for key, name in names.items():
        m = by_id.get(key[1]) if key[0] == "id" else by_name.get(key[1])
        info[key] = (MemberInfo(id=f"member-{m.id}", name=m.name,
                                delivery_address=m.delivery_address, state=m.state,
                                country=m.country) if m
                     else MemberInfo(id=f"member-{_slug(name)}", name=name))
    return info


def consortium_info(settings) -> ConsortiumInfo:
    """The procuring entity as the settings name it (CONSORTIUM_NAME, PUBLIC_URL, OCID_PREFIX...)."""
    return ConsortiumInfo(name=settings.consortium_name, email=settings.consortium_email,
                          public_url=settings.public_url, ocid_prefix=settings.ocid_prefix)


def _tranches_by_product(run: Run) -> dict[str, list[Tranche]]:
    """The plan's tranches with units, per product code (each becomes a lot of its package)."""
    plan = plan_of(run)
    by_product: dict[str, list[Tranche]] = defaultdict(list)
    for tranche in (plan.tranches if plan else ()):
        if int(tranche.quantity) > 0:
            by_product[tranche.product].append(tranche)
    return by_product


def lot_caps(round_: Round, run: Run,
             product_code: str) -> dict[str, tuple[LotInfo, Decimal | None]]:
    """Lot id -> (lot, price cap) of `product_code`'s package built from `run`: the cap is the
    lowest `max_unit_price` among the demand lines the lot's tranche places (the lines of the
    run's own problem), None when none of those lines has one. Lots are numbered exactly as
    `package_inputs` numbers them."""
    problem = problem_of(run)
    caps = {line.id: line.max_unit_price for line in (problem.demand if problem else ())}
    out = {}
    for lot, tranche in _lots(_tranches_by_product(run).get(product_code, []),
                              _period_key(list(round_.periods))):
        found = [Decimal(str(caps[a.demand])) for a in tranche.allocations
                 if caps.get(a.demand) is not None]
        out[lot.id] = (lot, min(found) if found else None)
    return out


def package_inputs(session: Session, round_: Round, run: Run, *, bid_deadline: datetime,
                   questions_deadline: datetime, published_at: datetime,
                   product_codes: list[str] | None = None, version: int = 0,
                   change_note: str = "", amendments: tuple[AmendmentInfo, ...] = (),
                   consortium: ConsortiumInfo | None = None) -> list[PackageInput]:
    """One PackageInput per product of `run`'s plan (or only `product_codes`), sorted by code."""
    by_product = _tranches_by_product(run)
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
        members = _members(session, (a for _, t in lots for a in t.allocations))
        units: dict[tuple, int] = defaultdict(int)
        for lot, tranche in lots:
            for a in tranche.allocations:
                units[(members[_member_key(a)].name, _member_key(a), lot.period, lot.id)] += \
                    int(a.quantity)
        lot_order = {lot.id: n for n, (lot, _) in enumerate(lots)}
        deliveries = tuple(
            DeliveryRow(member=name, delivery_address=members[key].delivery_address, period=p,
                        lot_id=lot_id, units=n)
            for (name, key, p, lot_id), n in sorted(units.items(), key=lambda kv: (
                kv[0][0], period_key(kv[0][2]), lot_order[kv[0][3]])))
        inputs.append(PackageInput(
            consortium=consortium or ConsortiumInfo(), round_name=round_.name,
            round_slug=round_.slug, periods=tuple(round_.periods),
            product=_product_info(session, run, product), lots=tuple(lot for lot, _ in lots),
            deliveries=deliveries,
            members=tuple(sorted(members.values(), key=lambda m: (m.name, m.id))),
            bid_deadline=bid_deadline, questions_deadline=questions_deadline,
            published_at=published_at, version=version, change_note=change_note,
            ocid_prefix=(consortium or ConsortiumInfo()).ocid_prefix,
            amendments=amendments))
    return inputs
