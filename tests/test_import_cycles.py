"""No import cycle inside ``server/``: every module's imports, wherever they stand (top level,
``TYPE_CHECKING`` blocks, inside functions), form a graph without cycles.

A cycle means two modules can only be understood, tested and changed together; lazy imports only
hide it. Package ``__init__`` modules count as the package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parent.parent / "server"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Module name → the ``server.*`` modules it imports (``from pkg import mod`` resolves to ``pkg.mod``)."""
    modules = {_module_name(p): p for p in SERVER.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join(pkg + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for t in targets:
                # the longest known module prefix of the target (a name imported from a module)
                while t and t not in modules:
                    t = t.rpartition(".")[0]
                if t and t != name and t.startswith("server"):
                    graph[name].add(t)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_server_has_no_import_cycle() -> None:
    graph = import_graph()
    assert graph.get("server.app"), "the walk found no imports at all"
    assert find_cycles(graph) == []


def test_sync_does_not_depend_on_routing_and_the_vocabulary_is_a_leaf() -> None:
    graph = import_graph()
    assert graph["server.vocabulary"] == set()
    sync_to_routing = {
        (m, t)
        for m, ts in graph.items()
        if m.startswith("server.sync")
        for t in ts
        if t.startswith("server.routing")
    }
    assert sync_to_routing == set()
