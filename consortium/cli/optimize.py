"""`consortium optimize PROBLEM.json`: solve a problem file, print a summary, write the plan.

The app's `consortium` group adds `optimize_command`; it needs no database or app.
"""

from __future__ import annotations

import sys

import click

from consortium.optimizer import ProblemError, load_problem, optimize
from consortium.optimizer.money import dollars
from consortium.optimizer.plan import Plan, dump_plan, write_plan
from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS


def _money(value) -> str:
    return dollars(value)


def summary_lines(plan: Plan) -> list[str]:
    """A readable summary of a plan: totals, tranches table, unplaced lines with reasons."""
    t = plan.totals
    lines = [
        f"Status: {plan.status} (gap {plan.gap:.2e}, lower bound {_money(plan.lower_bound)})",
        f"Placed units: {plan.placed_units}",
        f"Consortium total: {_money(plan.total_cost)}",
        f"Stand-alone total: {_money(t.standalone_cost)}",
        f"Savings: {_money(t.savings)} ({t.savings_pct:.2f}% of stand-alone)",
        f"Cost of the no-member-worse-off guarantee: {_money(t.fairness_cost)}",
        "",
        f"Tranches ({len(plan.tranches)}):",
    ]
    if plan.tranches:
        lines.append(f"  {'id':<6} {'product':<12} {'period':<8} {'qty':>6} {'unit price':>14} "
                     f"{'total':>16}  options")
        for tr in plan.tranches:
            options = ", ".join(f"{k}={v}" for k, v in sorted(tr.options.items())) or "-"
            lines.append(f"  {tr.id:<6} {tr.product:<12} {tr.period:<8} {tr.quantity:>6} "
                         f"{_money(tr.unit_price):>14} {_money(tr.total_cost):>16}  {options}")
    lines.append("")
    lines.append(f"Unplaced lines ({len(plan.unplaced)}):")
    for u in plan.unplaced:
        units = "unit" if u.quantity == 1 else "units"
        lines.append(f"  {u.demand} ({u.member}, {u.quantity} {units}): {u.reason}")
    waived = plan.solver.extra.get("fairness_waived") or []
    if waived:
        lines.append("")
        lines.append("No-member-worse-off guarantee could not be met at the most-units level for: "
                     + ", ".join(waived))
        why = plan.solver.extra.get("fairness_waived_reasons") or {}
        for name in waived:
            if name in why:
                lines.append(f"  {name}: {why[name]}")
    s = plan.solver
    lines.append("")
    lines.append(f"Solver: {s.name}, build {s.build_seconds:.2f} s, solve {s.solve_seconds:.2f} s, "
                 f"total {s.extra.get('total_seconds', 0):.2f} s")
    return lines


@click.command("optimize")
@click.argument("problem_path", metavar="PROBLEM.json",
                type=click.Path(dir_okay=False, path_type=str))
@click.option("-o", "--output", "output", metavar="PLAN.json",
              help="Write the plan file here ('-' writes the plan JSON alone to stdout).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Time budget in seconds for the run's solves.")
@click.option("--gap", type=click.FloatRange(min=0, max=1, max_open=True), default=1e-6,
              show_default=True, help="Relative MIP gap for the cost stage.")
@click.option("--solver", type=click.Choice(SOLVERS), default=DEFAULT_SOLVER,
              show_default=True, help="HiGHS in process, or PuLP's bundled CBC.")
@click.option("--no-fairness", is_flag=True,
              help="Drop the guarantee that no member pays more than buying alone.")
def optimize_command(problem_path: str, output: str | None, time_limit: float, gap: float,
                     solver: str, no_fairness: bool) -> None:
    """Group the demand of PROBLEM.json into tranches and report members' savings."""
    try:
        problem = load_problem(problem_path)
    except ProblemError as err:
        click.echo(f"{problem_path}: {err}", err=True)
        sys.exit(2)
    plan = optimize(problem, time_limit=time_limit, gap=gap, solver=solver,
                    fairness=not no_fairness)
    if output == "-":
        dump_plan(plan, sys.stdout)
        return
    for line in summary_lines(plan):
        click.echo(line)
    if output:
        write_plan(plan, output)
        click.echo(f"\nPlan written to {output}")
