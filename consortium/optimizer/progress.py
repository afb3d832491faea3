"""The optimizer's stages, as its progress callback receives them: progress(stage, done, total).

Stated once here; the run page labels them and the worker stores the current one on the run.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Callable


class Stage(StrEnum):
    """A stage of `optimize`, in the order it runs them."""

    VALIDATE = "validate"      # checking the problem
    BUILD = "build"            # building subproblem k of n
    SOLVE = "solve"            # solving subproblem k of n
    STANDALONE = "standalone"  # each member's stand-alone cost, subproblem k of n
    FAIRNESS = "fairness"      # the no-member-worse-off check, step k of n
    DONE = "done"


# The stages that count through subproblems or steps, with the word for one of them.
COUNTED = {Stage.BUILD: "subproblem", Stage.SOLVE: "subproblem", Stage.STANDALONE: "subproblem",
           Stage.FAIRNESS: "step"}

Progress = Callable[[str, int, int], None]
