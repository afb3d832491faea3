"""`consortium run` (solve a closed round now, printing progress) and `consortium worker`."""

from __future__ import annotations

import logging
import time

import click

from consortium.cli.context import CliContext, pass_context
from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS


def _echo_progress(interval: float = 1.0):
    """A progress callback that prints the start and end of each stage, and at most one line
    per `interval` seconds in between."""
    last = {"stage": None, "at": 0.0}

    def echo(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if stage == last["stage"] and done < total and now - last["at"] < interval:
            return
        last.update(stage=stage, at=now)
        click.echo(f"  {stage:<10} {done}/{total}" if total else f"  {stage}")
    return echo


@click.command("run")
@click.argument("round_slug")
@click.option("--time-limit", type=float, default=60.0, show_default=True,
              help="Seconds the solver may take (1 to 3600).")
@click.option("--gap", type=float, default=1e-6, show_default=True,
              help="Relative optimality gap at which the solver stops (0 to 0.5).")
@click.option("--no-fairness", is_flag=True, help="Drop the no-member-worse-off guarantee.")
@click.option("--solver", type=click.Choice(SOLVERS), default=DEFAULT_SOLVER,
              show_default=True)
@click.option("--note", default="", help="A note stored with the run.")
@pass_context
def run_command(context: CliContext, round_slug, time_limit, gap, no_fairness, solver, note):
    """Run the optimizer on a closed round now (as the web app does) and print the run id last."""
    from sqlmodel import select

    from consortium.models import Round, Run, RunStatus
    from consortium.services.errors import ServiceError
    from consortium.services.runs import create_run, execute_run

    engine = context.engine
    with context.session_scope() as session:
        round_ = session.exec(select(Round).where(Round.slug == round_slug)).first()
        if round_ is None:
            raise click.ClickException(f"No round has the slug {round_slug!r}.")
        try:
            run = create_run(session, round_, None, time_limit=time_limit, gap=gap,
                             fairness=not no_fairness, solver=solver, note=note or "command line")
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        run_id, round_name = run.id, round_.name
    click.echo(f"Run {run_id} of {round_name}: time limit {time_limit:g} s, gap {gap:g}, "
               f"fairness {'off' if no_fairness else 'on'}, {solver}")
    status = execute_run(engine, run_id, progress=_echo_progress())
    with context.session_scope() as session:
        run = session.get(Run, run_id)
        if status != RunStatus.SUCCEEDED:
            click.echo(f"Failed: {run.error}", err=True)
            click.echo(run_id)
            raise SystemExit(1)
        plan = run.plan
        totals = plan["totals"]
        seconds = (run.finished_at - run.started_at).total_seconds()
    click.echo(f"Plan {plan['status']} (gap {plan['gap']:.6f}) in {seconds:.1f} s: "
               f"{plan['placed_units']} units placed in {len(plan['tranches'])} tranches, "
               f"{len(plan['unplaced'])} lines unplaced")
    click.echo(f"Stand-alone {totals['standalone_cost']:,} · consortium {totals['consortium_cost']:,} "
               f"· savings {totals['savings']:,} ({totals['savings_pct']:.2f} %) "
               f"· fairness cost {totals['fairness_cost']:,}")
    click.echo(run_id)


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Runs solved at the same time.")
@pass_context
def worker_command(context: CliContext, workers):
    """Run the job worker: solves queued optimizer runs (Redis with REDIS_URL, else SQLite)."""
    from consortium.jobs import get_jobs, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    jobs = get_jobs(context.app)
    where = jobs.settings.redis_url and "Redis" or f"SQLite {jobs.huey.storage.filename}"
    click.echo(f"Consortium worker: {workers} worker(s), queue on {where}; Ctrl+C stops it.")
    run_worker(jobs, workers=workers)
