"""Migrations from an empty database to the newest schema and back, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

import consortium.models  # noqa: F401  (every table on SQLModel.metadata)
from consortium.db import make_engine
from consortium.migrate import current_tables, downgrade, upgrade
from tests.conftest import require_server

PG_ADMIN_URL = os.environ.get("MIGRATIONS_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _round_trip(engine) -> None:
    expected = set(SQLModel.metadata.tables)
    assert expected, "no tables registered"
    assert current_tables(engine) == set()
    upgrade(engine)
    assert current_tables(engine) - {"alembic_version"} == expected
    downgrade(engine)
    assert current_tables(engine) - {"alembic_version"} == set()
    upgrade(engine)
    assert current_tables(engine) - {"alembic_version"} == expected


def test_sqlite_upgrade_downgrade_upgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    try:
        _round_trip(engine)
        with engine.connect() as conn:  # the pragmas hold on every connection
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    finally:
        engine.dispose()


def test_postgresql_upgrade_downgrade_upgrade():
    # A database of its own, so the suite's shared `test` database is untouched.
    name = f"consortium_migrations_test_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        require_server(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        _round_trip(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
