"""A round as a problem file, exactly as /work/shared/docs/problem-format.md defines it.

A line's `id` in the file is its ref. Refs are unique per member, so when members of a round share
a ref, each of those lines gets the id "<ref>@<member name>": ids stay unique in the file, and
since a ref never contains "@", a qualified id never equals another line's ref
(`run_results.line_ref` reads the ref back).

Each demand line also carries `member_id`, the member's database id: an optional extra field
(docs/optimizer.md) that the optimizer copies into the plan, so the app finds a member by its
id even after a rename; `member` (the name) stays for display and the outside checker.
"""

from __future__ import annotations

import json

from sqlmodel import Session, select

from consortium.models import DemandLine, Member, PriceTier, Product, Round, money_json


def _product_dict(product: Product, tiers: list[PriceTier]) -> dict:
    data = {
        "code": product.code,
        "name": product.name,
        "unit": product.unit,
        "tiers": [{"min_qty": t.min_qty, "unit_price": money_json(t.unit_price)}
                  for t in sorted(tiers, key=lambda t: t.min_qty)],
        "min_tranche": product.min_tranche,
    }
    if product.max_per_period is not None:
        data["max_per_period"] = product.max_per_period
    data["tranche_cost"] = money_json(product.tranche_cost)
    return data


def problem_id(ref: str, member_name: str, shared: bool) -> str:
    """The line's `id` in the problem file: its ref, qualified by its member when shared."""
    return f"{ref}@{member_name}" if shared else ref


def _line_dict(line: DemandLine, member: Member, product: Product, shared: bool) -> dict:
    data = {
        "id": problem_id(line.ref, member.name, shared),
        "member": member.name,
        "member_id": member.id,
        "product": product.code,
        "quantity": line.quantity,
        "earliest": line.earliest,
        "latest": line.latest,
        "options": dict(sorted((line.options or {}).items())),
        "splittable": bool(line.splittable),
    }
    if line.max_unit_price is not None:
        data["max_unit_price"] = money_json(line.max_unit_price)
    return data


def build_problem(session: Session, round_: Round) -> dict:
    """The round's demand as a problem-file dict: periods, the products in demand, the lines."""
    rows = session.exec(
        select(DemandLine, Member, Product)
        .join(Member, Member.id == DemandLine.member_id)
        .join(Product, Product.id == DemandLine.product_id)
        .where(DemandLine.round_id == round_.id)
    ).all()
    # Sorted in Python (database collations differ), by ref and then member.
    rows = sorted(rows, key=lambda row: (row[0].ref, row[1].name))
    members_of: dict[str, set[int]] = {}
    for line, _member, _product in rows:
        members_of.setdefault(line.ref, set()).add(line.member_id)
    products = {product.id: product for _, _, product in rows}
    tiers: dict[int, list[PriceTier]] = {pid: [] for pid in products}
    if products:
        for tier in session.exec(select(PriceTier).where(PriceTier.product_id.in_(list(products)))):
            tiers[tier.product_id].append(tier)
    return {
        "periods": list(round_.periods),
        "products": [_product_dict(p, tiers[p.id])
                     for p in sorted(products.values(), key=lambda p: p.code)],
        "demand": [_line_dict(line, member, product, len(members_of[line.ref]) > 1)
                   for line, member, product in rows],
    }


def problem_json(problem: dict) -> str:
    """The problem as deterministic, readable JSON text (indent 2, trailing newline)."""
    return json.dumps(problem, indent=2, ensure_ascii=False) + "\n"
