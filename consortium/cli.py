"""The `consortium` command: set up the database, load demo data, serve, and the optimizer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from consortium.config import ConfigError, Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class AppHolder:
    """Builds what a command needs on first use: the settings, the engine, or the whole app.

    Commands that only touch the database (init-db, rounds, export-problem, run, publish, ...)
    use `engine` and need no SECRET_KEY, which only signs web sessions; `app` (serve, demo,
    worker) refuses unsafe settings like the web app does.
    """

    def __init__(self):
        self._app = None
        self._engine = None
        self._settings = None
        context = click.get_current_context(silent=True)
        if context is not None:
            # Close the database connections when the command ends, not at garbage collection.
            context.find_root().call_on_close(self.close)

    def close(self) -> None:
        """Dispose of the engine (and so of its pooled connections)."""
        engine = self._app.extensions["consortium.engine"] if self._app else self._engine
        if engine is not None:
            engine.dispose()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = Settings.from_env()
        return self._settings

    @property
    def app(self):
        if self._app is None:
            from consortium.web import create_app
            try:
                self._app = create_app(self.settings)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
            if self._engine is not None:
                self._app.extensions["consortium.engine"].dispose()
                self._app.extensions["consortium.engine"] = self._engine
        return self._app

    @property
    def engine(self):
        if self._app is not None:
            return self._app.extensions["consortium.engine"]
        if self._engine is None:
            from consortium.db import make_engine
            self._engine = make_engine(self.settings.effective_database_url)
        return self._engine


pass_holder = click.make_pass_decorator(AppHolder, ensure=True)


@click.group()
@click.version_option(package_name="consortium")
def cli():
    """Consortium: joint vehicle purchasing for a consortium of cities."""


@cli.command("init-db")
@pass_holder
def init_db(holder: AppHolder):
    """Create the database or upgrade it to the newest schema."""
    from consortium.migrate import upgrade
    upgrade(holder.engine)
    click.echo(f"Database ready: {holder.engine.url.render_as_string(hide_password=True)}")


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "fleet_manager", "vendor"]), required=True)
@click.option("--member", "member_name", help="The member (city) of a fleet manager.")
@click.option("--vendor", "vendor_name", help="The vendor of a vendor user.")
@click.option("--name", default="", help="The person's name.")
@click.password_option(help="The password (asked for when not given).")
@pass_holder
def create_user(holder: AppHolder, email, role, member_name, vendor_name, name, password):
    """Create a user with a role (fleet managers need --member, vendors --vendor)."""
    from sqlmodel import select

    from consortium.db import session_scope
    from consortium.models import Member, Vendor
    from consortium.services.accounts import create_user as create
    from consortium.services.errors import ServiceError

    with session_scope(holder.engine) as session:
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
@pass_holder
def load_fixtures(holder: AppHolder, path: Path):
    """Load the demo consortium (idempotent: rows that exist are left as they are)."""
    from consortium.db import session_scope
    from consortium.services.fixtures import FixtureError, load_fixtures as load

    with session_scope(holder.engine) as session:
        try:
            counts = load(session, path)
        except FixtureError as exc:
            raise click.ClickException(str(exc)) from exc
        if path.resolve() == (FIXTURES / "demo").resolve():
            counts.update(_seed_demo_tender(holder, session))
    click.echo("Loaded: " + ", ".join(f"{n} new {name}" for name, n in counts.items()))


def _prepare(holder: AppHolder, demo: bool) -> list[tuple[str, str, str]]:
    """Everything `demo` and `serve` do before serving: upgrade the database and, for the demo,
    load the demo consortium when the database is empty. Returns the demo sign-ins to print."""
    from consortium.db import session_scope
    from consortium.migrate import upgrade

    upgrade(holder.engine)
    if not demo:
        return []
    from consortium.services.fixtures import (
        FixtureError,
        database_is_empty,
        demo_logins,
        load_fixtures,
    )
    with session_scope(holder.engine) as session:
        if database_is_empty(session):
            try:
                counts = load_fixtures(session, FIXTURES / "demo")
            except FixtureError as exc:
                raise click.ClickException(str(exc)) from exc
            counts.update(_seed_demo_tender(holder, session))
            click.echo("Loaded the demo consortium: "
                       + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()))
        else:
            click.echo("The database already has data; the demo consortium was not loaded again.")
    return demo_logins(FIXTURES / "demo")


def _seed_demo_tender(holder: AppHolder, session) -> dict[str, int]:
    """The demo's finished tender (packages, sealed bids, opening) on its closed round; committed."""
    from consortium.services.demo_tender import seed_demo_tender
    from consortium.services.publishing_inputs import consortium_info
    from consortium.services.sealing import make_sealer

    counts = seed_demo_tender(session, sealer=make_sealer(holder.settings),
                              consortium=consortium_info(holder.settings))
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


def _serve(holder: AppHolder, host: str, port: int, demo: bool) -> None:
    app = holder.app
    logins = _prepare(holder, demo)
    click.echo(_banner(host, port, logins))
    sys.stdout.flush()
    _run(app, host, port)


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@pass_holder
def demo(holder: AppHolder, host, port):
    """Set up the database, load the demo consortium if it is empty, and start the app."""
    os.environ.setdefault("CONSORTIUM_ENV", "development")
    settings = Settings.from_env()
    _serve(holder, host or settings.host, port or settings.port, demo=True)


@cli.command()
@click.option("--host", default=None, help="Interface to listen on (default: HOST or 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default: PORT or 5000).")
@pass_holder
def serve(holder: AppHolder, host, port):
    """Upgrade the database and start the app (with its job worker) on the configured database."""
    settings = Settings.from_env()
    _serve(holder, host or settings.host, port or settings.port, demo=False)


# Commands that live beside their area; imported last because they import this module.
from consortium.award_cli import award_optimize_command  # noqa: E402
from consortium.cli_bids import bids_group, runs_group  # noqa: E402
from consortium.cli_notify import notify_group  # noqa: E402
from consortium.cli_ops import audit_group, backup_command, restore_command  # noqa: E402
from consortium.cli_publish import export_packages_command, publish_command  # noqa: E402
from consortium.cli_rounds import export_problem_command, rounds_group  # noqa: E402
from consortium.cli_runs import run_command, worker_command  # noqa: E402
from consortium.hints_cli import hints_command  # noqa: E402
from consortium.optimizer_cli import optimize_command  # noqa: E402

for _command in (optimize_command, rounds_group, export_problem_command, run_command,
                 worker_command, publish_command, export_packages_command, notify_group,
                 award_optimize_command, audit_group, backup_command, restore_command,
                 bids_group, runs_group, hints_command):
    cli.add_command(_command)


def main() -> None:
    """Entry point of the `consortium` console script."""
    cli(prog_name="consortium")
