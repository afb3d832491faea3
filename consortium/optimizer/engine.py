"""`optimize`: validate -> build -> solve -> read the answer -> stand-alone -> fairness -> plan."""

from __future__ import annotations

import math
import time
from fractions import Fraction

from consortium.optimizer.assemble import build_plan
from consortium.optimizer.fairness import Ledger, enforce
from consortium.optimizer.instance import build_instance
from consortium.optimizer.plan import Plan, SolverInfo
from consortium.optimizer.problem import Problem, check_problem
from consortium.optimizer.progress import Progress, Stage
from consortium.optimizer.solve import DEFAULT_SOLVER, SOLVERS, SolveSettings, solver_label
from consortium.optimizer.stages import first_solve
from consortium.optimizer.standalone import StandaloneCoster

def _check_arguments(time_limit: float, gap: float, solver: str) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
    if not (isinstance(time_limit, (int, float)) and math.isfinite(time_limit) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, not {time_limit!r}")
    if not (isinstance(gap, (int, float)) and 0 <= gap < 1):
        raise ValueError(f"gap must be a relative gap in [0, 1), not {gap!r}")


def optimize(problem: Problem, *, time_limit: float = 60.0, gap: float = 1e-6,
             solver: str = DEFAULT_SOLVER, fairness: bool = True,
             progress: Progress | None = None) -> Plan:
    """Group demand into tranches (most units placed, then least cost) and price members' savings.

    `time_limit` is the budget in seconds for the solves (each gets what is left, at least
    min(1 s, time_limit); exact stand-alone solves are not cut short); `gap` is the relative MIP gap asked of the cost stage; `solver` is "highs"
    (in process) or "cbc"; `fairness=False` drops the no-member-worse-off guarantee; `progress`
    is called as progress(stage, done, total). Raises ProblemError for an invalid problem and
    ValueError for bad arguments; an infeasible or time-limited solve is a plan status instead.
    """
    started = time.perf_counter()
    notify: Progress = progress or (lambda stage, done, total: None)
    _check_arguments(time_limit, gap, solver)
    notify(Stage.VALIDATE, 0, 1)
    check_problem(problem)
    inst = build_instance(problem)
    notify(Stage.VALIDATE, 1, 1)
    settings = SolveSettings(solver, float(gap), float(time_limit),
                             time.monotonic() + float(time_limit))
    subs = inst.subproblems
    results = []
    for k, sub in enumerate(subs, 1):
        notify(Stage.BUILD, k, len(subs))
        results.append(first_solve(inst, sub, settings,
                                   on_built=lambda k=k: notify(Stage.SOLVE, k, len(subs))))
    base_cost = sum((r.cost for r in results), Fraction(0))

    standalone_start = time.perf_counter()
    coster = StandaloneCoster(inst, settings)
    ledger = Ledger()
    for k, (sub, result) in enumerate(zip(subs, results), 1):
        notify(Stage.STANDALONE, k, len(subs))
        ledger.update(inst, sub.index, result.alloc, coster)
    standalone_seconds = time.perf_counter() - standalone_start

    fair_report = None
    if fairness:
        fair_report = enforce(inst, results, ledger, coster, settings, progress=notify)

    alloc = {pos: parts for r in results for pos, parts in r.alloc.items()}
    total = sum((r.cost for r in results), Fraction(0))
    info = SolverInfo(
        name=solver_label(solver),
        build_seconds=round(sum(r.build_seconds for r in results), 4),
        solve_seconds=round(sum(r.solve_seconds for r in results), 4),
        extra={
            "time_limit": float(time_limit),
            "gap_requested": float(gap),
            "subproblems": len(subs),
            "milp_subproblems": sum(1 for r in results if r.milp),
            "standalone_seconds": round(standalone_seconds, 4),
            "standalone_milps": coster.milps,
            "standalone_unproven": coster.unproven,
            "fairness": bool(fairness),
            "fairness_seconds": round(fair_report.seconds, 4) if fair_report else 0.0,
            "fairness_rounds": fair_report.rounds if fair_report else 0,
            "fairness_resolves": fair_report.resolves if fair_report else 0,
            "fairness_waived": sorted(inst.members[m] for m in fair_report.waived)
            if fair_report else [],
            "fairness_waived_reasons": {inst.members[m]: why for m, why
                                        in sorted(fair_report.waived.items())}
            if fair_report else {},
        },
    )
    status = "optimal" if all(r.status == "optimal" for r in results) else "feasible"
    plan = build_plan(inst, alloc, ledger, status=status,
                      bound=sum((r.bound for r in results), Fraction(0)),
                      fairness_cost=total - min(total, base_cost), solver=info)
    info.extra["total_seconds"] = round(time.perf_counter() - started, 4)
    notify(Stage.DONE, len(subs), len(subs))
    return plan
