"""The layers hold: the contracts (ticket_triage) import no stage, only the top layer (triage) imports
the top layer, and no import cycle between the project's modules; and no module grows past about 500 lines.

Imports inside functions count too (they are how heavy stages stay off light paths, but they are
still dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("triage", "ticket_triage", "generating", "training", "inference", "integrations", "feedback")


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
    for name, imported in graph.items():
        if name.startswith("ticket_triage"):
            stages = sorted(m for m in imported if not m.startswith("ticket_triage"))
            assert not stages, f"{name} imports {stages}"


def in_top_layer(name: str) -> bool:
    return name == "triage" or name.startswith("triage.")


def test_only_the_top_layer_imports_the_top_layer():
    graph = project_imports()
    for name, imported in graph.items():
        if not in_top_layer(name):
            top = sorted(m for m in imported if in_top_layer(m))
            assert not top, f"{name} imports {top}"


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


# Issue 15: no module over about 500 lines, except data tables (the situation bank is word lists). A
# module past that does two jobs: split it along its seam (ARCHITECTURE.md names the rooms).
MAX_LINES = 520
DATA_TABLES = ("generating/situations/",)


def test_no_module_is_over_about_500_lines_except_data_tables():
    too_long = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = path.relative_to(ROOT).as_posix()
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES and not name.startswith(DATA_TABLES):
                too_long[name] = lines
    assert not too_long, too_long
