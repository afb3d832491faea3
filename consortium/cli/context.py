"""The shared context of every `consortium` command: settings, engine, app, sessions, output.

Commands get it with `@pass_context` (or `current()` inside a group's subcommand). It builds what a
command needs on first use: commands that only touch the database (init-db, rounds, run, publish,
...) use `engine` and need no SECRET_KEY, which only signs web sessions; `app` (serve, demo,
worker, notify) refuses unsafe settings as the web app does.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from consortium.config import ConfigError, Settings

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


class CliContext:
    """Settings, engine and app of one command, built lazily and closed when the command ends."""

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

    @contextmanager
    def session_scope(self) -> Iterator:
        """A session for one unit of work on the command's database (rolls back on error)."""
        from consortium.db import session_scope
        with session_scope(self.engine) as session:
            yield session

    @staticmethod
    def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
        """Print a line of the command's output (standard error with `err=True`)."""
        click.echo(message, err=err, nl=nl)

    @staticmethod
    def fail(message: str, cause: BaseException | None = None):
        """Stop the command with `message` and exit code 1."""
        raise click.ClickException(message) from cause


pass_context = click.make_pass_decorator(CliContext, ensure=True)


def current() -> CliContext:
    """The running command's context (made on first use)."""
    return click.get_current_context().ensure_object(CliContext)


# The names the command line used before it became a package.
AppHolder = CliContext
pass_holder = pass_context
