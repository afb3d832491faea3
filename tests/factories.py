"""Factory helpers that build rows through the models, for tests of every area."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from functools import cache

from sqlmodel import Session

from consortium.db import utcnow
from consortium.models import DemandLine, Member, PriceTier, Product, Round, User, Vendor
from consortium.models.status import RoundStatus, RunStatus, VendorStatus, terminal
from consortium.optimizer.progress import Stage
from consortium.services.accounts import hash_password

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


@cache
def password_hash() -> str:
    """One scrypt hash shared by every test user (hashing is slow by design)."""
    return hash_password(PASSWORD)


def _save(session: Session, row):
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def make_member(session: Session, name: str | None = None, **fields) -> Member:
    n = next(_seq)
    data = {"name": name or f"City {n}", "state": "CA", "country": "US",
            "delivery_address": f"{n} Fleet Yard Rd", **fields}
    return _save(session, Member.model_validate(data))


def make_vendor(session: Session, name: str | None = None, status: str = VendorStatus.APPROVED,
                **fields) -> Vendor:
    n = next(_seq)
    return _save(session, Vendor.model_validate({"name": name or f"Vendor {n}", "status": status,
                                                 "contact_email": f"sales{n}@vendor.example.com", **fields}))


def make_user(session: Session, role: str = "admin", *, member: Member | None = None,
              vendor: Vendor | None = None, email: str | None = None, **fields) -> User:
    n = next(_seq)
    if role == "fleet_manager" and member is None:
        member = make_member(session)
    if role == "vendor" and vendor is None:
        vendor = make_vendor(session)
    data = {"email": email or f"{role}{n}@example.com", "role": role, "name": f"{role} {n}",
            "member_id": member.id if member else None, "vendor_id": vendor.id if vendor else None,
            **fields}
    return _save(session, User.model_validate(data, update={"password_hash": password_hash()}))


def make_product(session: Session, code: str | None = None, *,
                 tiers=((1, 100000), (10, 95000), (25, 90000)), options=None, **fields) -> Product:
    n = next(_seq)
    data = {"code": code or f"P{n}", "name": f"Product {n}", "category": "bus",
            "classification_scheme": "UNSPSC", "classification_code": "25101503",
            "specification": "Battery-electric vehicle.",
            "options": options if options is not None else {"charging": ["CCS1", "SAE-J3105"]},
            **fields}
    product = _save(session, Product.model_validate(data))
    for min_qty, price in tiers:
        session.add(PriceTier(product_id=product.id, min_qty=min_qty, unit_price=Decimal(price)))
    session.commit()
    return product


def make_round(session: Session, *, status: str = RoundStatus.OPEN, periods=None, deadline=None,
               **fields) -> Round:
    n = next(_seq)
    data = {"name": f"Round {n}", "slug": f"round-{n}",
            "periods": periods or ["2027Q1", "2027Q2", "2027Q3", "2027Q4"],
            "deadline": deadline or utcnow() + timedelta(days=30), "status": status, **fields}
    return _save(session, Round.model_validate(data))


def make_line(session: Session, *, round: Round, member: Member, product: Product,
              quantity: int = 5, options=None, **fields) -> DemandLine:
    n = next(_seq)
    data = {"ref": fields.pop("ref", f"L-{n}"), "quantity": quantity,
            "earliest": fields.pop("earliest", round.periods[0]),
            "latest": fields.pop("latest", round.periods[-1]),
            "options": options if options is not None else {"charging": "CCS1"}, **fields}
    line = DemandLine.model_validate(data, update={"round_id": round.id, "member_id": member.id,
                                                   "product_id": product.id})
    return _save(session, line)


def plan_dict(status: str = "optimal", tranches: list | None = None, **fields) -> dict:
    """A plan document in the contract's shape (by default: nothing placed), for runs made
    without a solve; the app reads stored plans strictly."""
    tranches = tranches or []
    total = sum(t["total_cost"] for t in tranches)
    return {"status": status, "placed_units": sum(t["quantity"] for t in tranches),
            "total_cost": total, "lower_bound": total, "gap": 0.0, "tranches": tranches,
            "unplaced": [], "members": [],
            "totals": {"standalone_cost": total, "consortium_cost": total, "savings": 0,
                       "savings_pct": 0.0, "fairness_cost": 0},
            "solver": {"name": "highs", "build_seconds": 0.0, "solve_seconds": 0.0}, **fields}


def make_run(session: Session, *, round: Round, status: str = RunStatus.SUCCEEDED,
             plan: dict | None = None,
             problem: dict | None = None, approved: bool = False, **fields):
    """An optimizer run row (no solve); `approved=True` makes it the round's approved plan."""
    from consortium.models import Run

    data = {"round_id": round.id, "status": status,
            "stage": Stage.DONE if status == RunStatus.SUCCEEDED else status,
            "problem": problem or {"periods": list(round.periods), "products": [], "demand": []},
            "plan": plan, "started_at": utcnow(), "heartbeat_at": utcnow(),
            "finished_at": utcnow() if status in terminal(RunStatus) else None, **fields}
    run = _save(session, Run.model_validate(data))
    if approved:
        round.approved_run_id = run.id
        run.approved_at = utcnow()
        session.add_all([round, run])
        session.commit()
        session.refresh(run)
    return run
