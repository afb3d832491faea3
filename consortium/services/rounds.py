"""Procurement rounds: create, edit (periods locked once demand exists), open, close, totals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import bindparam, func
from sqlmodel import Session, select

from consortium.db import plain_rows, utcnow
from consortium.models import DemandLine, Member, Product, Round, RoundBase, RoundStatus, User, transition
from consortium.models.types import as_utc
from consortium.services import audit, notifications
from consortium.services.editing import FieldErrors, check_version, field_errors_from, fingerprint
from consortium.services.errors import NotAllowed, ServiceError

PERIOD_MAX = 20  # the length of a demand line's earliest/latest columns
PERIODS_MAX = 200
ROUND_FIELDS = ("name", "slug", "description", "periods", "deadline", "status")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarters(start: str, count: int) -> list[str]:
    """`count` consecutive quarters from `start`: quarters("2027Q3", 3) -> 2027Q3, 2027Q4, 2028Q1."""
    match = _QUARTER.match(start.strip().upper())
    if not match:
        raise ServiceError(f"Write the first quarter as YEARQn, e.g. 2027Q1 (not {start!r}).")
    if not 1 <= count <= 40:
        raise ServiceError("A round has between 1 and 40 quarters.")
    year, quarter = int(match.group(1)), int(match.group(2)) - 1
    out = []
    for n in range(count):
        y, q = divmod(quarter + n, 4)
        out.append(f"{year + y}Q{q + 1}")
    return out


def slugify(text: str) -> str:
    """A URL-safe slug: lower case letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def line_count(session: Session, round_: Round) -> int:
    """How many demand lines the round has."""
    return session.exec(select(func.count()).select_from(DemandLine)
                        .where(DemandLine.round_id == round_.id)).one()


def round_state(round_: Round) -> dict:
    """The round's fields, for the audit log and the edit form's version."""
    return audit.snapshot(round_, ROUND_FIELDS + ("closed_at",))


def round_version(round_: Round) -> str:
    """The edit form's version token for `round_`."""
    return fingerprint(round_state(round_))


def _check(session: Session, data: dict, round_: Round | None) -> dict:
    errors: dict[str, list[str]] = {}
    data = dict(data)
    data["slug"] = slugify(data.get("slug") or data.get("name") or "")
    try:
        clean = RoundBase.model_validate(data).model_dump(include=set(ROUND_FIELDS))
    except ValidationError as exc:
        errors = field_errors_from(exc).errors
        clean = data
    periods = [str(p).strip() for p in clean.get("periods") or []]
    if not periods or any(not p for p in periods):
        errors.setdefault("periods", []).append("List at least one delivery period.")
    elif len(set(periods)) != len(periods):
        errors.setdefault("periods", []).append("Each delivery period may appear only once.")
    elif any(len(p) > PERIOD_MAX for p in periods):
        errors.setdefault("periods", []).append(
            f"A delivery period may have at most {PERIOD_MAX} characters (e.g. 2027Q1).")
    elif len(periods) > PERIODS_MAX:
        errors.setdefault("periods", []).append(f"A round may have at most {PERIODS_MAX} periods.")
    clean["periods"] = periods
    deadline = clean.get("deadline")
    if isinstance(deadline, datetime):
        clean["deadline"] = deadline = as_utc(deadline)
        unchanged = round_ is not None and round_.deadline == deadline
        if deadline <= utcnow() and not unchanged:
            errors.setdefault("deadline", []).append("The demand deadline must be in the future.")
    slug = clean.get("slug")
    clash = session.exec(select(Round).where(Round.slug == slug)).first() if slug else None
    if clash is not None and (round_ is None or clash.id != round_.id):
        errors.setdefault("slug", []).append(f"The slug {slug} is already used by {clash.name}.")
    if errors:
        raise FieldErrors(errors)
    return clean


def create_round(session: Session, *, name: str, periods: list[str], deadline: datetime,
                 slug: str = "", description: str = "", actor: User | None = None) -> Round:
    """A new round in draft, with its delivery periods and demand deadline (audited)."""
    clean = _check(session, {"name": name, "slug": slug, "description": description,
                             "periods": periods, "deadline": deadline, "status": RoundStatus.DRAFT}, None)
    round_ = Round.model_validate(clean)
    session.add(round_)
    session.flush()
    audit.record(session, user=actor, action="create", entity="round", entity_id=round_.id,
                 round_id=round_.id, summary=f"created round {round_.slug}",
                 after=round_state(round_))
    return round_


def update_round(session: Session, round_: Round, *, data: dict, actor: User | None,
                 version: str | None = None) -> Round:
    """Change a round's name, slug, description, periods or deadline.

    Periods cannot change once the round has demand; a closed round keeps its deadline.
    """
    before = round_state(round_)
    check_version(version, before, "round")
    merged = {**{k: getattr(round_, k) for k in ROUND_FIELDS}, **data, "status": round_.status}
    errors: dict[str, list[str]] = {}
    if list(merged["periods"]) != list(round_.periods) and line_count(session, round_):
        errors["periods"] = [("The periods are locked: this round already has demand lines. "
                              "Periods can change only while a round has no demand.")]
    if round_.status == RoundStatus.CLOSED and as_utc(merged["deadline"]) != round_.deadline:
        errors["deadline"] = ["The round is closed; its demand deadline can no longer change."]
    try:
        clean = _check(session, merged, round_)
    except FieldErrors as exc:
        for key, messages in exc.errors.items():
            errors.setdefault(key, []).extend(messages)
        clean = {}
    if errors:
        raise FieldErrors(errors)
    for key, value in clean.items():
        setattr(round_, key, value)
    session.add(round_)
    after = round_state(round_)
    audit.record(session, user=actor, action="update", entity="round", entity_id=round_.id,
                 round_id=round_.id, before=before, after=after,
                 summary=f"updated round {round_.slug}: "
                         f"{', '.join(audit.changed_fields(before, after)) or 'no change'}")
    return round_


def _transition(session: Session, round_: Round, *, to: RoundStatus, actor: User | None) -> Round:
    before = round_state(round_)
    transition(round_, to, label=f"{round_.name} ({round_.slug})")
    if to == RoundStatus.CLOSED:
        round_.closed_at = utcnow()
    session.add(round_)
    audit.record(session, user=actor, action={RoundStatus.OPEN: "open", RoundStatus.CLOSED: "close"}[to],
                 entity="round", entity_id=round_.id, round_id=round_.id, before=before,
                 after=round_state(round_), summary=f"{to} round {round_.slug}")
    if to == RoundStatus.OPEN:
        notifications.round_opened(session, round_)
    else:
        notifications.round_closed(session, round_)
    return round_


def open_round(session: Session, round_: Round, *, actor: User | None) -> Round:
    """Open a draft round for demand (its deadline must still be ahead)."""
    if round_.status != RoundStatus.DRAFT:  # refused first: its message beats the deadline's
        return _transition(session, round_, to=RoundStatus.OPEN, actor=actor)
    if round_.deadline <= utcnow():
        raise NotAllowed("The demand deadline has passed; move it into the future before opening.")
    if not round_.periods:
        raise NotAllowed("Add delivery periods before opening the round.")
    return _transition(session, round_, to=RoundStatus.OPEN, actor=actor)


def close_round(session: Session, round_: Round, *, actor: User | None) -> Round:
    """Close an open round: demand is frozen and the optimizer can run on it."""
    return _transition(session, round_, to=RoundStatus.CLOSED, actor=actor)


@dataclass
class RoundSummary:
    """A round with its demand counts, for lists."""

    round: Round
    lines: int = 0
    members: int = 0
    units: int = 0


def list_rounds_with_counts(session: Session) -> list[RoundSummary]:
    """Every round (newest deadline first) with its number of lines, members and units."""
    counts = {rid: (n, m, u or 0) for rid, n, m, u in session.exec(
        select(DemandLine.round_id, func.count(), func.count(DemandLine.member_id.distinct()),
               func.sum(DemandLine.quantity)).group_by(DemandLine.round_id))}
    rounds = session.exec(select(Round).order_by(Round.deadline.desc(), Round.id.desc())).all()
    return [RoundSummary(r, *counts.get(r.id, (0, 0, 0))) for r in rounds]


def round_summary(session: Session, round_: Round) -> RoundSummary:
    """One round's counts of lines, members and units."""
    n, m, u = session.exec(
        select(func.count(), func.count(DemandLine.member_id.distinct()), func.sum(DemandLine.quantity))
        .where(DemandLine.round_id == round_.id)).one()
    return RoundSummary(round_, n, m, u or 0)


def get_by_slug(session: Session, slug: str) -> Round:
    """The round with this slug, or ServiceError naming the slugs that exist."""
    round_ = session.exec(select(Round).where(Round.slug == slug)).first()
    if round_ is None:
        known = ", ".join(session.exec(select(Round.slug).order_by(Round.slug))) or "none yet"
        raise ServiceError(f"No round has the slug {slug!r}. Known rounds: {known}.")
    return round_


@dataclass
class DemandFilters:
    """Demand overview filters: a member, a product and a period (lines whose window covers it)."""

    member_id: int | None = None
    product_id: int | None = None
    period: str | None = None


def filtered_lines_query(round_: Round, filters: DemandFilters, *columns):
    """A query of the round's (DemandLine, Member, Product) rows matching `filters` (or of
    `columns` of those three tables)."""
    shape, params = _filter_shape(round_, filters)
    return _lines_query(shape, columns or (DemandLine, Member, Product)).params(params)


def bound_lines_query(round_: Round, filters: DemandFilters, name: str, columns: tuple):
    """`filtered_lines_query(round_, filters, *columns)` as a statement built once per `name`
    (a fixed set of `columns`) and shape of the filters, and the values to run it with:
    building these joins cost more than running them on the demand overview."""
    shape, params = _filter_shape(round_, filters)
    key = ("lines", name, shape)
    query = _BUILT.get(key)
    if query is None:
        query = _BUILT[key] = _lines_query(shape, columns)
    return query, params


# Statements built once (they hold no data: the values are bound when they run), by name and
# filter shape; a few per page.
_BUILT: dict[tuple, object] = {}


def _filter_shape(round_: Round, filters: DemandFilters) -> tuple[tuple[str, ...], dict]:
    """Which filters apply (the statement's shape) and the values of its bound parameters."""
    shape, params = [], {"round_id": round_.id}
    if filters.member_id:
        shape.append("member")
        params["member_id"] = filters.member_id
    if filters.product_id:
        shape.append("product")
        params["product_id"] = filters.product_id
    if filters.period:
        periods = list(round_.periods)
        if filters.period in periods:
            i = periods.index(filters.period)
            shape.append("period")
            params["earliest_in"], params["latest_in"] = periods[:i + 1], periods[i:]
        else:
            shape.append("no period")
    return tuple(shape), params


def _lines_query(shape: tuple[str, ...], columns: tuple):
    query = (select(*columns)
             .join(Member, Member.id == DemandLine.member_id)
             .join(Product, Product.id == DemandLine.product_id)
             .where(DemandLine.round_id == bindparam("round_id")))
    if "member" in shape:
        query = query.where(DemandLine.member_id == bindparam("member_id"))
    if "product" in shape:
        query = query.where(DemandLine.product_id == bindparam("product_id"))
    if "period" in shape:  # lines whose window covers the period
        query = query.where(DemandLine.earliest.in_(bindparam("earliest_in", expanding=True)),
                            DemandLine.latest.in_(bindparam("latest_in", expanding=True)))
    if "no period" in shape:
        query = query.where(DemandLine.id.is_(None))
    return query


@dataclass(frozen=True)
class ProductName:
    """A product as the totals show it."""

    code: str
    name: str


@dataclass
class RoundTotals:
    """Units per product and period (a line counts in its earliest period), with totals."""

    periods: list[str]
    products: list[ProductName] = field(default_factory=list)
    cells: dict[tuple[str, str], int] = field(default_factory=dict)  # (product code, period)
    by_product: dict[str, int] = field(default_factory=dict)
    by_period: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    units: int = 0

    def chart(self) -> dict:
        """Chart.js data: one stacked dataset per product, units per period."""
        return {"labels": self.periods,
                "datasets": [{"label": p.code, "data": [self.cells.get((p.code, x), 0)
                                                         for x in self.periods]}
                             for p in self.products]}


def round_totals(session: Session, round_: Round, filters: DemandFilters | None = None) -> RoundTotals:
    """Units of the filtered demand per product and earliest period, with row/column totals."""
    filters = filters or DemandFilters()
    totals = RoundTotals(periods=list(round_.periods),
                         by_period={p: 0 for p in round_.periods})
    shape, params = _filter_shape(round_, filters)
    query = _BUILT.get(("totals", shape))
    if query is None:
        lines = _lines_query(shape, (DemandLine.product_id, DemandLine.earliest,
                                     DemandLine.quantity)).subquery()
        # One query: the sums with their product's code and name (no second query for them).
        query = _BUILT[("totals", shape)] = (
            select(Product.id, Product.code, Product.name, lines.c.earliest, func.count(),
                   func.sum(lines.c.quantity))
            .join(lines, lines.c.product_id == Product.id)
            .group_by(Product.id, Product.code, Product.name, lines.c.earliest))
    products = {}
    for product_id, code, name, earliest, count, units in plain_rows(session, query,
                                                                      params).all():
        products[product_id] = ProductName(code, name)
        units = int(units or 0)
        totals.cells[(code, earliest)] = totals.cells.get((code, earliest), 0) + units
        totals.by_product[code] = totals.by_product.get(code, 0) + units
        totals.by_period[earliest] = totals.by_period.get(earliest, 0) + units
        totals.lines += count
        totals.units += units
    totals.products = sorted(products.values(), key=lambda p: p.code)
    return totals
