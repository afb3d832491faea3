"""The audit log's hash chain: every entry carries a SHA-256 over its canonical content and the
previous entry's hash, so an UPDATE or DELETE made straight in the database is detected.

Canonical form of an entry (version 1), hashed as UTF-8 bytes:

    json.dumps({"v": 1, "seq": ..., "prev_hash": ..., "at": ..., "user_id": ...,
                "user_email": ..., "action": ..., "entity": ..., "entity_id": ...,
                "round_id": ..., "member_id": ..., "summary": ..., "before": ..., "after": ...},
               sort_keys=True, separators=(",", ":"), ensure_ascii=True)

- `at` is written in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (a stored time without offset is UTC);
- `before`/`after` are the JSON snapshots as stored: money there is what `audit.snapshot` writes,
  a whole amount as an integer (no cents amount is ever a float with more than two decimals),
  and numbers are written by `json.dumps` (shortest round-trip form), so reloading the stored
  JSON gives the same text on SQLite and PostgreSQL;
- `prev_hash` of the first entry is 64 zeros; `seq` counts from 1 without gaps.

Entries are chained when their transaction commits (`before_commit`), under a lock on the one
row of `audit_chain` (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the transaction already holds
the database's write lock), so two requests writing entries at once still form one chain. The
hash is read back from the stored row, so what is hashed is exactly what verification reads.
This makes changes and deletions evident; it does not authenticate a row inserted by someone
with write access to the database who also recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from consortium.models.types import UTCDateTime, as_utc

GENESIS = "0" * 64
CANONICAL_VERSION = 1
CONTENT_FIELDS = ("at", "user_id", "user_email", "action", "entity", "entity_id", "round_id",
                  "member_id", "summary", "before", "after")
_PENDING = "consortium.audit_chain.pending"

# Lightweight tables naming only the columns the chain reads and writes, so the 0003 migration
# can use the same code whatever columns later migrations add.
audit_log = sa.table(
    "audit_log", sa.column("id", sa.Integer), sa.column("at", UTCDateTime()),
    sa.column("user_id", sa.Integer), sa.column("user_email", sa.String),
    sa.column("action", sa.String), sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer), sa.column("round_id", sa.Integer),
    sa.column("member_id", sa.Integer), sa.column("summary", sa.String),
    sa.column("before", sa.JSON), sa.column("after", sa.JSON), sa.column("seq", sa.Integer),
    sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
audit_chain = sa.table("audit_chain", sa.column("id", sa.Integer), sa.column("last_seq", sa.Integer),
                       sa.column("last_hash", sa.String))


def utc_text(value: datetime) -> str:
    """A time in the canonical form's one format (UTC, microseconds, `Z`)."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict, *, seq: int, prev_hash: str) -> str:
    """The canonical JSON text of an entry's content at position `seq` after `prev_hash`."""
    data = {name: fields.get(name) for name in CONTENT_FIELDS}
    data["at"] = utc_text(data["at"]) if data["at"] is not None else None
    data.update(v=CANONICAL_VERSION, seq=seq, prev_hash=prev_hash)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_hash(fields: dict, *, seq: int, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical form."""
    return hashlib.sha256(canonical(fields, seq=seq, prev_hash=prev_hash).encode()).hexdigest()


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Create the head row if missing, lock it, and return (last_seq, last_hash)."""
    if conn.execute(sa.select(audit_chain.c.id).where(audit_chain.c.id == 1)).first() is None:
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            module = postgresql if dialect == "postgresql" else sqlite
            conn.execute(module.insert(audit_chain).values(id=1, last_seq=0, last_hash=GENESIS)
                         .on_conflict_do_nothing(index_elements=["id"]))
        else:  # pragma: no cover - the two supported databases are handled above
            conn.execute(sa.insert(audit_chain).values(id=1, last_seq=0, last_hash=GENESIS))
    row = conn.execute(sa.select(audit_chain.c.last_seq, audit_chain.c.last_hash)
                       .where(audit_chain.c.id == 1).with_for_update()).one()
    return row.last_seq, row.last_hash or GENESIS


def chain_pending(conn: Connection) -> list[tuple[int, int, str, str]]:
    """Chain every stored entry that has no position yet, in id order.

    Returns (id, seq, hash, prev_hash) of each entry chained."""
    pending = conn.execute(sa.select(audit_log).where(audit_log.c.seq.is_(None))
                           .order_by(audit_log.c.id)).mappings().all()
    if not pending:
        return []
    seq, prev = _lock_head(conn)
    chained = []
    for row in pending:
        seq += 1
        digest = entry_hash(row, seq=seq, prev_hash=prev)
        chained.append((row["id"], seq, digest, prev))
        prev = digest
    conn.execute(sa.update(audit_log).where(audit_log.c.id == sa.bindparam("b_id"))
                 .values(seq=sa.bindparam("b_seq"), prev_hash=sa.bindparam("b_prev"),
                         hash=sa.bindparam("b_hash")),
                 [{"b_id": i, "b_seq": n, "b_hash": h, "b_prev": p} for i, n, h, p in chained])
    conn.execute(sa.update(audit_chain).where(audit_chain.c.id == 1)
                 .values(last_seq=seq, last_hash=prev))
    return chained


@dataclass
class Verdict:
    """What `verify` found: `ok`, the chain's length, how many entries were checked (all unless
    only the newest were asked for), and the first broken link if any."""

    ok: bool
    entries: int
    entry_id: int | None = None
    seq: int | None = None
    problem: str = ""
    checked: int | None = None

    def __str__(self) -> str:
        if self.ok:
            if self.checked is not None and self.checked < self.entries:
                return (f"OK: the newest {self.checked} of {self.entries} audit entries are intact "
                        "(`consortium audit verify` checks them all).")
            return f"OK: the audit chain of {self.entries} entries is intact."
        where = f"entry {self.entry_id} (position {self.seq})" if self.entry_id else "the chain head"
        return f"BROKEN at {where}: {self.problem}"


def _head(conn: Connection) -> tuple[int, str]:
    head = conn.execute(sa.select(audit_chain.c.last_seq, audit_chain.c.last_hash)
                        .where(audit_chain.c.id == 1)).first()
    return (head.last_seq, head.last_hash or GENESIS) if head else (0, GENESIS)


def verify(conn: Connection, *, newest: int | None = None, batch: int = 2000) -> Verdict:
    """Walk the chain in order and report the first broken link (changed, deleted or unchained).

    With `newest`, only the newest entries are checked (from the stored hash of the entry before
    them): the admin page's bounded check; the command checks the whole chain.
    """
    head_seq, head_hash = _head(conn)
    expected_seq, prev = 1, GENESIS
    if newest is not None and head_seq > newest:
        expected_seq = head_seq - newest + 1
        anchor = conn.execute(sa.select(audit_log.c.hash).where(
            audit_log.c.seq == expected_seq - 1)).first()
        if anchor is None:
            return Verdict(False, head_seq, None, expected_seq - 1,
                           f"the entry at position {expected_seq - 1} is missing (deleted)")
        prev = anchor.hash
    first, count, last_id = expected_seq, 0, None
    while True:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.seq >= expected_seq)
                            .order_by(audit_log.c.seq).limit(batch)).mappings().all()
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected_seq:
                return Verdict(False, head_seq, row["id"], row["seq"],
                               f"entries at positions {expected_seq}..{row['seq'] - 1} are missing "
                               "(deleted)", count)
            if row["prev_hash"] != prev:
                return Verdict(False, head_seq, row["id"], row["seq"],
                               f"prev_hash {row['prev_hash']} does not match the previous entry's "
                               f"hash {prev}", count)
            digest = entry_hash(row, seq=row["seq"], prev_hash=prev)
            if row["hash"] != digest:
                return Verdict(False, head_seq, row["id"], row["seq"],
                               f"content changed: stored hash {row['hash']}, "
                               f"recomputed {digest}", count)
            prev, count, last_id = digest, count + 1, row["id"]
            expected_seq += 1
    stray = conn.execute(sa.select(audit_log.c.id, audit_log.c.seq).where(
        sa.or_(audit_log.c.seq.is_(None), audit_log.c.seq < 1)).order_by(audit_log.c.id)
        .limit(1)).first()
    if stray is not None:
        return Verdict(False, head_seq, stray.id, stray.seq,
                       "entry is outside the chain (no position; inserted outside the app)", count)
    last_seq = expected_seq - 1
    if (head_seq, head_hash) != (last_seq, prev):
        return Verdict(False, head_seq, None, None,
                       f"the head records {head_seq} entries ending in {head_hash}, the log has "
                       f"{last_seq} ending in {prev} (the newest entries were deleted or changed; "
                       f"last intact entry: {last_id})", count)
    return Verdict(True, last_seq, checked=count if first > 1 else None)


# Session hooks: note that entries were written (ORM flush or a bulk INSERT), chain them at commit.

@event.listens_for(Session, "after_flush")
def _note_flushed_entries(session, _flush_context) -> None:
    from consortium.models import AuditEntry
    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.info[_PENDING] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_entries(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if state.is_insert and getattr(table, "name", None) == "audit_log":
        state.session.info[_PENDING] = True


@event.listens_for(Session, "before_commit")
def _chain_at_commit(session) -> None:
    from consortium.models import AuditEntry
    if not (session.info.get(_PENDING) or any(isinstance(o, AuditEntry) for o in session.new)):
        return
    session.flush()
    chained = chain_pending(session.connection())
    by_id = {entry_id: (seq, digest, previous) for entry_id, seq, digest, previous in chained}
    for entry in list(session.identity_map.values()):  # keep loaded entries in step, not dirty
        if isinstance(entry, AuditEntry) and entry.id in by_id:
            seq, digest, previous = by_id[entry.id]
            set_committed_value(entry, "seq", seq)
            set_committed_value(entry, "prev_hash", previous)
            set_committed_value(entry, "hash", digest)
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session) -> None:
    session.info.pop(_PENDING, None)
