"""Members' demand lines: one validation shared by the line form and the CSV import, add, edit
and delete with the deadline lock, the version check and the audit log, and the indicative price.

Fleet managers change only their own member's lines, only while the round is open and before its
deadline. Admins may change any member's lines, and may still correct them after the deadline
while the round is open; nobody changes the lines of a closed round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from consortium import policy
from consortium.db import utcnow
from consortium.models import DemandLine, Member, PriceTier, Product, Round, User, money_json
from consortium.models.status import RoundStatus
from consortium.services import audit, line_refs
from consortium.services.demand_validation import (  # noqa: F401  (re-exported)
    NOTES_MAX,
    QTY_MAX,
    check_options,
    format_options,
    load_catalog,
    member_abbreviation,
    parse_options,
    validate_line_data,
)
from consortium.services.errors import Conflict, NotAllowed, ServiceError

LINE_FIELDS = ("ref", "product_id", "quantity", "earliest", "latest", "options", "splittable",
               "max_unit_price", "notes")


class InvalidLine(ServiceError):
    """The line's data has errors; `errors` maps each field to a message a person can act on."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("The line was not saved: "
                         + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in errors.items()))
        self.errors = errors


def is_editable(round_: Round, now: datetime | None = None) -> bool:
    """Whether members may still change the round's lines: open, and the deadline not passed."""
    return round_.status == RoundStatus.OPEN and (now or utcnow()) < round_.deadline


def ensure_editable(round_: Round, now: datetime | None = None, actor: User | None = None) -> None:
    """Raise NotAllowed unless `actor` may change lines of `round_` now (admins: until closed)."""
    if round_.status != RoundStatus.OPEN:
        raise NotAllowed(f"The round {round_.name} is {round_.status}; its lines are read-only.")
    if not is_editable(round_, now) and not (actor is not None and actor.is_admin):
        raise NotAllowed(
            f"The deadline of {round_.name} passed on "
            f"{round_.deadline:%Y-%m-%d %H:%M} UTC; its lines are read-only. "
            "Ask the consortium's admins if a line must be corrected.")


def ensure_may_change(session: Session, actor: User, line: DemandLine) -> None:
    """Raise NotAllowed unless the access policy lets `actor` change `line` (or add it: a
    line not saved yet, with its round and member set)."""
    if not policy.can_change(actor, line, session):
        raise NotAllowed("You can change only your own member's lines.")


def ref_taken(session: Session, round_id: int, member_id: int, ref: str,
              except_id: int | None = None) -> bool:
    """Whether another of the member's lines of the round already uses `ref`."""
    return line_refs.taken(session, round_id, member_id, ref, except_id)


def _values(clean: dict) -> dict:
    return {"ref": clean["ref"], "product_id": clean["product"].id, "quantity": clean["quantity"],
            "earliest": clean["earliest"], "latest": clean["latest"],
            "options": clean["options"], "splittable": clean["splittable"],
            "max_unit_price": clean["max_unit_price"], "notes": clean["notes"]}


def ref_error(ref: str) -> str:
    """The message for a ref that another of the member's own lines of the round holds (refs
    are unique per member, so other members' refs are never a reason)."""
    return (f"{ref} is the ref of another of this member's lines in the round; choose another "
            "ref, or leave it blank to number the line automatically")


def _checked(session: Session, round_: Round, member_id: int, raw: dict,
             except_id: int | None = None) -> dict:
    clean, errors = validate_line_data(round_, load_catalog(session), raw)
    ref = clean["ref"]
    if ref and "ref" not in errors and ref_taken(session, round_.id, member_id, ref, except_id):
        errors["ref"] = ref_error(ref)
    if errors:
        raise InvalidLine(errors)
    return clean


def add_line(session: Session, *, round_: Round, member: Member, actor: User, raw: dict,
             now: datetime | None = None) -> DemandLine:
    """Add a line for `member` to `round_` (ref generated when blank), recorded in the audit log."""
    ensure_may_change(session, actor, DemandLine(round_id=round_.id, member_id=member.id))
    ensure_editable(round_, now, actor)
    values = _values(_checked(session, round_, member.id, raw))
    line = _insert_line(session, round_, member, actor, values)
    audit.record(session, user=actor, action="create", entity="demandline", entity_id=line.id,
                 summary=f"added line {line.ref}", after=audit.snapshot(line, LINE_FIELDS),
                 round_id=round_.id, member_id=member.id)
    return line


REF_ATTEMPTS = 50


def _insert_line(session: Session, round_: Round, member: Member, actor: User,
                 values: dict) -> DemandLine:
    """Insert a line with its ref, or one drawn from the member's counter (services.line_refs),
    so simultaneous adds never refuse each other; a drawn ref that someone typed by hand a
    moment ago (the unique constraint decides) is drawn again."""
    ids = {"round_id": round_.id, "member_id": member.id, "created_by_id": actor.id,
           "updated_by_id": actor.id}
    given = values["ref"]
    for _attempt in range(REF_ATTEMPTS):
        ref = given or line_refs.draw(session, round_, member, 1)[0]
        line = DemandLine.model_validate({**values, "ref": ref}, update=ids)
        session.add(line)
        try:
            session.flush()
            return line
        except IntegrityError:
            # Nothing else is flushed in this transaction yet, so rolling it back loses nothing.
            session.rollback()
            if given:
                raise Conflict(f"The ref {given} was taken by another line a moment ago; "
                               "nothing was saved. Choose another ref or leave it blank.") from None
    raise Conflict("Too many lines are being added at this moment; nothing was saved. "
                   "Save again.")


def describe_line(session: Session, line: DemandLine) -> dict:
    """A line's values as people read them (for conflict messages and previews)."""
    product = session.get(Product, line.product_id)
    editor = session.get(User, line.updated_by_id) if line.updated_by_id else None
    return {"ref": line.ref, "product": product.code if product else "?",
            "quantity": line.quantity, "earliest": line.earliest, "latest": line.latest,
            "options": format_options(line.options),
            "splittable": "yes" if line.splittable else "no",
            "max_unit_price": line.max_unit_price, "notes": line.notes, "version": line.version,
            "updated_by": editor.email if editor else "", "updated_at": line.updated_at}


def _conflict(session: Session, line: DemandLine, doing: str) -> Conflict:
    session.rollback()
    current = session.get(DemandLine, line.id, populate_existing=True)
    if current is None:
        return Conflict(f"This line was deleted by someone else; nothing was {doing}.")
    return Conflict(f"Someone else saved line {current.ref} while you were working on it; your "
                    f"change was not {doing}. The newer values are shown below.",
                    current=describe_line(session, current))


def update_line(session: Session, *, line: DemandLine, actor: User, raw: dict,
                expected_version: int, now: datetime | None = None) -> list[str]:
    """Save new values for `line` if nobody saved it since `expected_version`; returns the
    changed fields (empty when nothing changed). Raises Conflict with the newer values."""
    ensure_may_change(session, actor, line)
    round_ = session.get(Round, line.round_id)
    ensure_editable(round_, now, actor)
    if line.version != expected_version:
        raise _conflict(session, line, "saved")
    values = _values(_checked(session, round_, line.member_id, raw, except_id=line.id))
    values["ref"] = values["ref"] or line.ref
    before = audit.snapshot(line, LINE_FIELDS)
    after = {k: money_json(v) if isinstance(v, Decimal) else v for k, v in values.items()}
    changed = audit.changed_fields(before, after)
    if not changed:
        return []
    result = session.execute(
        update(DemandLine).where(DemandLine.id == line.id, DemandLine.version == expected_version)
        .values(**values, version=expected_version + 1, updated_by_id=actor.id,
                updated_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise _conflict(session, line, "saved")
    audit.record(session, user=actor, action="update", entity="demandline", entity_id=line.id,
                 summary=f"changed line {values['ref']}: {', '.join(changed)}",
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
                 round_id=line.round_id, member_id=line.member_id)
    session.refresh(line)
    return changed


def delete_line(session: Session, *, line: DemandLine, actor: User, expected_version: int,
                now: datetime | None = None) -> None:
    """Delete `line` if nobody saved it since `expected_version`, recorded in the audit log."""
    ensure_may_change(session, actor, line)
    ensure_editable(session.get(Round, line.round_id), now, actor)
    if line.version != expected_version:
        raise _conflict(session, line, "deleted")
    before = audit.snapshot(line, LINE_FIELDS)
    line_id, ref, round_id, member_id = line.id, line.ref, line.round_id, line.member_id
    result = session.execute(
        delete(DemandLine).where(DemandLine.id == line_id, DemandLine.version == expected_version)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise _conflict(session, line, "deleted")
    session.expunge(line)
    audit.record(session, user=actor, action="delete", entity="demandline", entity_id=line_id,
                 summary=f"deleted line {ref}", before=before, round_id=round_id,
                 member_id=member_id)


@dataclass(frozen=True)
class Indicative:
    """The indicative unit price for a quantity on top of the round's pooled demand."""

    pooled_others: int  # units of the same product and options on the round's other lines
    quantity: int  # the units being typed
    total: int
    unit_price: Decimal | None  # None when the product has no price tiers
    tier_min_qty: int | None
    next_min_qty: int | None  # None at the top tier
    next_unit_price: Decimal | None
    units_to_next: int | None


def indicative_price(session: Session, round_: Round, product: Product, options: dict,
                     extra_qty: int, exclude_line_id: int | None = None) -> Indicative:
    """The tier that the round's pooled demand for this product and options reaches with
    `extra_qty` more units, and how many more units reach the next tier.

    Indicative only: the optimizer splits demand into tranches by period and vendor limits.
    """
    query = select(DemandLine.quantity, DemandLine.options).where(
        DemandLine.round_id == round_.id, DemandLine.product_id == product.id)
    if exclude_line_id is not None:
        query = query.where(DemandLine.id != exclude_line_id)
    pooled = sum(q for q, opts in session.exec(query).all() if (opts or {}) == (options or {}))
    extra_qty = max(0, int(extra_qty or 0))
    total = pooled + extra_qty
    tiers = session.exec(select(PriceTier).where(PriceTier.product_id == product.id)
                         .order_by(PriceTier.min_qty)).all()
    reached = [t for t in tiers if t.min_qty <= max(total, 1)]
    current = reached[-1] if reached else (tiers[0] if tiers else None)
    following = next((t for t in tiers if t.min_qty > total), None)
    if following is current:
        following = next((t for t in tiers if t.min_qty > current.min_qty), None)
    return Indicative(
        pooled_others=pooled, quantity=extra_qty, total=total,
        unit_price=current.unit_price if current else None,
        tier_min_qty=current.min_qty if current else None,
        next_min_qty=following.min_qty if following else None,
        next_unit_price=following.unit_price if following else None,
        units_to_next=(following.min_qty - total) if following else None)
