"""The `consortium` command line: one module per area, one shared context (`context.py`).

    root.py      the group, `main`, and the commands that set up and serve the app
    rounds.py    rounds list|close, export-problem      runs.py     run, worker
    publish.py   publish, export-packages               notify.py   notify reminders
    bids.py      bids open|export, runs approve           hints.py    hints
    value.py     member-value
    ops.py       audit verify, backup, restore          optimize.py optimize, award-optimize
    award_runs.py  award ROUND_SLUG, award approve   award_publish.py award publish

`cli` and `main` are loaded on first use, so that any module of the package imports on its own
without an import circle (root.py imports every command module; they import context.py).
"""

from __future__ import annotations

from consortium.cli.context import (FIXTURES, AppHolder, CliContext, current, pass_context,
                                    pass_holder)

__all__ = ["FIXTURES", "AppHolder", "CliContext", "cli", "current", "main", "pass_context",
           "pass_holder"]


def __getattr__(name: str):
    if name in ("cli", "main"):
        from consortium.cli import root
        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
