"""The `consortium` group: set up the database, load demo data, serve; other commands join it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from consortium.cli.award import award_optimize_command
from consortium.cli.award_publish import publish_award_command
from consortium.cli.award_runs import award_group
from consortium.cli.bids import bids_group, runs_group
from consortium.cli.context import FIXTURES, CliContext, pass_context
from consortium.cli.hints import hints_command
from consortium.cli.notify import notify_group
from consortium.cli.ops import audit_group, backup_command, restore_command
from consortium.cli.optimize import optimize_command
from consortium.cli.publish import export_packages_command, publish_command
from consortium.cli.rounds import export_problem_command, rounds_group
from consortium.cli.runs import run_command, worker_command
from consortium.cli.value import member_value_command
from consortium.config import Settings


@click.group()
@click.version_option(package_name="consortium")
def cli():
    """Consortium: joint vehicle purchasing for a consortium of cities."""


@cli.command("init-db")
@pass_context
def init_db(context: CliContext):
    """Create the database or upgrade it to the newest schema."""
    from consortium.migrate import upgrade
    upgrade(context.engine)
    click.echo(f"Database ready: {context.engine.url.render_as_string(hide_password=True)}")


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "fleet_manager", "vendor"]), required=True)
@click.option("--member", "member_name", help="The member (city) of a fleet manager.")
@click.option("--vendor", "vendor_name", help="The vendor of a vendor user.")
@click.option("--name", default="", help="The person's name.")
@click.password_option(help="The password (asked for when not given).")
@pass_context
def create_user(context: CliContext, email, role, member_name, vendor_name, name, password):
    """Create a user with a role (fleet managers need --member, vendors --vendor)."""
    from sqlmodel import select

    from consortium.models import Member, Vendor
    from consortium.services.accounts import create_user as create
    from consortium.services.errors import ServiceError

    with context.session_scope() as session:
        member = vendor = None
        if member_name:
            member = session.exec(select(Member).where(Member.name == member_name)).first()
            if member is None:
                raise click.ClickException(f"No member is named {member_name!r}.")
        if vendor_name:
            vendor = session.exec(select(Vendor).where(Vendor.name == vendor_name)).first()
            if vendor is None:
                raise click.ClickException(f"No vendor is named {vendor_name!r}.")
        try:
            user = create(session, email=email, password=password, role=role, name=name,
                          member=member, vendor=vendor)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@cli.command("load-fixtures")
@click.option("--path", "path", type=click.Path(path_type=Path), default=FIXTURES / "demo",
              show_default=True, help="The folder of fixture files.")
@pass_context
def load_fixtures(context: CliContext, path: Path):
    """Load the demo consortium (idempotent: rows that exist are left as they are)."""
    from consortium.services.fixtures import FixtureError, load_fixtures as load

    with context.session_scope() as session:
        try:
            counts = load(session, path)
        except FixtureError as exc:
            raise click.ClickException(str(exc)) from exc
        if path.resolve() == (FIXTURES / "demo").resolve():
            counts.update(_seed_demo_tender(context, session))
    click.echo("Loaded: " + ", ".join(f"{n} new {name}" for name, n in counts.items()))


def _prepare(context: CliContext, demo: bool) -> list[tuple[str, str, str]]:
    """Everything `demo` and `serve` do before serving: upgrade the database and, for the demo,
    load the demo consortium when the database is empty. Returns the demo sign-ins to print."""
    from consortium.migrate import upgrade

    upgrade(context.engine)
    if not demo:
        return []
    from consortium.services.fixtures import (
        FixtureError,
        database_is_empty,
        demo_logins,
        load_fixtures,
    )
    with context.session_scope() as session:
        if database_is_empty(session):
            try:
                counts = load_fixtures(session, FIXTURES / "demo")
            except FixtureError as exc:
                raise click.ClickException(str(exc)) from exc
            counts.update(_seed_demo_tender(context, session))
            click.echo("Loaded the demo consortium: "
                       + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()))
        else:
            click.echo("The database already has data; the demo consortium was not loaded again.")
    return demo_logins(FIXTURES / "demo")


def _seed_demo_tender(context: CliContext, session) -> dict[str, int]:
    """The demo's finished tender (packages, vendors' questions and answers, sealed bids, opening)
    on its closed round; committed."""
    from consortium.services.demo_questions import add_questions
    from consortium.services.demo_tender import seed_demo_tender
    from consortium.services.publishing_inputs import consortium_info
    from consortium.services.sealing import make_sealer

    counts = seed_demo_tender(session, sealer=make_sealer(context.settings),
                              consortium=consortium_info(context.settings))
    counts["vendor_questions"] = add_questions(session, FIXTURES / "demo")
    session.commit()
    return counts


def _banner(host: str, port: int, logins: list[tuple[str, str, str]]) -> str:
    """The lines printed when the app starts: its URL and the demo sign-ins."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    lines = [f"\nConsortium is running at http://{shown}:{port}/  (Ctrl+C stops it)"]
    if logins:
        lines.append("Demo sign-ins (demo data only; one per role):")
        lines += [f"  {role:<14} {email:<36} password: {password}" for role, email, password in logins]
    return "\n".join(lines)


def _run(app, host: str, port: int) -> None:
    """Serve under gunicorn, with the job worker beside it, until Ctrl+C (see serving.py)."""
    from consortium.serving import serve

    # The web workers fork from this process and open their own connections.
    app.extensions["consortium.engine"].dispose()
    serve(app.extensions["consortium.settings"], host, port)


def _serve(context: CliContext, host: str, port: int, demo: bool) -> None:
    app = context.app
    logins = _prepare(context, demo)
    click.echo(_banner(host, port, logins))
    sys.stdout.flush()
    _run(app, host, port)


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@pass_context
def demo(context: CliContext, host, port):
    """Set up the database, load the demo consortium if it is empty, and start the app."""
    os.environ.setdefault("CONSORTIUM_ENV", "development")
    settings = Settings.from_env()
    _serve(context, host or settings.host, port or settings.port, demo=True)


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@pass_context
def serve(context: CliContext, host, port):
    """Upgrade the database and start the app (with its job worker) on the configured database."""
    settings = Settings.from_env()
    _serve(context, host or settings.host, port or settings.port, demo=False)


for _command in (optimize_command, rounds_group, export_problem_command, run_command,
                 worker_command, publish_command, export_packages_command, notify_group,
                 award_optimize_command, audit_group, backup_command, restore_command,
                 bids_group, runs_group, hints_command, member_value_command, award_group):
    cli.add_command(_command)
award_group.add_command(publish_award_command)  # consortium award publish AWARD_RUN_ID


def main() -> None:
    """Entry point of the `consortium` console script."""
    cli(prog_name="consortium")
