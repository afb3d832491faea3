"""`consortium notify reminders`: send the due round-deadline reminders now (the worker does it
hourly)."""

from __future__ import annotations

from datetime import datetime

import click

from consortium.cli.context import current
from consortium.models.types import as_utc


@click.group("notify")
def notify_group():
    """Notifications sent by the job worker, on demand."""


@notify_group.command("reminders")
@click.option("--now", "now", default=None, metavar="ISO-TIME",
              help="Pretend it is this time (UTC), e.g. 2027-03-24T09:00, to check what would be sent.")
def reminders(now: str | None):
    """Remind fleet managers without demand 7 days and 1 day before a round's deadline (once each)."""
    from consortium.jobs import get_jobs

    moment = None
    if now:
        try:
            moment = datetime.fromisoformat(now)
        except ValueError as exc:
            raise click.BadParameter("use an ISO time such as 2027-03-24T09:00") from exc
        moment = as_utc(moment)
    count = get_jobs(current().app).run_deadline_reminders(moment)
    click.echo(f"Reminded {count} fleet manager{'s' if count != 1 else ''}; the emails are queued "
               "for the worker.")
