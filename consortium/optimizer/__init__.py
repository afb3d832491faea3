"""The tranche optimizer: problem dataclasses in, plan dataclasses out.

Pure: no web framework or database imports. See docs/optimizer.md for the model.
"""

from consortium.optimizer.engine import optimize
from consortium.optimizer.plan import (
    Plan,
    PlanError,
    plan_from_dict,
    plan_to_dict,
    read_plan,
    write_plan,
)
from consortium.optimizer.problem import (
    DemandLine,
    Problem,
    ProblemError,
    Product,
    Tier,
    load_problem,
    parse_problem,
)

__all__ = [
    "DemandLine", "Plan", "PlanError", "Problem", "ProblemError", "Product", "Tier", "load_problem",
    "optimize", "parse_problem", "plan_from_dict", "plan_to_dict", "read_plan", "write_plan",
]
