"""The package's shape: imports point one way, from the CLI down to the pure core.

Read from the source with ``ast`` (every import counts: at the top, inside a
function, or under ``TYPE_CHECKING``), so a circle cannot hide behind a lazy
import, and nothing has to be imported to find it.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ehxl"

#: Modules that work on plain data only: no spreadsheet library, no Excel, no files of workbooks.
PURE_CORE = {"actions", "owners", "deadlines", "rag", "maturity", "kpis", "audits", "findings", "summary", "report",
             "grid", "config", "engine", "rollups", "analysis", "changes", "pack", "pack_figures"}
WORKBOOK_LIBRARIES = {"openpyxl", "xlwings", "xlsxwriter", "pandas", "lxml", "zipfile"}


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """The ehxl modules and the outside top-level packages one module imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    inside, outside = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                if node.module:
                    inside.add(node.module.split(".")[0])
                else:
                    inside.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "ehxl":
                parts = node.module.split(".")
                inside.update([parts[1]] if len(parts) > 1 else [a.name for a in node.names])
            elif node.module:
                outside.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "ehxl" and len(parts) > 1:
                    inside.add(parts[1])
                else:
                    outside.add(parts[0])
    return inside, outside


def graph() -> dict[str, set[str]]:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {p.stem: imports_of(p)[0] & modules - {p.stem} for p in PACKAGE.glob("*.py")}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle, each as the path that closes it (depth-first search)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return found


def test_the_cycle_finder_finds_a_circle_and_passes_a_line():
    assert cycles({"api": {"excel"}, "excel": {"templates"}, "templates": {"api"}}) == \
        [["api", "excel", "templates", "api"]]
    assert cycles({"cli": {"api"}, "api": {"engine"}, "engine": {"actions"}, "actions": set()}) == []


def test_the_import_reader_sees_lazy_and_type_checking_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .engine import Analysis\n"
                      "def f():\n    from . import kpis\n    import ehxl.audits\n    from ehxl import rag\n")
    assert imports_of(module)[0] == {"engine", "kpis", "audits", "rag"}


def test_no_module_imports_another_that_imports_it_back():
    assert cycles(graph()) == []


def test_the_pure_core_never_touches_a_workbook_library():
    present = {p.stem for p in PACKAGE.glob("*.py")}
    for name in sorted(PURE_CORE & present):
        _, outside = imports_of(PACKAGE / f"{name}.py")
        assert not outside & WORKBOOK_LIBRARIES, f"ehxl/{name}.py imports {sorted(outside & WORKBOOK_LIBRARIES)}"


def test_the_cli_is_imported_by_nothing():
    assert [m for m, deps in graph().items() if "cli" in deps] == []
