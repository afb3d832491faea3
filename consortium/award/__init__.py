"""The award optimizer: award problem dataclasses in, award dataclasses out.

Pure: no web framework or database imports. It reuses the tranche optimizer's solver plumbing
(`consortium.optimizer.solve`) and exact money (`consortium.optimizer.money`). See
docs/award-optimizer.md for the model and docs/award-format.md for the files.
"""

from consortium.award.engine import optimize_award
from consortium.award.problem import (
    AwardProblem,
    Bid,
    Capacity,
    Discount,
    Lot,
    MemberShare,
    Price,
    load_award_problem,
    parse_award_problem,
)
from consortium.award.result import AwardResult, award_to_dict, dump_award, write_award
from consortium.optimizer.problem import ProblemError

__all__ = [
    "AwardProblem", "AwardResult", "Bid", "Capacity", "Discount", "Lot", "MemberShare", "Price",
    "ProblemError", "award_to_dict", "dump_award", "load_award_problem", "optimize_award",
    "parse_award_problem", "write_award",
]
