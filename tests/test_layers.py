"""Dependencies point one way, core ← measures ← indicators ← pdca: no module imports from an
app above its own, and the plan's own reads do not reach into the indicators' tables."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["core", "measures", "indicators", "pdca"]


def _modules(app: str):
    for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def _imported_apps(path: Path) -> set[str]:
    apps = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            apps.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            apps.update(alias.name.split(".")[0] for alias in node.names)
    return apps


@pytest.mark.parametrize("app", LAYERS)
def test_no_app_imports_an_app_above_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :])
    offending = {str(path): sorted(_imported_apps(path) & above) for path in _modules(app)}
    assert {path: apps for path, apps in offending.items() if apps} == {}


def test_the_plans_reads_do_not_follow_relations_into_the_indicators():
    # Indicator.measure's and MeasureResult.measure's reverse accessors.
    for path in _modules("measures"):
        text = path.read_text(encoding="utf-8")
        assert ".indicators." not in text and ".results." not in text, path
