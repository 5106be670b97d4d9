"""No import cycles among core's and app's modules, counting every import: at module level, under
`if TYPE_CHECKING:` and inside functions (a cycle hidden in a function is still two modules that need each other).

Reads the source with ast and imports nothing, so it is fast and sees what import-linter's contracts cannot say.
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "app")


@dataclass(frozen=True)
class Import:
    """One import statement of `source` that names module `target`; `where` is "", "under TYPE_CHECKING" or
    "in a function"."""
    source: str
    target: str
    path: Path
    line: int
    where: str


def module_name(path: Path) -> str:
    """core/nn/models.py -> core.nn.models; core/nn/__init__.py -> core.nn."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, modules: set[str]) -> list[str]:
    """The project modules that `node`, in module `name`, names: `from x import y` names x.y when that is a module."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    base = node.module or ""
    if node.level:                      # relative: from the package that holds this module, up level - 1 packages
        package = name.split(".") if is_package else name.split(".")[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
    if len(found) < len(node.names) and base in modules:     # some names are attributes of `base` itself
        found.append(base)
    return found


def is_type_checking(test: ast.expr) -> bool:
    """`TYPE_CHECKING` or `typing.TYPE_CHECKING`."""
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
            or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_statements(tree: ast.Module) -> list[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement in the tree, wherever it is, with "", "under TYPE_CHECKING" or "in a function"."""
    found = []
    pending: list[tuple[ast.AST, str]] = [(tree, "")]
    while pending:
        node, where = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, where))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            where = "in a function"
        elif isinstance(node, ast.If) and is_type_checking(node.test) and not where:
            pending.extend((child, "") for child in node.orelse)
            pending.extend((child, "under TYPE_CHECKING") for child in node.body)
            continue
        pending.extend((child, where) for child in ast.iter_child_nodes(node))
    return sorted(found, key=lambda item: item[0].lineno)


def build_graph(sources: dict[str, tuple[Path, str]]) -> dict[str, list[Import]]:
    """Module name -> (its file, its source) to module -> its imports of the other modules, in source order."""
    modules = set(sources)
    graph: dict[str, list[Import]] = {}
    for name, (path, source) in sources.items():
        imports = graph.setdefault(name, [])
        for node, where in import_statements(ast.parse(source, filename=str(path))):
            for target in imported_modules(node, name, path.name == "__init__.py", modules):
                if target != name:
                    imports.append(Import(name, target, path, node.lineno, where))
    return graph


@cache
def import_graph() -> dict[str, list[Import]]:
    """The graph of every module under core/ and app/."""
    paths = sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))
    return build_graph({module_name(path): (path, path.read_text(encoding="utf-8")) for path in paths})


def strongly_connected_components(graph: dict[str, list[Import]]) -> list[list[str]]:
    """Tarjan's algorithm, without recursion: the groups of modules that reach each other, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            edge = next(edges, None)
            if edge is not None:
                if edge.target not in index:
                    index[edge.target] = low[edge.target] = len(index)
                    stack.append(edge.target)
                    on_stack.add(edge.target)
                    work.append((edge.target, iter(graph[edge.target])))
                elif edge.target in on_stack:
                    low[node] = min(low[node], index[edge.target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def shortest_cycle(graph: dict[str, list[Import]], component: list[str]) -> list[Import]:
    """The shortest cycle through the component's first module, found breadth-first inside the component."""
    members = set(component)
    start = component[0]
    came_by: dict[str, Import] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for edge in graph[node]:
            if edge.target not in members or edge.target in came_by:
                continue
            came_by[edge.target] = edge
            if edge.target == start:
                cycle = [edge]
                while cycle[0].source != start:
                    cycle.insert(0, came_by[cycle[0].source])
                return cycle
            queue.append(edge.target)
    raise AssertionError(f"no cycle through {start} in its component")      # unreachable for a true component


def describe(graph: dict[str, list[Import]], component: list[str]) -> str:
    lines = [f"{len(component)} modules import each other: {', '.join(component)}", "  for example:"]
    for edge in shortest_cycle(graph, component):
        where = ", ".join(filter(None, (f"{edge.path.relative_to(ROOT)}:{edge.line}", edge.where)))
        lines.append(f"    {edge.source} -> {edge.target}    ({where})")
    return "\n".join(lines)


def cycles_touching(package: str) -> list[str]:
    graph = import_graph()
    return [describe(graph, component) for component in strongly_connected_components(graph)
            if len(component) > 1 and any(name.split(".")[0] == package for name in component)]


def test_a_cycle_through_type_checking_function_and_relative_imports_is_found_and_shown():
    sources = {
        "pkg": (ROOT / "pkg/__init__.py", ""),
        "pkg.a": (ROOT / "pkg/a.py", "import typing\n\nif typing.TYPE_CHECKING:\n    from pkg.b import B\n"),
        "pkg.b": (ROOT / "pkg/b.py", "def f():\n    from pkg import c, VERSION\n"),
        "pkg.c": (ROOT / "pkg/c.py", "import numpy\nfrom . import a\n"),
        "pkg.d": (ROOT / "pkg/d.py", "import pkg.a\n"),         # imports the cycle, is not part of it
    }
    graph = build_graph(sources)
    assert [(edge.target, edge.line) for edge in graph["pkg.b"]] == [("pkg.c", 2), ("pkg", 2)]
    assert [c for c in strongly_connected_components(graph) if len(c) > 1] == [["pkg.a", "pkg.b", "pkg.c"]]
    assert describe(graph, ["pkg.a", "pkg.b", "pkg.c"]).splitlines()[2:] == [
        "    pkg.a -> pkg.b    (pkg/a.py:4, under TYPE_CHECKING)",
        "    pkg.b -> pkg.c    (pkg/b.py:2, in a function)",
        "    pkg.c -> pkg.a    (pkg/c.py:2)",
    ]


def test_the_project_graph_holds_every_module():
    graph = import_graph()
    assert len(graph) > 80 and {"core.nn.models", "app.application"} <= graph.keys()
    assert {"core.nn.models", "core.parallel.training_step"} <= {edge.target for edge in graph["core.training.trainer"]}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycles(package):
    cycles = cycles_touching(package)
    if cycles:
        pytest.fail("Import cycles, one group of modules that import each other per paragraph:\n\n"
                    + "\n\n".join(cycles), pytrace=False)
