"""The house: one package per pipeline stage, imports running one way, no cycles.

rag.errors, rag.settings and rag.chunks are the floor; then rag/text → rag/transcripts → rag/indexing →
rag/query → rag/answer → rag.api → rag.cli, rag/evaluation and ui/. A module may import its own stage
and the stages before it, never a later one. Every import counts: module level, inside a function, and
under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOOR = {"rag.errors", "rag.settings", "rag.chunks"}
STAGES = ["floor", "rag.text", "rag.transcripts", "rag.indexing", "rag.query", "rag.answer", "rag.api", "top"]
TOP = ("rag.cli", "rag.evaluation", "ui", "rag")  # entry points and the package facade


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def stage_of(module: str) -> int:
    if module in FLOOR:
        return 0
    for rank, prefix in enumerate(STAGES[1:-1], start=1):
        if module == prefix or module.startswith(prefix + "."):
            return rank
    if any(module == top or module.startswith(top + ".") for top in TOP):
        return len(STAGES) - 1
    raise AssertionError(f"{module} belongs to no stage: put it in a stage package or on the floor")


def project_modules() -> dict[str, Path]:
    paths = [*ROOT.joinpath("rag").rglob("*.py"), *ROOT.joinpath("ui").rglob("*.py")]
    return {module_name(p): p for p in paths}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Project modules `path` imports anywhere in its body ("from rag.text import names" names a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    # a package's __init__ is not an edge of its own: only the modules
    return {m for m in found if m in known and not _is_package(m, known)}


def _is_package(module: str, known: set[str]) -> bool:
    return any(other.startswith(module + ".") for other in known)


MODULES = project_modules()
GRAPH = {name: imports_of(path, set(MODULES)) for name, path in MODULES.items()}


def test_every_module_belongs_to_a_stage() -> None:
    for module in MODULES:
        stage_of(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_run_from_later_stages_to_earlier_ones(module: str) -> None:
    upward = [
        f"{imported} ({STAGES[stage_of(imported)]})"
        for imported in sorted(GRAPH[module])
        if stage_of(imported) > stage_of(module)
    ]
    assert not upward, f"{module} ({STAGES[stage_of(module)]}) imports a later stage: {', '.join(upward)}"


def test_there_is_no_import_cycle() -> None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            cycle = visiting[visiting.index(module) :] + [module]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        visiting.append(module)
        for imported in sorted(GRAPH[module]):
            visit(imported)
        visiting.pop()
        done.add(module)

    for module in sorted(GRAPH):
        visit(module)


def test_the_checker_sees_a_violation() -> None:
    """The test itself would notice an upward import (a transcripts module importing the query stage)."""
    assert stage_of("rag.transcripts.parse") < stage_of("rag.query.understand")
    assert "rag.text.quarters" in GRAPH["rag.query.understand"]
