"""Operations commands: `consortium audit verify`, `consortium backup` and `consortium restore`."""

from __future__ import annotations

from pathlib import Path

import click

from consortium.cli.context import CliContext, pass_context


@click.group("audit")
def audit_group():
    """The audit log's hash chain."""


@audit_group.command("verify")
@pass_context
def audit_verify_command(context: CliContext):
    """Check every audit entry's hash and link; print OK and the count, or the first broken link."""
    from consortium.services.audit_chain import verify

    with context.engine.connect() as conn:
        verdict = verify(conn)
    if not verdict.ok:
        raise click.ClickException(str(verdict))
    click.echo(str(verdict))


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@pass_context
def backup_command(context: CliContext, file: Path):
    """Write the whole database to FILE (a portable ZIP of every table and the schema revision)."""
    from consortium.services.backup import BackupError, backup

    try:
        summary = backup(context.engine, file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backed up {summary.rows} rows in {len(summary.tables)} tables "
               f"(schema {summary.revision}) to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the rows of a database that is not empty.")
@pass_context
def restore_command(context: CliContext, file: Path, force: bool):
    """Replace the database's content with the backup FILE (refuses a non-empty database
    unless --force, and a backup of another schema revision)."""
    from consortium.services.audit_chain import verify
    from consortium.services.backup import BackupError, restore

    try:
        summary = restore(context.engine, file, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    url = context.engine.url.render_as_string(hide_password=True)
    click.echo(f"Restored {summary.rows} rows in {len(summary.tables)} tables (schema "
               f"{summary.revision}, backup taken {summary.created_at}) into {url}.")
    with context.engine.connect() as conn:
        verdict = verify(conn)
    click.echo(f"Audit chain: {verdict}")
    if not verdict.ok:
        raise SystemExit(1)
