"""`consortium backup` / `consortium restore`: every table and the audit chain survive the round
trip, on SQLite and PostgreSQL and from one to the other."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from consortium import cli as cli_module
from consortium.db import commit, make_engine
from consortium.models import AuditEntry, Member
from consortium.services import audit, members
from consortium.services.audit_chain import verify
from consortium.services.backup import BackupError, backup, restore, row_counts, tables
from consortium.services.fixtures import load_fixtures
from tests import factories
from tests.conftest import require_server

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
PG_ADMIN_URL = os.environ.get("MIGRATIONS_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _cli(url, *args):
    env = {"DATABASE_URL": url, "CONSORTIUM_ENV": "development", "SECRET_KEY": "", "REDIS_URL": ""}
    return CliRunner().invoke(cli_module.cli, list(args), env=env)


def _dump(engine) -> dict[str, list[dict]]:
    """Every row of every table, as the models read them (times, money, JSON)."""
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(
            sa.select(t).order_by(*t.primary_key.columns)).mappings()] for t in tables()}


@pytest.fixture
def populated(session, admin):
    """The demo consortium, an optimizer run and audited changes in the test database."""
    load_fixtures(session, FIXTURES)
    commit(session)
    session.commit()
    member = session.exec(select(Member).order_by(Member.id)).first()
    members.update_member(session, member, data={"state": "NV"}, actor=admin)
    round_ = factories.make_round(session, status="closed")
    factories.make_run(session, round=round_)
    return session


@pytest.fixture
def small(session, admin, fleet_manager, member):
    """A few rows in most tables, built by the factories (quicker than the demo consortium)."""
    product = factories.make_product(session)
    round_ = factories.make_round(session)
    for n in range(3):
        factories.make_line(session, round=round_, member=member, product=product)
    members.update_member(session, member, data={"state": "NV"}, actor=admin)
    factories.make_run(session, round=factories.make_round(session, status="closed"))
    return session


@pytest.fixture
def sqlite_target(tmp_path):
    url = f"sqlite:///{tmp_path / 'restored.db'}"
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


@pytest.fixture
def pg_target():
    name = f"consortium_restore_test_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        require_server(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    yield url, engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _round_trip(source, target_url, target, tmp_path):
    file = tmp_path / "backup.zip"
    summary = backup(source, file)
    assert summary.tables["demandline"] > 100 and summary.tables["audit_log"] > 0
    restored = restore(target, file)
    assert restored.tables == summary.tables
    assert _dump(target) == _dump(source)
    with source.connect() as a, target.connect() as b:
        before, after = verify(a), verify(b)
    assert before.ok and after.ok and after.entries == before.entries > 0
    # The restored database goes on working: new ids follow the restored ones, the chain grows.
    with Session(target) as s:
        members.create_member(s, data={"name": "Restored Town", "state": "OR", "country": "US",
                                       "delivery_address": "1 Main St"}, actor=None)
        audit.record(s, user=None, action="check", entity="restore", entity_id=None)
        s.commit()
    with target.connect() as b:
        grown = verify(b)
    assert grown.ok and grown.entries == before.entries + 2


def test_sqlite_or_postgres_round_trip_into_sqlite(populated, engine, sqlite_target, tmp_path):
    url, target = sqlite_target
    _round_trip(engine, url, target, tmp_path)


def test_round_trip_into_postgres(populated, engine, pg_target, tmp_path):
    url, target = pg_target
    _round_trip(engine, url, target, tmp_path)


def test_cli_backup_and_restore(small, database_url, engine, sqlite_target, tmp_path):
    file = tmp_path / "cli.zip"
    result = _cli(database_url, "backup", str(file))
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and "(schema " in result.output
    url, target = sqlite_target
    result = _cli(url, "restore", str(file))
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output and "Audit chain: OK" in result.output
    assert _dump(target) == _dump(engine)
    # a database with rows is only replaced on request
    counts = row_counts(target)
    refused = _cli(url, "restore", str(file))
    assert refused.exit_code == 1 and "Run again with --force" in refused.output
    assert row_counts(target) == counts
    forced = _cli(url, "restore", "--force", str(file))
    assert forced.exit_code == 0, forced.output
    assert _dump(target) == _dump(engine)


def _rewrite_manifest(src: Path, dst: Path, **changes) -> None:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
            new.writestr(item, data)


@pytest.mark.parametrize("revision, message", [
    ("9999", "which this version does not know"),
    ("0001", "older schema revision 0001"),
])
def test_restore_refuses_another_revision(small, engine, sqlite_target, tmp_path,
                                          revision, message):
    backup(engine, tmp_path / "good.zip")
    _rewrite_manifest(tmp_path / "good.zip", tmp_path / "bad.zip", revision=revision)
    with pytest.raises(BackupError, match=message):
        restore(sqlite_target[1], tmp_path / "bad.zip")


def test_a_damaged_backup_restores_nothing(small, engine, sqlite_target, tmp_path):
    backup(engine, tmp_path / "good.zip")
    url, target = sqlite_target
    restore(target, tmp_path / "good.zip")
    before = _dump(target)
    with zipfile.ZipFile(tmp_path / "good.zip") as old, \
            zipfile.ZipFile(tmp_path / "bad.zip", "w") as new:
        for item in old.namelist():
            data = old.read(item)
            if item == "tables/demandline.jsonl":
                damaged = data.replace(b'"quantity": 5', b'"quantity": 9', 1)
                assert damaged != data
                data = damaged
            new.writestr(item, data)
    with pytest.raises(BackupError, match="the backup is damaged"):
        restore(target, tmp_path / "bad.zip", force=True)
    assert _dump(target) == before


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_target, tmp_path):
    (tmp_path / "x.zip").write_text("not a zip")
    result = _cli(sqlite_target[0], "restore", str(tmp_path / "x.zip"))
    assert result.exit_code == 1 and "Cannot read" in result.output
