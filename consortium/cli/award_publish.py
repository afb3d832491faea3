"""`consortium award publish AWARD_RUN_ID`: publish an approved award run without a browser.

Issues the members' contracts, adds the award and contract releases to the public record and
tells every bidder and member, as the admin's publish button does. A refusal (unknown run, not
approved, already published) exits with status 1 and says why.
"""

from __future__ import annotations

import click

from consortium.cli.context import CliContext


@click.command("publish")
@click.argument("award_run_id", type=int)
@click.pass_context
def publish_award_command(ctx: click.Context, award_run_id: int):
    """Publish approved award run AWARD_RUN_ID (once): contracts, notice, notifications."""
    from consortium.db import session_scope
    from consortium.models import AwardRun, Round
    from consortium.services import notifications
    from consortium.services.award_publish import publish_award
    from consortium.services.errors import ServiceError
    from consortium.services.publishing_inputs import consortium_info

    holder = ctx.ensure_object(CliContext)
    with session_scope(holder.engine) as session:
        run = session.get(AwardRun, award_run_id)
        if run is None:
            raise click.ClickException(f"No award run has the id {award_run_id}.")
        try:
            rows = publish_award(session, run, None, consortium=consortium_info(holder.settings))
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        slug = session.get(Round, run.round_id).slug
        lines = [f"  {r.reference:<40} {r.member_name:<20} {r.vendor_name:<28} net "
                 f"${r.net:>16,.2f}  pdf sha256 {r.pdf_sha256}" for r in rows]
        session.commit()
        notifications.take_committed(session)  # the outbox sweep sends them
    click.echo(f"Published award run {award_run_id}: {len(rows)} contract(s); notice at "
               f"{holder.settings.public_url}/awards/{slug}")
    for line in lines:
        click.echo(line)
