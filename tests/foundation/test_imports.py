"""Every module of the command line imports on its own, in a fresh interpreter (import circles
among all modules are caught by test_layers.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "consortium"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))
           if "migrations" not in p.parts}
CLI_MODULES = sorted(m for m in MODULES if m == "consortium.cli" or m.startswith("consortium.cli."))


@pytest.mark.parametrize("module", CLI_MODULES)
def test_each_command_line_module_imports_on_its_own(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True,
                            text=True, timeout=120, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr


def test_the_console_script_target_is_the_group():
    result = subprocess.run(
        [sys.executable, "-c", "import consortium.cli.runs, consortium.cli as c; "
                               "print(c.main.__module__, c.cli.name)"],
        capture_output=True, text=True, timeout=120, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["consortium.cli.root", "cli"]
