"""Refs of demand lines: unique among one member's lines of a round, generated without collisions.

Each member's lines of a round have their own refs, and another member may use the same ones, so
that a ref typed in the line form or a CSV file tells nothing about other members' lines. A
generated ref "<MEMBER>-<round slug>-NNN" takes its number from the member's counter row for the
round, raised by one atomic `UPDATE ... RETURNING`: simultaneous sessions never draw the same
number (the row stays locked until the drawing transaction ends), and a number whose ref was
typed by hand is skipped.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, select

from consortium.models import DemandLine, DemandRefCounter, Member, Round
from consortium.services.demand_validation import member_abbreviation


def prefix(round_: Round, member: Member) -> str:
    """The start of the member's generated refs in the round, e.g. "LA-fleet-2027-"."""
    return f"{member_abbreviation(member.name)}-{round_.slug[:40]}-"


def taken(session: Session, round_id: int, member_id: int, ref: str,
          except_id: int | None = None) -> bool:
    """Whether another of the member's lines of the round already has `ref`."""
    query = select(DemandLine.id).where(DemandLine.round_id == round_id,
                                        DemandLine.member_id == member_id, DemandLine.ref == ref)
    if except_id is not None:
        query = query.where(DemandLine.id != except_id)
    return session.exec(query).first() is not None


def _raise(session: Session, round_id: int, member_id: int, count: int) -> int | None:
    """Add `count` to the counter and return its new value (None when there is no row yet)."""
    return session.execute(
        update(DemandRefCounter)
        .where(DemandRefCounter.round_id == round_id, DemandRefCounter.member_id == member_id)
        .values(last=DemandRefCounter.last + count)
        .returning(DemandRefCounter.last)
        .execution_options(synchronize_session=False)).scalar_one_or_none()


def _create_counter(session: Session, round_: Round, member: Member) -> None:
    """The member's counter for the round, starting after the highest generated ref in use (lines
    added before counters existed); a simultaneous first draw may create it too: one is kept."""
    start = prefix(round_, member)
    refs = session.exec(select(DemandLine.ref).where(
        DemandLine.round_id == round_.id, DemandLine.member_id == member.id,
        DemandLine.ref.startswith(start, autoescape=True))).all()
    last = max((int(r[len(start):]) for r in refs if r[len(start):].isdigit()), default=0)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(DemandRefCounter)
                    .values(round_id=round_.id, member_id=member.id, last=last)
                    .on_conflict_do_nothing(index_elements=["round_id", "member_id"]))


def draw(session: Session, round_: Round, member: Member, count: int) -> list[str]:
    """`count` refs for new lines of the member in the round, drawn in the caller's transaction
    (which should insert the lines and commit soon: the counter row is locked until then)."""
    start, refs = prefix(round_, member), []
    round_id, member_id = round_.id, member.id
    while len(refs) < count:
        need = count - len(refs)
        last = _raise(session, round_id, member_id, need)
        if last is None:
            _create_counter(session, round_, member)
            last = _raise(session, round_id, member_id, need)
        candidates = [f"{start}{n:03d}" for n in range(last - need + 1, last + 1)]
        typed = set(session.exec(select(DemandLine.ref).where(
            DemandLine.round_id == round_id, DemandLine.member_id == member_id,
            DemandLine.ref.in_(candidates))).all())
        refs += [ref for ref in candidates if ref not in typed]
    return refs
