"""Imports point down the layers the README lists: no part of app/ imports one that imports it back."""

import ast
from collections import defaultdict

from app.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app"


def part_of(module: str) -> str:
    """`app.learning.quiz` -> `app.learning`; a top-level module is a part of its own."""
    return ".".join(module.split(".")[:2])


def import_graph() -> dict[str, set[str]]:
    """Which parts of app/ each part imports (at any depth of its code, function bodies included)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in APP.rglob("*.py"):
        module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("app.") and part_of(name) != part_of(module):
                    graph[part_of(module)].add(part_of(name))
    return graph


def test_no_part_of_the_app_imports_one_that_imports_it_back():
    graph = import_graph()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in graph.get(start, ()))

    cycles = sorted(f"{a} -> {b} -> ... -> {a}" for a in graph for b in graph[a] if reaches(b, a, {b}))
    assert cycles == []


def test_web_plumbing_and_content_import_nothing_from_the_routes_layers():
    graph = import_graph()
    above = {"app.deps", "app.learning", "app.accounts", "app.admin", "app.runs", "app.main", "app.cli"}
    for low in ("app.web", "app.content", "app.identity", "app.db", "app.runner"):
        assert graph.get(low, set()) & above == set(), low
