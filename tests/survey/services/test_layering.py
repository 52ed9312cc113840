"""The services form no import cycle, also none hidden in an import inside a function."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[3] / "survey" / "services"


def imported_services(path: Path) -> tuple[set[str], set[str]]:
    """The service modules ``path`` imports at its top and inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top, inner = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        modules = {name.split(".")[2] for name in names if name.startswith("survey.services.")}
        found = {module for module in modules if (SERVICES / f"{module}.py").exists()}
        (top if node in tree.body else inner).update(found)
    return top, inner


def test_services_import_each_other_without_a_cycle():
    graph, hidden = {}, {}
    for path in sorted(SERVICES.glob("*.py")):
        top, inner = imported_services(path)
        graph[path.stem] = top - {path.stem}
        if inner:
            hidden[path.stem] = inner
    assert hidden == {}  # an import inside a function would hide a cycle
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        raise AssertionError(f"services import each other in a cycle: {cycle.args[1]}") from None
    assert order.index("campaigns") < order.index("lifecycle")  # lifecycle owns state changes
