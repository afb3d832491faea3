"""Backup and restore of the whole database in a portable file (SQLite <-> PostgreSQL).

The file is a ZIP archive:

- `manifest.json`: {"format": "consortium-backup", "version": 1, "revision": <Alembic revision>,
  "created_at": <UTC>, "source": <dialect>, "tables": [{"name", "rows", "sha256"}, ...]} with the
  tables in dependency order (a table comes after the tables its foreign keys point at);
- `tables/<name>.jsonl`: one JSON object per row, ordered by primary key. Values are the
  columns' Python values made JSON-safe: times as UTC ISO text, money as a decimal string,
  JSON columns as JSON; the column types of the current models decode them again.

Restore accepts only a backup of the schema revision this code migrates to (an older backup is
restored with the release that wrote it and then upgraded); it refuses a database that has rows
unless forced, then empties it, loads every table in one transaction and resets the id sequences.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import consortium.models  # noqa: F401  (every table on SQLModel.metadata)
from consortium.migrate import alembic_config, upgrade
from consortium.models.types import as_utc

FORMAT, VERSION = "consortium-backup", 1
BATCH = 1000


class BackupError(Exception):
    """A backup file that cannot be restored here, or a database restore must not overwrite."""


@dataclass
class Summary:
    """What a backup or restore did: the revision and the rows per table."""

    revision: str
    tables: dict[str, int]
    created_at: str = ""

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def tables() -> list[sa.Table]:
    """Every table of the models, in dependency order."""
    return list(SQLModel.metadata.sorted_tables)


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _encode(value):
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        raise BackupError("binary columns are not supported by this backup format")
    return value


def _decoder(column: sa.Column):
    """A function turning a backup value back into the column's Python value."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):  # UTCDateTime, Money: decide by what they store
        kind = kind.impl_instance
    if isinstance(kind, sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(kind, sa.Numeric):
        return lambda v: None if v is None else Decimal(v)
    return lambda v: v  # Money takes its decimal text as it is; JSON, text and numbers as stored


def _ordered(table: sa.Table) -> sa.Select:
    return sa.select(table).order_by(*table.primary_key.columns)


def backup(engine: Engine, path: Path) -> Summary:
    """Write every table of the database at `engine` to the ZIP file `path`."""
    revision = database_revision(engine)
    if revision != head_revision():
        raise BackupError(f"The database is at schema revision {revision}, not {head_revision()}: "
                          "run `consortium init-db` first.")
    created = datetime.now(timezone.utc).isoformat()
    listing = []
    tmp = path.with_name(path.name + ".partial")
    # One read transaction, so the file is a consistent snapshot (REPEATABLE READ on PostgreSQL).
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, conn.begin(), \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables():
            digest, count = hashlib.sha256(), 0
            with archive.open(f"tables/{table.name}.jsonl", "w") as out:
                result = conn.execution_options(yield_per=BATCH).execute(_ordered(table))
                for row in result.mappings():
                    line = json.dumps({k: _encode(v) for k, v in row.items()}, sort_keys=True,
                                      ensure_ascii=True).encode() + b"\n"
                    out.write(line)
                    digest.update(line)
                    count += 1
            listing.append({"name": table.name, "rows": count, "sha256": digest.hexdigest()})
        manifest = {"format": FORMAT, "version": VERSION, "revision": revision,
                    "created_at": created, "source": engine.dialect.name, "tables": listing}
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    tmp.replace(path)
    return Summary(revision, {t["name"]: t["rows"] for t in listing}, created)


def read_manifest(archive: zipfile.ZipFile) -> dict:
    """The manifest of an opened backup, checked against what this code can restore."""
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError) as exc:
        raise BackupError("This is not a Consortium backup (no readable manifest.json).") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r} "
                          f"version {manifest.get('version')!r} (this code reads {FORMAT} {VERSION}).")
    revision, head = manifest.get("revision"), head_revision()
    if revision != head:
        if revision in known_revisions():
            raise BackupError(f"The backup has the older schema revision {revision}; this version "
                              f"restores {head}. Restore it with the release that wrote it, then "
                              "run `consortium init-db` to upgrade.")
        raise BackupError(f"The backup has schema revision {revision!r}, which this version does "
                          f"not know (newest known: {head}); restore it with a newer release.")
    known = {t.name for t in tables()}
    names = [t["name"] for t in manifest["tables"]]
    if set(names) != known:
        raise BackupError(f"The backup's tables differ from the schema's: "
                          f"missing {sorted(known - set(names))}, unknown {sorted(set(names) - known)}.")
    return manifest


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table in the database."""
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tables()}


def restore(engine: Engine, path: Path, *, force: bool = False) -> Summary:
    """Replace the database's content with the backup at `path` (all or nothing)."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"Cannot read {path}: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        upgrade(engine)
        # The chain head row exists in every migrated database; data is anything else.
        existing = sum(n for name, n in row_counts(engine).items() if name != "audit_chain")
        if existing and not force:
            raise BackupError(f"The database already holds {existing} rows; restoring replaces all "
                              "of them. Run again with --force to do so.")
        counts = {}
        with engine.begin() as conn:
            _empty(conn)
            for entry in manifest["tables"]:
                table = SQLModel.metadata.tables[entry["name"]]
                counts[table.name] = _load(conn, table, archive, entry)
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn)
    return Summary(manifest["revision"], counts, manifest.get("created_at", ""))


def _empty(conn) -> None:
    names = [t.name for t in reversed(tables())]
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " CASCADE"))
    else:
        for name in names:
            conn.execute(sa.text(f'DELETE FROM "{name}"'))


def _load(conn, table: sa.Table, archive: zipfile.ZipFile, entry: dict) -> int:
    decoders = {c.name: _decoder(c) for c in table.columns}
    digest, count, batch = hashlib.sha256(), 0, []
    with archive.open(f"tables/{table.name}.jsonl") as lines:
        for line in io.BufferedReader(lines):
            digest.update(line)
            row = json.loads(line)
            unknown = set(row) - set(decoders)
            if unknown:
                raise BackupError(f"{table.name}: unknown columns {sorted(unknown)}")
            batch.append({k: decoders[k](v) for k, v in row.items()})
            count += 1
            if len(batch) >= BATCH:
                conn.execute(sa.insert(table), batch)
                batch = []
    if batch:
        conn.execute(sa.insert(table), batch)
    if count != entry["rows"] or digest.hexdigest() != entry["sha256"]:
        raise BackupError(f"{table.name}: the file does not match its manifest (rows or checksum); "
                          "the backup is damaged. Nothing was restored.")
    return count


def _reset_sequences(conn) -> None:
    """After explicit ids were inserted, PostgreSQL's sequences must continue after them."""
    for table in tables():
        for column in table.primary_key.columns:
            if not isinstance(column.type, sa.Integer):
                continue
            sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": f'"{table.name}"', "c": column.name}).scalar()
            if sequence:
                conn.execute(sa.text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'),
                    {"s": sequence})
