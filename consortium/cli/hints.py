"""`consortium hints PROBLEM.json`: for each demand line, the changes that would help, each with
its exact effect (see docs/hints.md). Needs no database or app; the `consortium` group adds
`hints_command`."""

from __future__ import annotations

import json
import sys

import click

from consortium.optimizer import ProblemError, load_problem
from consortium.optimizer.hints import DEFAULT_THRESHOLD, HintReport, compute_hints
from consortium.optimizer.money import dollars

KIND_TEXT = {
    "widen_earlier": "widen the window to start {value}",
    "widen_later": "widen the window to end {value}",
    "options": "accept options {value}",
    "splittable": "mark the line splittable",
    "price_cap": "raise the price cap to {value}",
    "next_tier": "reach {value}, where the tranche gets to the next tier",
    "quantity": "order {value} units",
}


def describe(hint: dict) -> str:
    """A hint in words: the change and its figures."""
    value = hint["change"]["value"]
    if hint["kind"] == "options":
        value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    elif hint["kind"] == "price_cap":
        value = dollars(value)
    text = KIND_TEXT[hint["kind"]].format(value=value)
    return (f"{text}: placed units {hint['placed_units_delta']:+d}, consortium "
            f"{_signed(hint['consortium_cost_delta'])}, member {_signed(hint['member_cost_delta'])}")


def _signed(value) -> str:
    return ("-" if value < 0 else "+") + dollars(abs(value))


def summary_lines(report: HintReport) -> list[str]:
    data = report.to_dict()
    stats = data["stats"]
    lines = [f"Base plan: {report.base_placed_units} units placed, total "
             f"{dollars(report.base_total_cost)}",
             f"Hints: {len(data['hints'])} for {sum(1 for e in report.lines if e.hints)} of "
             f"{len(report.lines)} lines (threshold {dollars(report.threshold)}; "
             f"{stats['changes_solved']} changes solved, {stats['subproblem_solves']} "
             f"subproblem solves, {stats['seconds']:.2f} s)", ""]
    for entry in data["lines"]:
        if not entry["hints"] and entry["placed"]:
            continue
        state = "placed" if entry["placed"] else f"unplaced: {entry['reason']}"
        lines.append(f"{entry['line']} ({entry['member']}, {state})")
        for hint in entry["hints"]:
            lines.append(f"  - {describe(hint)}")
        if not entry["hints"]:
            lines.append("  - no single change tried places it or lowers a cost")
    return lines


@click.command("hints")
@click.argument("problem_path", metavar="PROBLEM.json",
                type=click.Path(dir_okay=False, path_type=str))
@click.option("-o", "--output", "output", metavar="HINTS.json",
              help="Write the hints file here ('-' writes the JSON alone to stdout).")
@click.option("--no-fairness", is_flag=True,
              help="Solve without the guarantee that no member pays more than buying alone.")
@click.option("--threshold", type=click.FloatRange(min=0), default=DEFAULT_THRESHOLD,
              show_default=True,
              help="A cost must fall by more than this (currency units) for a hint to show.")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0,
              show_default=True, help="Time budget in seconds for each solve.")
def hints_command(problem_path: str, output: str | None, no_fairness: bool, threshold: float,
                  time_limit: float) -> None:
    """For each demand line of PROBLEM.json, the changes that help and their exact effect."""
    try:
        problem = load_problem(problem_path)
    except ProblemError as err:
        click.echo(f"{problem_path}: {err}", err=True)
        sys.exit(2)
    if float(threshold).is_integer():
        threshold = int(threshold)
    report = compute_hints(problem, fairness=not no_fairness, threshold=threshold,
                           time_limit=time_limit)
    text = json.dumps(report.to_dict(), indent=1, ensure_ascii=False) + "\n"
    if output == "-":
        sys.stdout.write(text)
        return
    for line in summary_lines(report):
        click.echo(line)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"\nHints written to {output}")
