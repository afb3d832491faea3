"""The audit log's hash chain: appended at commit, verified, and broken by raw SQL edits."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from sqlalchemy import insert, text
from sqlmodel import Session, select

from consortium import cli as cli_module
from consortium.db import commit, make_engine, utcnow
from consortium.migrate import upgrade
from consortium.models import AuditEntry
from consortium.services import audit, members
from consortium.services.audit_chain import GENESIS, canonical, entry_hash, verify
from tests import factories


def _verify(engine):
    with engine.connect() as conn:
        return verify(conn)


def _cli(database_url, *args):
    env = {"DATABASE_URL": database_url, "CONSORTIUM_ENV": "development", "SECRET_KEY": "",
           "REDIS_URL": ""}
    return CliRunner().invoke(cli_module.cli, list(args), env=env)


def _three_changes(session, admin, member):
    for state in ("NV", "OR", "WA"):
        members.update_member(session, member, data={"state": state}, actor=admin)
        commit(session)
    return session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()


def test_canonical_form_is_sorted_json_with_utc_times():
    at = datetime(2027, 1, 2, 3, 4, 5, 6000, tzinfo=timezone(timedelta(hours=-8)))
    fields = {"at": at, "user_id": 7, "user_email": "a@example.com", "action": "update",
              "entity": "member", "entity_id": 3, "round_id": None, "member_id": 3,
              "summary": "Zürich", "before": {"b": 1, "a": 2.5}, "after": None}
    text_ = canonical(fields, seq=1, prev_hash=GENESIS)
    assert text_ == (
        '{"action":"update","after":null,"at":"2027-01-02T11:04:05.006000Z",'
        '"before":{"a":2.5,"b":1},"entity":"member","entity_id":3,"member_id":3,'
        f'"prev_hash":"{GENESIS}","round_id":null,"seq":1,"summary":"Z\\u00fcrich",'
        '"user_email":"a@example.com","user_id":7,"v":1}')
    # a naive time is UTC; the same instant in another zone hashes the same
    naive = dict(fields, at=at.astimezone(timezone.utc).replace(tzinfo=None))
    assert entry_hash(naive, seq=1, prev_hash=GENESIS) == entry_hash(fields, seq=1, prev_hash=GENESIS)
    assert entry_hash(fields, seq=2, prev_hash=GENESIS) != entry_hash(fields, seq=1, prev_hash=GENESIS)


def test_entries_are_chained_when_committed(session, engine, admin, member):
    entries = _three_changes(session, admin, member)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    verdict = _verify(engine)
    assert verdict.ok and verdict.entries == 3
    assert str(verdict) == "OK: the audit chain of 3 entries is intact."


def test_bulk_inserted_entries_are_chained(session, engine, admin):
    now = utcnow()
    session.execute(insert(AuditEntry), [
        {"at": now, "user_email": admin.email, "action": "create", "entity": "demandline",
         "entity_id": n, "summary": f"line {n}", "after": {"max_unit_price": 95000.5}}
        for n in range(5)])
    session.commit()
    assert _verify(engine).entries == 5
    assert None not in session.exec(select(AuditEntry.hash)).all()


def test_a_rolled_back_entry_leaves_the_chain_intact(session, engine, admin, member):
    audit.record(session, user=admin, action="update", entity="member", entity_id=member.id)
    session.flush()
    session.rollback()
    session.refresh(member)
    session.refresh(admin)
    _three_changes(session, admin, member)
    assert _verify(engine).entries == 3


def test_update_in_the_database_is_reported_with_the_entry(session, engine, database_url,
                                                           admin, member):
    entries = _three_changes(session, admin, member)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'nothing happened' WHERE id = :id"),
                     {"id": entries[1].id})
    verdict = _verify(engine)
    assert not verdict.ok
    assert (verdict.entry_id, verdict.seq, verdict.checked) == (entries[1].id, 2, 1)
    assert verdict.problem.startswith(f"content changed: stored hash {entries[1].hash}")
    result = _cli(database_url, "audit", "verify")
    assert result.exit_code == 1
    assert f"BROKEN at entry {entries[1].id} (position 2): content changed" in result.output


def test_update_of_the_json_snapshot_is_reported(session, engine, admin, member):
    entries = _three_changes(session, admin, member)
    with engine.begin() as conn:
        conn.execute(text("""UPDATE audit_log SET "after" = '{"state": "CA"}' WHERE id = :id"""),
                     {"id": entries[2].id})
    verdict = _verify(engine)
    assert (verdict.ok, verdict.entry_id) == (False, entries[2].id)


def test_delete_in_the_middle_is_reported_at_the_next_entry(session, engine, database_url,
                                                            admin, member):
    entries = _three_changes(session, admin, member)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entries[1].id})
    verdict = _verify(engine)
    assert (verdict.ok, verdict.entry_id, verdict.seq) == (False, entries[2].id, 3)
    assert "positions 2..2 are missing (deleted)" in verdict.problem
    result = _cli(database_url, "audit", "verify")
    assert result.exit_code == 1 and "missing (deleted)" in result.output


def test_delete_of_the_newest_entry_is_reported_by_the_head(session, engine, admin, member):
    entries = _three_changes(session, admin, member)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": entries[2].id})
    verdict = _verify(engine)
    assert not verdict.ok
    assert "the head records 3 entries" in verdict.problem and "log has 2" in verdict.problem


def _raw_time(engine):
    """Now, as a raw statement can bind it: SQLite's driver has no datetime adapter from
    Python 3.12 on, so there the time goes in as the text SQLAlchemy itself stores."""
    now = utcnow()
    if engine.dialect.name == "sqlite":
        return now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return now


def test_a_row_inserted_outside_the_app_is_reported(session, engine, admin, member):
    _three_changes(session, admin, member)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (at, user_email, action, entity, summary) "
                          "VALUES (:at, 'x', 'create', 'member', 'forged')"), {"at": _raw_time(engine)})
    verdict = _verify(engine)
    assert not verdict.ok and "outside the chain" in verdict.problem


def test_a_check_of_the_newest_entries_starts_from_the_stored_hash(session, engine, admin,
                                                                   member):
    _three_changes(session, admin, member)
    entries = _three_changes(session, admin, member)  # all six, in chain order
    with engine.connect() as conn:
        newest = verify(conn, newest=2)
    assert newest.ok and (newest.checked, newest.entries) == (2, 6)
    assert str(newest).startswith("OK: the newest 2 of 6 audit entries are intact")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'x' WHERE id = :id"), {"id": entries[0].id})
        assert verify(conn, newest=2).ok  # outside the window: only the whole check sees it
        assert not verify(conn).ok
        conn.execute(text("UPDATE audit_log SET summary = 'x' WHERE id = :id"), {"id": entries[5].id})
        assert verify(conn, newest=2).entry_id == entries[5].id


def test_cli_prints_ok_and_the_count(session, database_url, admin, member):
    _three_changes(session, admin, member)
    result = _cli(database_url, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "OK: the audit chain of 3 entries is intact." in result.output


def test_concurrent_writers_form_one_chain(engine, app):
    writers, per_writer = 6, 5
    with Session(engine, expire_on_commit=False) as s:
        users = [factories.make_user(s, "admin") for _ in range(writers)]
    barrier, errors = threading.Barrier(writers), []

    def write(user):
        try:
            barrier.wait()
            for n in range(per_writer):
                with Session(engine) as s:
                    audit.record(s, user=user, action="update", entity="member", entity_id=n,
                                 summary=f"{user.email} {n}")
                    s.commit()
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    verdict = _verify(engine)
    assert verdict.ok, str(verdict)
    assert verdict.entries == writers * per_writer


def test_admin_audit_page_shows_the_chain_state(admin_client, session, engine, admin, member):
    entries = _three_changes(session, admin, member)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Hash chain intact: all 3 entries verified." in page
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET user_email = 'someone@else' WHERE id = :id"),
                     {"id": entries[0].id})
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Hash chain broken:" in page and f"entry {entries[0].id} (position 1)" in page
    assert "Hash chain intact" not in page


def test_audit_page_is_for_admins_only(fleet_client, client):
    assert fleet_client.get("/admin/audit").status_code == 403


def test_migration_chains_the_entries_that_exist(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0001")
        with engine.begin() as conn:
            for n in range(4):
                conn.execute(text(
                    "INSERT INTO audit_log (at, user_email, action, entity, summary, \"after\") "
                    "VALUES (:at, 'system', 'create', 'member', :s, :a)"),
                    {"at": f"2026-11-2{n} 10:00:00.000000", "s": f"entry {n}", "a": '{"n": 1.25}'})
        upgrade(engine)
        verdict = _verify(engine)
        assert verdict.ok and verdict.entries == 4
        with engine.connect() as conn:
            seqs = conn.execute(text("SELECT seq FROM audit_log ORDER BY id")).scalars().all()
        assert seqs == [1, 2, 3, 4]
    finally:
        engine.dispose()


def test_empty_log_verifies(engine, app):
    verdict = _verify(engine)
    assert verdict.ok and verdict.entries == 0
