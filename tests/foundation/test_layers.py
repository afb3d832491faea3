"""The import rules of docs/architecture.md, read from the code's own imports.

Only imports that run when a module loads count (not those under `if TYPE_CHECKING:`); imports
inside functions count too, for the layer rules (a service that imports the web layer inside a
function still depends on it), but not for circles (they run after both modules loaded).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "consortium"

# Circles that are being taken apart elsewhere: allowed while they last, never new ones.
KNOWN_CIRCLES: list[set[str]] = []


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.Module, module: str, *, top_level_only: bool) -> set[str]:
    found: set[str] = set()

    def visit(nodes, in_function: bool):
        for node in nodes:
            if isinstance(node, ast.If) and _type_checking(node):
                visit(node.orelse, in_function)
                continue
            if isinstance(node, ast.Import) and not (top_level_only and in_function):
                found.update(a.name for a in node.names if a.name.startswith("consortium"))
            elif isinstance(node, ast.ImportFrom) and not (top_level_only and in_function):
                base = node.module or ""
                if node.level:  # relative: from . import x
                    package = module.split(".")[: len(module.split(".")) - node.level + 1]
                    base = ".".join(package + ([base] if base else []))
                if base.startswith("consortium"):
                    found.add(base)
                    found.update(f"{base}.{a.name}" for a in node.names)
            inner = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    visit(children, in_function or inner)

    visit(tree.body, False)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, dict[str, set[str]]]:
    """{module: {"all": every consortium module it imports, "load": those imported on load}}."""
    sources = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}
    result = {}
    for module, path in sources.items():
        tree = ast.parse(path.read_text(), str(path))
        result[module] = {
            "all": {m for m in _imports(tree, module, top_level_only=False) if m in sources},
            "load": {m for m in _imports(tree, module, top_level_only=True) if m in sources},
        }
    return result


def _offenders(graph, importer: str, imported: tuple[str, ...], allowed=()) -> list[str]:
    return sorted(f"{m} -> {target}" for m, edges in graph.items()
                  if m == importer or m.startswith(importer + ".")
                  for target in edges["all"]
                  if target.startswith(imported) and not target.startswith(allowed))


def test_the_optimizer_and_the_award_engine_import_nothing_from_the_app(graph):
    for pure in ("consortium.optimizer", "consortium.award"):
        assert _offenders(graph, pure, ("consortium",),
                          allowed=("consortium.optimizer", "consortium.award",
                                   "consortium.money")) == []


@pytest.mark.parametrize("layer", ["consortium.models", "consortium.policy", "consortium.services",
                                   "consortium.publish", "consortium.jobs"])
def test_lower_layers_never_import_the_web_layer(graph, layer):
    assert _offenders(graph, layer, ("consortium.web",)) == []


def test_models_and_policy_import_no_services(graph):
    assert _offenders(graph, "consortium.models", ("consortium.services", "consortium.policy")) == []
    assert _offenders(graph, "consortium.policy", ("consortium.services",)) == []


def test_no_circles_but_known_ones(graph):
    """Strongly connected groups of modules, by the imports that run on load."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[set[str]] = []

    def connect(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]["load"]:
            # A package's own __init__ is loaded first by any import of its modules: not an edge.
            if node.startswith(target + "."):
                continue
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(group)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    new = [sorted(c) for c in circles if not any(c <= known for known in KNOWN_CIRCLES)]
    assert new == []
