"""The layers hold: contracts import no stage, no import cycle between the project's modules.

Imports inside functions count too (they are how heavy stages stay off light paths, but they are
still dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ticket_triage", "generating", "training", "inference")
CONTRACTS = ("ticket_triage.schema", "ticket_triage.prompt", "ticket_triage.dataset", "ticket_triage.result")
TOP = ("ticket_triage.cli", "ticket_triage.demo")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (a package import counts as its __init__)."""
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                # `from package import submodule` needs the submodule; a package's __init__ that
                # re-exports its rooms is not a dependency of those rooms.
                targets = submodules if all(m in modules for m in submodules) else [node.module, *submodules]
            found |= {t for t in targets if t in modules and t != name}
        graph[name] = found
    return graph


def test_contracts_import_no_stage():
    graph = project_imports()
    for contract in CONTRACTS:
        stages = sorted(m for m in graph[contract] if not m.startswith("ticket_triage."))
        assert not stages, f"{contract} imports {stages}"


def test_only_the_top_layer_imports_the_top_layer():
    graph = project_imports()
    for name, imported in graph.items():
        if name not in TOP:
            assert not set(imported) & set(TOP), f"{name} imports {set(imported) & set(TOP)}"


def test_the_import_graph_has_no_cycle():
    graph = project_imports()
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
