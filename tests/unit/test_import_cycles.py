"""No import cycles inside swarmtui.

Only imports that run when a module is imported count: top-level ones (and those in
class bodies, `try` and plain `if` blocks). Imports under `if TYPE_CHECKING:` and
inside functions do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import swarmtui

ROOT = Path(swarmtui.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_time_nodes(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                out += _import_time_nodes(node.body)
            out += _import_time_nodes(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                out += _import_time_nodes(block)
            for handler in node.handlers:
                out += _import_time_nodes(handler.body)
        elif isinstance(node, ast.ClassDef | ast.With):
            out += _import_time_nodes(node.body)
    return out


def import_graph() -> dict[str, set[str]]:
    """module → the swarmtui modules it imports when it is imported."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges: set[str] = set()
        for node in _import_time_nodes(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import submodule` needs the submodule; other names need pkg
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            # a module's own packages are always imported before it: not an edge
            ancestors = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
            edges |= {t for t in targets if t in modules and t != name and t not in ancestors}
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_real_imports() -> None:
    graph = import_graph()
    assert "swarmtui.swarm.state" in graph["swarmtui.swarm.fetch"]
    # a TYPE_CHECKING-only import is not an edge
    assert "swarmtui.ui.app" not in graph["swarmtui.ui.screens.main"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_in_swarmtui() -> None:
    assert cycles(import_graph()) == []
