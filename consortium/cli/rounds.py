"""`consortium rounds list|close` and `consortium export-problem`: rounds from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from consortium.cli.context import current



@click.group("rounds")
def rounds_group():
    """List and close procurement rounds."""


@rounds_group.command("list")
def list_rounds():
    """Print each round's slug, status, demand deadline and number of demand lines."""
    from consortium.services.rounds import list_rounds_with_counts
    from consortium.web.filters import when

    with current().session_scope() as session:
        summaries = list_rounds_with_counts(session)
    if not summaries:
        click.echo("No rounds yet. Create one in the web app under Admin > Rounds > New round.")
        return
    width = max(len("SLUG"), *(len(s.round.slug) for s in summaries))
    click.echo(f"{'SLUG':<{width}}  {'STATUS':<6}  {'DEADLINE':<20}  {'LINES':>5}")
    for s in summaries:
        click.echo(f"{s.round.slug:<{width}}  {s.round.status:<6}  {when(s.round.deadline):<20}  "
                   f"{s.lines:>5}")


@rounds_group.command("close")
@click.argument("slug")
def close(slug: str):
    """Close the open round SLUG: its demand is frozen for the optimizer."""
    from consortium.services.errors import ServiceError
    from consortium.services.rounds import close_round, get_by_slug, line_count

    with current().session_scope() as session:
        try:
            round_ = close_round(session, get_by_slug(session, slug), actor=None)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Closed {round_.slug} with {line_count(session, round_)} demand lines.")


@click.command("export-problem")
@click.argument("round_slug")
@click.option("-o", "--output", "output", required=True,
              help="The problem file to write, or - for standard output.")
def export_problem_command(round_slug: str, output: str):
    """Write ROUND_SLUG's demand as a problem file (docs/problem-format.md)."""
    from consortium.services.errors import ServiceError
    from consortium.services.problem import build_problem, problem_json
    from consortium.services.rounds import get_by_slug

    with current().session_scope() as session:
        try:
            problem = build_problem(session, get_by_slug(session, round_slug))
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
    text = problem_json(problem)
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror or exc}") from exc
    click.echo(f"Wrote {output}: {len(problem['periods'])} periods, "
               f"{len(problem['products'])} products, {len(problem['demand'])} demand lines.",
               err=True)
