"""Seed data from a folder of JSON and CSV files (the demo consortium in fixtures/demo).

Loading is all or nothing and idempotent: every file is checked first and every problem is
reported at once (`FixtureError`, with file, row or JSON path, and reason); only then are the new
rows written, in one transaction. Rows that already exist (members by name, vendors by name,
products by code, users by email, rounds by slug, demand lines by round and ref) are left as they
are, so loading the same folder twice adds and changes nothing.

The file formats are described in fixtures/demo/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from consortium.models import (
    ROLES,
    DemandLine,
    Member,
    PriceTier,
    Product,
    Round,
    User,
    Vendor,
)
from consortium.models.status import RoundStatus
from consortium.services import accounts, audit
from consortium.services.fixture_checks import FixtureError, FixtureSet, check_folder

__all__ = ["FixtureError", "load_fixtures", "database_is_empty", "demo_logins"]


def load_fixtures(session: Session, path: Path | str) -> dict[str, int]:
    """Check every fixture file in `path`, then add the rows that do not exist yet.

    Returns the number of NEW rows per kind (all zero when everything was already loaded).
    Raises FixtureError listing every problem of every file; then nothing is written.
    """
    fixtures = check_folder(session, Path(path))
    counts = _write(session, fixtures)
    if any(counts.values()):
        audit.record(session, user=None, action="import", entity="fixtures", entity_id=None,
                     summary=f"loaded fixtures from {Path(path).name}: "
                             + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n),
                     after=counts)
    session.flush()
    return counts


def database_is_empty(session: Session) -> bool:
    """True when there are no members, vendors, products, rounds or users yet."""
    for model in (Member, Vendor, Product, Round, User):
        if session.exec(select(func.count()).select_from(model)).one():
            return False
    return True


def demo_logins(path: Path | str) -> list[tuple[str, str, str]]:
    """One (role, email, password) per role, the first user of each role in users.json."""
    file = Path(path) / "users.json"
    if not file.exists():
        return []
    users = json.loads(file.read_text(encoding="utf-8")).get("users", [])
    logins = []
    for role in ROLES:
        user = next((u for u in users if isinstance(u, dict) and u.get("role") == role), None)
        if user is not None:
            logins.append((role, accounts.normalize_email(user["email"]), user["password"]))
    return logins


def _existing(session: Session, column) -> set:
    return set(session.exec(select(column)).all())


def _write(session: Session, fx: FixtureSet) -> dict[str, int]:
    counts = dict.fromkeys(("members", "vendors", "products", "price_tiers", "users", "rounds",
                            "demand_lines"), 0)
    have = _existing(session, Member.name)
    for data in fx.members:
        if data["name"] not in have:
            session.add(Member.model_validate(data))
            counts["members"] += 1
    have = _existing(session, Vendor.name)
    for data in fx.vendors:
        if data["name"] not in have:
            session.add(Vendor.model_validate(data))
            counts["vendors"] += 1
    session.flush()
    vendors = {v.name: v for v in session.exec(select(Vendor)).all()}
    members = {m.name: m for m in session.exec(select(Member)).all()}

    have = _existing(session, Product.code)
    for data in fx.products:
        if data["code"] in have:
            continue
        fields = {k: v for k, v in data.items() if k not in ("tiers", "vendor")}
        vendor = vendors.get(data.get("vendor") or "")
        product = Product.model_validate(fields, update={"vendor_id": vendor.id if vendor else None})
        session.add(product)
        session.flush()
        for min_qty, price in data["tiers"]:
            session.add(PriceTier(product_id=product.id, min_qty=min_qty, unit_price=price))
            counts["price_tiers"] += 1
        counts["products"] += 1

    have = _existing(session, User.email)
    for data in fx.users:
        if data["email"] in have:
            continue
        accounts.create_user(session, email=data["email"], password=data["password"],
                             role=data["role"], name=data.get("name", ""),
                             member=members.get(data.get("member") or ""),
                             vendor=vendors.get(data.get("vendor") or ""))
        counts["users"] += 1

    have = _existing(session, Round.slug)
    for data in fx.rounds:
        if data["slug"] not in have:
            session.add(Round.model_validate(data, update={
                "closed_at": data["deadline"] if data["status"] == RoundStatus.CLOSED else None}))
            counts["rounds"] += 1
    session.flush()
    counts["demand_lines"] = _write_demand(session, fx, members)
    return counts


def _write_demand(session: Session, fx: FixtureSet, members: dict[str, Member]) -> int:
    rounds = {r.slug: r for r in session.exec(select(Round)).all()}
    products = {p.code: p.id for p in session.exec(select(Product)).all()}
    managers: dict[int, int] = {}
    for user in session.exec(select(User).where(User.role == "fleet_manager").order_by(User.id)):
        managers.setdefault(user.member_id, user.id)
    added = 0
    for slug, lines in fx.demand.items():
        round_ = rounds[slug]
        have = set(session.exec(select(DemandLine.member_id, DemandLine.ref)
                                .where(DemandLine.round_id == round_.id)).all())
        for data in lines:
            member = members[data["member"]]
            if (member.id, data["ref"]) in have:
                continue
            author = managers.get(member.id)
            fields = {k: v for k, v in data.items() if k not in ("member", "product")}
            session.add(DemandLine.model_validate(fields, update={
                "round_id": round_.id, "member_id": member.id,
                "product_id": products[data["product"]],
                "created_by_id": author, "updated_by_id": author}))
            added += 1
    return added
