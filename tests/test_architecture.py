"""The apps' dependency order, checked on the source: an app imports only the apps before it.

    core ← accounts ← audit ← blueprints ← {guardrails, costing} ← iac ← deployments ← operations
         ← loadtests ← validation

Apps in braces are siblings and never import each other (the guardrails' cost ceiling reaches
the cost calculator through the DHARMA_COST_ESTIMATOR setting). Imports inside functions count
too: a cycle hidden in a function is still a cycle.
"""

import ast
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"
ORDER: list[set[str]] = [
    {"core"},
    {"accounts"},
    {"audit"},
    {"blueprints"},
    {"guardrails", "costing"},
    {"iac"},
    {"deployments"},
    {"operations"},
    {"loadtests"},
    {"validation"},
]


def allowed(app: str) -> set[str]:
    before: set[str] = set()
    for layer in ORDER:
        if app in layer:
            return before | {app}
        before |= layer
    raise AssertionError(f"apps/{app} is not in the dependency order")


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "apps" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_app_is_placed_in_the_order():
    on_disk = {p.name for p in APPS.iterdir() if (p / "apps.py").exists()}
    assert on_disk == set().union(*ORDER)


@pytest.mark.parametrize("app", sorted(set().union(*ORDER)))
def test_an_app_imports_only_the_apps_before_it(app):
    wrong = {
        str(path.relative_to(APPS.parent)): sorted(imported_apps(path) - allowed(app))
        for path in sorted((APPS / app).rglob("*.py"))
    }
    assert not {path: apps for path, apps in wrong.items() if apps}
