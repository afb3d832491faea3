"""Running a built PuLP model: the only place a solver is named.

`solve_model` sets the gap and time limit explicitly, runs HiGHS in process (through PuLP and
highspy) or PuLP's bundled CBC, and reports what was actually proved: the status is ours, not
PuLP's (PuLP 3.x labels a time-limited HiGHS answer "Optimal"), with the proven bound and gap.
CBC's files go to a private temporary folder that is removed after each solve.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass

import pulp

# The solvers, by the name a run and the command line use, with the name a plan reports.
SOLVER_LABELS = {"highs": "HiGHS", "cbc": "CBC"}
SOLVERS = tuple(SOLVER_LABELS)
DEFAULT_SOLVER = "highs"
RELAXATION_SOLVERS = ("highs",)  # solvers whose LP relaxation the units stage uses


@dataclass(frozen=True)
class SolveSettings:
    """Solver choice, requested relative gap and the run's deadline (time.monotonic())."""

    solver: str
    gap: float
    time_limit: float
    deadline: float

    def remaining(self) -> float:
        """Seconds left for the next solve; at least min(1 s, time_limit), so that a solve
        late in the run still gets a try (the run may overrun its budget by that much)."""
        return max(min(1.0, self.time_limit), self.deadline - time.monotonic())


@dataclass
class SolveResult:
    """What a solve proved. `bound` is in the model's own sense (upper bound when maximising)."""

    status: str            # optimal | feasible | infeasible | none (nothing found)
    objective: float | None
    bound: float | None
    seconds: float

    @property
    def has_solution(self) -> bool:
        """True when variable values can be read."""
        return self.status in ("optimal", "feasible")


def solver_label(solver: str) -> str:
    """The name reported in the plan for a solver choice."""
    return SOLVER_LABELS[solver]


# HiGHS settings chosen by measurement on the benchmark (bench/optimizer.py, 2,000 lines, CPU
# seconds for all subproblems): defaults 4.3 s; primal heuristics (RINS, RENS, feasibility jump,
# ...) off, as they found nothing branching did not; no restart after root presolve; and no
# parallel worker, whose overhead outweighs its help on models this small: 3.0 s together.
HIGHS_OPTIONS = {
    "mip_heuristic_effort": 0.0, "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_rins": False, "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False, "mip_allow_restart": False,
    "parallel": "off",
}


def solve_model(prob: pulp.LpProblem, settings: SolveSettings, *, rel_gap: float | None = None,
                abs_gap: float = 1e-6, time_limit: float | None = None,
                relax: bool = False, presolve: bool = True) -> SolveResult:
    """Solve `prob` with the chosen solver; never raises for infeasible or time-limited runs.

    `relax=True` solves the LP relaxation (integrality dropped), HiGHS only; its objective is
    then a bound on the MILP's, not a plan. `presolve=False` turns HiGHS's presolve off (the
    fairness models solve faster without it; CBC ignores it).

    No MIP start is passed: with HiGHS 1.16 a start given through setSolution came back as the
    "solution" while the reported objective and bound belonged to another (claimed) optimum."""
    rel = settings.gap if rel_gap is None else rel_gap
    limit = settings.remaining() if time_limit is None else time_limit
    begin = time.perf_counter()
    if relax and settings.solver not in RELAXATION_SOLVERS:
        raise ValueError("LP relaxations are solved with HiGHS only")
    if settings.solver == "highs":
        _silence_highs_banner()
        options = dict(HIGHS_OPTIONS, **({} if presolve else {"presolve": "off"}))
        solver = pulp.HiGHS(mip=not relax, msg=False, timeLimit=limit, gapRel=rel,
                            gapAbs=abs_gap, **options)
        prob.solve(solver)
        status, objective, bound = _read_highs(prob)
    elif settings.solver == "cbc":
        with tempfile.TemporaryDirectory(prefix="consortium-cbc-") as tmp:
            log_path = os.path.join(tmp, "cbc.log")
            with warnings.catch_warnings():
                # PuLP 3.3 flags PULP_CBC_CMD for its 4.0 rename; the bundled binary is what we
                # want, and only this one deprecation is silenced.
                warnings.filterwarnings("ignore", message="PULP_CBC_CMD is deprecated",
                                        category=DeprecationWarning)
                solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit, gapRel=rel,
                                           gapAbs=abs_gap, keepFiles=False, logPath=log_path)
            solver.tmpDir = tmp
            prob.solve(solver)
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                log = fh.read()
        status, objective, bound = _read_cbc(prob, log)
    else:
        raise ValueError(f"unknown solver {settings.solver!r}; use one of {', '.join(SOLVERS)}")
    return SolveResult(status, objective, bound, time.perf_counter() - begin)


_banner_silenced = False


def _silence_highs_banner() -> None:
    """HiGHS prints a banner to stdout when the first Highs object of a process is made, before
    any option can be set; make that first one with stdout pointed at /dev/null, so a plan
    written to stdout (`-o -`) stays clean."""
    global _banner_silenced
    if _banner_silenced:
        return
    import highspy

    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    _banner_silenced = True


def _read_highs(prob: pulp.LpProblem) -> tuple[str, float | None, float | None]:
    highs = prob.solverModel
    model_status = highs.modelStatusToString(highs.getModelStatus()).lower()
    info = highs.getInfo()
    sign = -1.0 if prob.sense == pulp.LpMaximize else 1.0
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = sign * info.objective_function_value if has_solution else None
    bound = info.mip_dual_bound
    bound = sign * bound if bound is not None and math.isfinite(bound) else None
    if has_solution:
        values = pulp.value(prob.objective) or 0.0
        if abs(values - objective) > 1e-6 * max(1.0, abs(values)):
            # the values do not give the reported objective: trust the values, prove nothing
            return "feasible", values, None
    if model_status == "optimal":
        status = "optimal"
        if bound is None:  # solved without branching (pure LP after presolve): bound = value
            bound = objective
    elif "infeasible" in model_status:
        status = "infeasible"
    elif has_solution:
        status = "feasible"
    else:
        status = "none"
    return status, objective, bound


_CBC_NUMBER = r"(-?[0-9.eE+-]+)"


def _read_cbc(prob: pulp.LpProblem, log: str) -> tuple[str, float | None, float | None]:
    result = re.search(r"^Result - (.*)$", log, re.MULTILINE)
    result_text = result.group(1).lower() if result else ""
    value = re.search(r"^Objective value:\s+" + _CBC_NUMBER, log, re.MULTILINE)
    lower = re.search(r"^Lower bound:\s+" + _CBC_NUMBER, log, re.MULTILINE)
    objective = pulp.value(prob.objective) if prob.sol_status in (1, 2) else None
    if value and objective is None and prob.sol_status in (1, 2):
        objective = float(value.group(1))
    if prob.sol_status == 1 and "optimal" in result_text:
        status = "optimal"
    elif prob.status == pulp.LpStatusInfeasible or "infeasible" in result_text:
        status = "infeasible"
    elif prob.sol_status in (1, 2):
        status = "feasible"
    else:
        status = "none"
    bound = None
    if lower:
        # CBC minimises internally; for a maximisation its log shows the negated bound
        bound = float(lower.group(1))
        if prob.sense == pulp.LpMaximize:
            bound = -bound
    if status == "optimal" and bound is None:
        bound = objective
    return status, objective, bound
