"""Data flows one way: tables → pure rules → security and the write pipeline →
database operations (journal, movement, year, imports) → reports → views, jobs and
the command line. A module imports only from its own layer and the ones below it —
also inside functions, where imports are deferred but still dependencies."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# package (first name under app/, or "reports") → its layer; higher numbers sit above
LAYERS = {
    "rules": 0, "clock": 0, "extensions": 0, "tables": 0,
    "models": 1,
    "security": 2, "pipeline": 2,
    "journal": 3, "movement": 3, "year": 3, "people_import": 3,
    "reports": 4,
    "views": 5, "webapi": 5, "jobs": 5, "demo": 5, "cli": 5, "app": 6,
}


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "reports":
        return "reports"
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "app"


def _imports(path: Path, package: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + ([f"{node.module}.{a.name}" for a in node.names] if node.module == "app" else [])
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            target = _package(name)
            if target is not None and target != package and not (name == "app" and node.module == "app"):
                found.add(target)
    return found


def test_rules_import_no_flask_no_database_and_nothing_of_parta_but_rules():
    for path in (ROOT / "app" / "rules").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert not name.startswith(("flask", "sqlalchemy", "app.models", "app.security", "app.views")), \
                        f"{path.relative_to(ROOT)} imports {name}"


def test_no_module_imports_from_a_layer_above_its_own():
    wrong = []
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "reports").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        package = _package(module)
        assert package in LAYERS, f"{module}: give its package a layer in tests/test_layers.py"
        for target in _imports(path, package):
            assert target in LAYERS, f"{module} imports {target}: give it a layer"
            if LAYERS[target] > LAYERS[package]:
                wrong.append(f"{module} ({package}) imports {target}")
    assert wrong == []
