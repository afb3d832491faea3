"""`consortium award-optimize AWARD_PROBLEM.json`: decide the award, print a summary, write it.

The app's `consortium` group adds `award_optimize_command`; it needs no database or app.
"""

from __future__ import annotations

import sys

import click

from consortium.award import AwardResult, ProblemError, load_award_problem, optimize_award
from consortium.award.result import dump_award, write_award
from consortium.optimizer.money import dollars, exact
from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS


def summary_lines(result: AwardResult) -> list[str]:
    """A readable summary: totals, awards, discounts, unawarded lots with reasons, and the
    totals per vendor and per member."""
    lines = [
        f"Status: {result.status} (gap {result.gap:.2e}, lower bound "
        f"{dollars(result.lower_bound)})",
        f"Awarded units: {result.awarded_units}",
        f"Total cost: {dollars(result.total_cost)}",
        "",
        f"Awards ({len(result.awards)}):",
    ]
    for a in result.awards:
        lines.append(f"  {a.lot:<18} {a.bid:<12} {a.vendor:<28} {a.quantity:>5} x "
                     f"{dollars(a.unit_price):>14} = {dollars(a.value):>16}")
    lines += ["", f"Discounts applied ({len(result.discounts)}):"]
    for d in result.discounts:
        lines.append(f"  {d.bid} ({d.vendor}): {dollars(d.amount)} for {', '.join(d.lots)}")
    lines += ["", f"Unawarded lots ({len(result.unawarded)}):"]
    for u in result.unawarded:
        lines.append(f"  {u.lot}: {u.reason}")
    lines += ["", f"Vendors ({len(result.vendors)}):"]
    for v in result.vendors:
        lines.append(f"  {v.vendor:<28} {v.lots:>4} lots {v.units:>6} units  value "
                     f"{dollars(v.value):>16}  discounts {dollars(v.discounts)}")
    if result.contracts:
        lines += ["", f"Members' contracts ({len(result.contracts)}):"]
        for c in result.contracts:
            lines.append(f"  {c.member:<20} {c.vendor:<28} {c.units:>5} units  gross "
                         f"{dollars(c.gross):>16}  discount {dollars(c.discount):>14}  net "
                         f"{dollars(c.net):>16}")
        lines += ["", "Members:"]
        for member, units, gross, discount, net in _member_totals(result):
            lines.append(f"  {member:<20} {units:>5} units  gross {dollars(gross):>16}  "
                         f"discount {dollars(discount):>14}  net {dollars(net):>16}")
    lines += ["", f"Solver: {result.solver_name}, solve {result.solve_seconds:.2f} s, "
                  f"total {result.details.get('total_seconds', 0):.2f} s"]
    return lines


def _member_totals(result: AwardResult) -> list[tuple]:
    """Each member's contracts added up (from the reported, rounded figures)."""
    totals: dict[str, list] = {}
    for c in result.contracts:
        row = totals.setdefault(c.member, [0, 0, 0, 0])
        for i, figure in enumerate((c.units, exact(c.gross), exact(c.discount), exact(c.net))):
            row[i] += figure
    return [(member, *row) for member, row in totals.items()]


@click.command("award-optimize")
@click.argument("problem_path", metavar="AWARD_PROBLEM.json",
                type=click.Path(dir_okay=False, path_type=str))
@click.option("-o", "--output", "output", metavar="AWARD.json",
              help="Write the award file here ('-' writes the award JSON alone to stdout).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Time budget in seconds for the two stages.")
@click.option("--solver", type=click.Choice(SOLVERS), default=DEFAULT_SOLVER,
              show_default=True, help="HiGHS in process, or PuLP's bundled CBC.")
def award_optimize_command(problem_path: str, output: str | None, time_limit: float,
                           solver: str) -> None:
    """Award the lots of AWARD_PROBLEM.json to bids: most units, then least cost."""
    try:
        problem = load_award_problem(problem_path)
    except ProblemError as err:
        click.echo(f"{problem_path}: {err}", err=True)
        sys.exit(2)
    result = optimize_award(problem, time_limit=time_limit, solver=solver)
    if output == "-":
        dump_award(result, sys.stdout)
        return
    for line in summary_lines(result):
        click.echo(line)
    if output:
        write_award(result, output)
        click.echo(f"\nAward written to {output}")
