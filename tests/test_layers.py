"""Data flows one way: tables → pure rules → security and the write pipeline →
database operations (journal, movement, year, imports) → reports → views, jobs,
the command line and the demo. A module imports only from its own layer and the
ones below it — also inside functions, where imports are deferred but still
dependencies; no two modules depend on each other, even through others; and a
name with a leading underscore stays inside its module."""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "reports", "demo")  # the code checked here: what the server and its commands run

# package (first name under app/, or "reports", "demo") → its layer; higher numbers sit above
LAYERS = {
    "rules": 0, "clock": 0, "extensions": 0, "tables": 0, "database": 0, "i18n": 0, "queue": 0, "logformat": 0,
    "models": 1,
    "security": 2, "pipeline": 2,
    "journal": 3, "movement": 3, "year": 3, "people_import": 3, "backup": 3,
    "reports": 4,
    "views": 5, "webapi": 5, "health": 5, "jobs": 5, "cli": 5, "demo": 5, "app": 6,
}

# The contract in words, arrow by arrow (the layers above imply it; these name the pairs).
FORBIDDEN = {
    "models": {"security", "pipeline", "views"},
    "security": {"views"},
    "pipeline": {"views"},
    "journal": {"views"}, "movement": {"views"}, "year": {"views"}, "people_import": {"views"},
    "reports": {"views"},
}

# Private names imported across modules while they wait to be made public or moved (none
# today): (importer, module, name). An entry that no longer occurs must be removed.
KNOWN_PRIVATE_IMPORTS: set = set()


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    """Every module of the checked packages by its dotted name (a package by its own name)."""
    found = {}
    for top in PACKAGES:
        for path in (ROOT / top).rglob("*.py"):
            found[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] in ("reports", "demo"):
        return parts[0]
    if parts[0] != "app":
        return None
    return parts[1] if len(parts) > 1 else "app"


def _resolve(name: str) -> str | None:
    """The module a dotted name lives in (a module, or the package holding the name)."""
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


@lru_cache(maxsize=None)
def imports(module: str) -> tuple[tuple[str, str | None], ...]:
    """(imported module, imported name or None) of every import in a module, relative
    ones resolved, at any depth (inside functions too)."""
    path = modules()[module]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            found += [(base, a.name) for a in node.names]
    return tuple(found)


@lru_cache(maxsize=1)
def graph() -> dict[str, set[str]]:
    """Module → the modules of the checked packages it imports (`from p import m` of a
    submodule m is an import of p.m)."""
    known = modules()
    edges = {}
    for module in known:
        targets = set()
        for base, name in imports(module):
            full = f"{base}.{name}" if name else base
            target = full if full in known else _resolve(base)
            if target is not None and target != module:
                targets.add(target)
        edges[module] = targets
    return edges


def _package_imports(module: str) -> set[str]:
    package = _package(module)
    return {_package(t) for t in graph()[module]} - {package, None}


def test_rules_import_no_flask_no_database_and_nothing_of_parta_but_rules():
    wrong = []
    for module in modules():
        if _package(module) != "rules":
            continue
        for base, _ in imports(module):
            if base.startswith(("flask", "sqlalchemy", "reports", "demo")) or \
                    (base.split(".")[0] == "app" and not base.startswith("app.rules")):
                wrong.append(f"{module} imports {base}")
    assert wrong == []


def test_every_module_has_a_layer_and_imports_no_layer_above_its_own():
    wrong = []
    for module in modules():
        package = _package(module)
        assert package in LAYERS, f"{module}: give its package a layer in tests/test_layers.py"
        for target in _package_imports(module):
            assert target in LAYERS, f"{module} imports {target}: give it a layer"
            if LAYERS[target] > LAYERS[package]:
                wrong.append(f"{module} ({package}) imports {target}")
    assert wrong == []


def test_models_security_pipeline_database_operations_and_reports_import_no_views():
    wrong = [f"{module} imports {target}" for module in modules()
             for target in _package_imports(module) if target in FORBIDDEN.get(_package(module), ())]
    assert wrong == []


def test_the_app_imports_the_demo_only_from_the_command_line():
    wrong = [module for module in modules() if _package(module) not in ("demo", "cli")
             and "demo" in _package_imports(module)]
    assert wrong == []


def test_no_private_name_is_imported_from_another_module():
    known = modules()
    found = set()
    for module in known:
        for base, name in imports(module):
            if name and name.startswith("_") and not name.startswith("__") and f"{base}.{name}" not in known \
                    and _resolve(base) not in (None, module):
                found.add((module, base, name))
    assert found - KNOWN_PRIVATE_IMPORTS == set(), "make the name public, or move what both need below them"
    assert KNOWN_PRIVATE_IMPORTS - found == set(), "fixed: remove these from KNOWN_PRIVATE_IMPORTS"


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_cycle_finder_finds_a_cycle_through_three_modules():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_modules_import_each_other_even_through_others():
    edges = graph()
    cycles = [
        f"{' ↔ '.join(group)}: " + ", ".join(f"{a} → {b}" for a in group for b in sorted(edges[a]) if b in group)
        for group in _cycles(edges)
    ]
    assert cycles == []
