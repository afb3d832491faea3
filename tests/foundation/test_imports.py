"""Every module imports on its own, and no consortium modules import each other in a circle."""

from __future__ import annotations

import ast
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


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports_at_load(tree: ast.Module):
    """Import statements run when the module loads: top level, and inside top-level if/try
    blocks, except `if TYPE_CHECKING:` ones. Imports inside functions run later, on call."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                pending += node.body
            pending += node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                pending += handler.body
        elif isinstance(node, ast.With):
            pending += node.body


def _resolve(module: str, node) -> set[str]:
    """The consortium modules an import statement loads (each with its parent packages)."""
    names = set()
    if isinstance(node, ast.Import):
        names = {alias.name for alias in node.names}
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if not str(MODULES[module]).endswith("__init__.py"):
                package = package[:-1]
            package = package[:len(package) - node.level + 1]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            full = f"{base}.{alias.name}"
            names.add(full if full in MODULES else base)
    loaded = set()
    for name in names:
        parts = name.split(".")
        for n in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            prefix = ".".join(parts[:n])
            if prefix in MODULES and prefix != module:
                loaded.add(prefix)
    return loaded


def import_graph() -> dict[str, set[str]]:
    """Each consortium module and the consortium modules it imports when it loads."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = set().union(*(_resolve(module, n) for n in _imports_at_load(tree)))
    for module in MODULES:  # a module also loads its own parent packages first
        parts = module.split(".")
        graph[module] |= {".".join(parts[:n]) for n in range(1, len(parts))} - {module}
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            found = visit(module)
            if found:
                return found
    return None


def test_no_import_circle_among_consortium_modules():
    graph = import_graph()
    for module, targets in graph.items():  # a package importing its own submodules is fine
        graph[module] = {t for t in targets if not t.startswith(module + ".")}
    circle = find_circle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_circle_finder_finds_a_circle():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    import consortium.db\nimport consortium.config\n"
                     "def f():\n    import consortium.web\n")
    loaded = set().union(*(_resolve("consortium.money", n) for n in _imports_at_load(tree)))
    assert loaded == {"consortium", "consortium.config"}
