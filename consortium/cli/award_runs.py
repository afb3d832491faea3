"""`consortium award ROUND_SLUG` and `consortium award approve AWARD_RUN_ID`: the award stage
without a browser (`award-optimize`, in award.py, works on files and needs no database).

`award` is a group whose first argument is either a subcommand (`run`, `approve`) or a round's
slug, which runs the award (`award SLUG` is `award run SLUG`).
"""

from __future__ import annotations

import click

from consortium.cli.context import CliContext, pass_context
from consortium.optimizer.money import dollars


class _SlugGroup(click.Group):
    """A group whose unknown first argument is a round slug for its `run` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # `award SLUG ...` and `award --time-limit 5 SLUG` are `award run ...`; --help stays.
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("award", cls=_SlugGroup)
def award_group():
    """Award a round's lots from its opened, responsive bids: `award ROUND_SLUG [options]`;
    approve an award run: `award approve AWARD_RUN_ID`."""


def summary_lines(result: dict) -> list[str]:
    """A short summary of an award file: totals, awards, discounts, unawarded lots."""
    lines = [f"Award {result['status']}: {result['awarded_units']} units awarded in "
             f"{len(result['awards'])} lots, total cost {dollars(result['total_cost'])}"]
    for a in result["awards"]:
        lines.append(f"  {a['lot']:<22} {a['vendor']:<28} {a['quantity']:>5} x "
                     f"{dollars(a['unit_price']):>14} = {dollars(a['value']):>16}")
    for d in result["discounts"]:
        lines.append(f"  discount {dollars(d['amount'])} from {d['vendor']} for "
                     f"{', '.join(d['lots'])}")
    for u in result["unawarded"]:
        lines.append(f"  not awarded: {u['lot']}: {u['reason']}")
    return lines


@award_group.command("run")
@click.argument("round_slug")
@click.option("--max-lots-per-vendor", type=int, default=None,
              help="Most lots one vendor may win (default: no limit).")
@click.option("--time-limit", type=float, default=60.0, show_default=True,
              help="Seconds the solver may take (1 to 3600).")
@click.option("--note", default="", help="A note stored with the award run.")
@pass_context
def run_command(context: CliContext, round_slug: str, max_lots_per_vendor: int | None,
                time_limit: float, note: str):
    """Run the award on ROUND_SLUG now (as the web app does); prints the award run id last."""
    from sqlmodel import select

    from consortium.models import AwardRun, AwardRunStatus, Round
    from consortium.services.awards import create_award_run, excluded_bids, execute_award_run
    from consortium.services.errors import ServiceError

    with context.session_scope() as session:
        round_ = session.exec(select(Round).where(Round.slug == round_slug)).first()
        if round_ is None:
            raise click.ClickException(f"No round has the slug {round_slug!r}.")
        try:
            run = create_award_run(session, round_, None, max_lots_per_vendor=max_lots_per_vendor,
                                   time_limit=time_limit, note=note or "command line")
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        run_id, excluded = run.id, len(excluded_bids(session, round_))
        bids, lots = len(run.problem["bids"]), len(run.problem["lots"])
        round_name = round_.name
    limit = max_lots_per_vendor if max_lots_per_vendor is not None else "no limit"
    click.echo(f"Award run {run_id} of {round_name}: {bids} responsive bids "
               f"({excluded} excluded) on {lots} lots, lots per vendor: {limit}, "
               f"time limit {time_limit:g} s")
    status = execute_award_run(context.engine, run_id)
    with context.session_scope() as session:
        run = session.get(AwardRun, run_id)
        if status != AwardRunStatus.SUCCEEDED:
            click.echo(f"Failed: {run.error}", err=True)
            click.echo(run_id)
            raise SystemExit(1)
        result = run.result
    for line in summary_lines(result):
        click.echo(line)
    click.echo(run_id)


@award_group.command("approve")
@click.argument("award_run_id", type=int)
@pass_context
def approve_command(context: CliContext, award_run_id: int):
    """Approve AWARD_RUN_ID (a succeeded award run) as its round's award."""
    from consortium.models import AwardRun, Round
    from consortium.services.awards import approve_award_run
    from consortium.services.errors import ServiceError

    with context.session_scope() as session:
        run = session.get(AwardRun, award_run_id)
        if run is None:
            raise click.ClickException(f"There is no award run {award_run_id}.")
        try:
            approve_award_run(session, run, None)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        round_name = session.get(Round, run.round_id).name
    click.echo(f"Award run {award_run_id} is now the approved award of {round_name}.")
