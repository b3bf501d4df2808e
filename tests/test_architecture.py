"""The house rules, checked on the tree: no file over 700 lines, dependencies one way
(api/CLI -> scenarios -> allocator), no import cycle between first-party modules, and no import of
another module's ``_private`` names."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("allocator", "scenarios", "api", "rmalloc")
#: what each package may import from the others (the arrows point down)
ALLOWED = {
    "allocator": {"allocator"},
    "scenarios": {"scenarios", "allocator"},
    "api": {"api", "scenarios", "allocator"},
    "rmalloc": {"rmalloc", "api", "scenarios", "allocator"},
}


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path, top_level_only: bool) -> Iterator[ast.ImportFrom | ast.Import]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else ast.walk(tree)
    yield from (n for n in nodes if isinstance(n, (ast.Import, ast.ImportFrom)))


def _targets(node: ast.ImportFrom | ast.Import) -> list[str]:
    """First-party modules an import statement loads (a name imported from a package may be a
    submodule)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in MODULES]
    if node.level or not node.module or node.module.split(".")[0] not in PACKAGES:
        return []
    subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES]
    whole = [node.module] if node.module in MODULES and len(subs) < len(node.names) else []
    return subs + whole


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_file_over_700_lines(name: str) -> None:
    assert MODULES[name].read_text().count("\n") <= 700


def test_dependencies_point_one_way() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, path in MODULES.items()
        for node in _imports(path, top_level_only=False)
        for target in _targets(node)
        if target.split(".")[0] not in ALLOWED[name.split(".")[0]]
    ]
    assert wrong == []


def test_no_private_name_from_another_module() -> None:
    wrong = [
        f"{name} imports {node.module}.{a.name}"
        for name, path in MODULES.items()
        for node in _imports(path, top_level_only=False)
        if isinstance(node, ast.ImportFrom) and node.module and node.module != name
        for a in node.names
        if a.name.startswith("_") and not a.name.startswith("__")
    ]
    assert wrong == []


def test_no_import_cycle() -> None:
    graph = {
        name: {t for node in _imports(path, top_level_only=True) for t in _targets(node)}
        for name, path in MODULES.items()
    }
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []
