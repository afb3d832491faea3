"""`consortium member-value RUN_ID`: each member's value to the others in a run, computed now."""

from __future__ import annotations

import json

import click

from consortium.cli.context import CliContext, pass_context


def _money(value) -> str:
    return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"


@click.command("member-value")
@click.argument("run_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON only.")
@pass_context
def member_value_command(context: CliContext, run_id, as_json):
    """Solve a succeeded run's problem without each member in turn (as the web app's job does),
    store the figures with the run and print them."""
    from consortium.cli.runs import _echo_progress
    from consortium.db import session_scope
    from consortium.models import JobStatus, Run
    from consortium.services.errors import ServiceError
    from consortium.services.member_value import (
        execute_member_values,
        job_for_run,
        start_member_values,
    )

    engine = context.engine
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None:
            raise click.ClickException(f"No run has the id {run_id}.")
        try:
            job = start_member_values(session, run, None, enqueue=lambda job_id: None)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        job_id = job.id
    status = execute_member_values(engine, job_id,
                                   progress=None if as_json else _echo_progress())
    with session_scope(engine) as session:
        job = job_for_run(session, run_id)
        if status != JobStatus.SUCCEEDED:
            raise click.ClickException(job.error if job else "The member values were not computed.")
        figures = job.figures
    if as_json:
        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'member':<28} {'savings':>14} {'others with':>16} {'others without':>16} "
               f"{'value to others':>16}")
    for f in sorted(figures, key=lambda f: f["member"]):
        click.echo(f"{f['member'][:28]:<28} {_money(f['savings']):>14} "
                   f"{_money(f['others_cost_with']):>16} {_money(f['others_cost_without']):>16} "
                   f"{_money(f['value_to_others']):>16}")
