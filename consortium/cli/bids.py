"""`consortium bids open|export` and `consortium runs approve`: the tender stage without a browser.

Every refusal (a deadline ahead, an unknown package or round, an unapproved run) exits with
status 1 and says why.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from consortium.cli.context import CliContext


def _holder(ctx: click.Context) -> CliContext:
    """The command line's shared context."""
    return ctx.ensure_object(CliContext)


@click.group("bids")
def bids_group():
    """Sealed bids: open a package's bids after its deadline, export a round's opened bids."""


@bids_group.command("open")
@click.argument("package_ref")
@click.pass_context
def open_command(ctx: click.Context, package_ref: str):
    """Open the bids of PACKAGE_REF (refused before its bid deadline) and print the tabulation."""
    from sqlmodel import select

    from consortium.db import session_scope
    from consortium.models import BidPackage
    from consortium.services import bid_opening, notifications
    from consortium.services.errors import ServiceError
    from consortium.services.publishing_inputs import consortium_info
    from consortium.services.sealing import make_sealer

    holder = _holder(ctx)
    with session_scope(holder.engine) as session:
        package = session.exec(select(BidPackage)
                               .where(BidPackage.reference == package_ref)).first()
        if package is None:
            raise click.ClickException(f"No bid package has the reference {package_ref!r}.")
        try:
            opening = bid_opening.open_package(session, package, None,
                                               sealer=make_sealer(holder.settings),
                                               consortium=consortium_info(holder.settings))
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        notifications.take_committed(session)  # the outbox sweep sends them
        tab = opening.tabulation
    click.echo(f"Opened {len(tab['bids'])} bid(s) on {package_ref}"
               + (f"; {len(tab['invalid'])} invalid" if tab["invalid"] else "") + ".")
    for bid in tab["bids"]:
        click.echo(f"  {bid['vendor']:<32} receipt {bid['receipt_sha256']}")
    for bid in tab["invalid"]:
        click.echo(f"  {bid['vendor']:<32} INVALID: {bid['reason']}")


@bids_group.command("export")
@click.argument("round_slug")
@click.option("-o", "--output", "output", required=True, metavar="AWARD_PROBLEM.json",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the award problem file.")
@click.pass_context
def export_command(ctx: click.Context, round_slug: str, output: Path):
    """Write the opened bids of ROUND_SLUG as an award problem file (for award-optimize)."""
    from sqlmodel import select

    from consortium.award import ProblemError, parse_award_problem
    from consortium.db import session_scope
    from consortium.models import Round
    from consortium.services.bid_export import award_problem
    from consortium.services.errors import ServiceError

    with session_scope(_holder(ctx).engine) as session:
        round_ = session.exec(select(Round).where(Round.slug == round_slug)).first()
        if round_ is None:
            raise click.ClickException(f"No round has the slug {round_slug!r}.")
        try:
            problem = award_problem(session, round_)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        parse_award_problem(problem)
    except ProblemError as exc:
        raise click.ClickException(f"The opened bids do not make a valid award problem: {exc}")
    output.write_text(json.dumps(problem, indent=2) + "\n", encoding="utf-8")
    click.echo(f"Wrote {len(problem['lots'])} lot(s) and {len(problem['bids'])} bid(s) to {output}")


@click.group("runs")
def runs_group():
    """Optimizer runs: approve a run's plan without the browser."""


@runs_group.command("approve")
@click.argument("run_id", type=int)
@click.pass_context
def approve_command(ctx: click.Context, run_id: int):
    """Make RUN_ID (a succeeded run of a closed round) its round's approved plan."""
    from consortium.db import session_scope
    from consortium.models import Run
    from consortium.services import notifications
    from consortium.services.errors import ServiceError
    from consortium.services.runs import approve_run

    with session_scope(_holder(ctx).engine) as session:
        run = session.get(Run, run_id)
        if run is None:
            raise click.ClickException(f"There is no run {run_id}.")
        try:
            round_ = approve_run(session, run, None)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        notifications.take_committed(session)
        click.echo(f"Run {run_id} is now the approved plan of {round_.name}.")
