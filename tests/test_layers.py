"""The package's imports run one way: read from the source (AST), no import executed.

Rooms of the plugin core, and whom each may import (besides the standard library, Alembic and
SQLAlchemy):

    sql/          nothing of the package
    schema/       sql/
    ops/          sql/, schema/
    rewrite/      sql/, schema/, ops/
    renderers/    sql/, schema/, ops/
    comparators/  sql/, schema/, ops/, rewrite (only to take part in its pipeline);
                  never another comparator module
    lint/         sql/

Nothing in the plugin core imports Flask, Click or the Flask layer (the extension, settings,
CLI, commands), so a plain Alembic project can use it. And there is no import cycle in the
package, except the one lazy import of the CLI inside ``Migrate.init_app``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).parent.parent / "flask_migrate_plus"
PACKAGE = "flask_migrate_plus"

#: Modules of the Flask layer (everything else is plugin core).
FLASK_LAYER = {
    f"{PACKAGE}.{name}"
    for name in ("extension", "settings", "cli", "commands", "guards", "lock", "database",
                 "logging_state", "failures", "partial", "transactions",
                 "model_layers", "linting", "history_test", "adopt", "pytest_plugin", "squash",
                 "replaced")
}
FLASK_PACKAGES = ("flask", "flask_sqlalchemy", "click", "flask_migrate")

#: Room -> the rooms it may import from.
ROOMS: dict[str, set[str]] = {
    "sql": set(),
    "schema": {"sql"},
    "ops": {"sql", "schema"},
    "rewrite": {"sql", "schema", "ops"},
    "renderers": {"sql", "schema", "ops"},
    "comparators": {"sql", "schema", "ops", "rewrite"},
    "lint": {"sql"},
}

#: The one import cycle allowed: the CLI, imported inside ``init_app``.
ALLOWED_CYCLE_EDGES = {(f"{PACKAGE}.extension", f"{PACKAGE}.cli")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))
            if "templates" not in path.parts}


MODULES = _modules()


def _in_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def _imports(module: str) -> Iterator[tuple[str, bool]]:
    """(imported module, whether only under TYPE_CHECKING) for every import in ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        typing_only = _in_type_checking(node, parents)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, typing_only
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                yield (candidate if candidate in MODULES else target), typing_only


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in ROOMS else None


def _core_modules() -> list[str]:
    return [m for m in MODULES if m != PACKAGE and m not in FLASK_LAYER]


@pytest.mark.parametrize("module", _core_modules())
def test_plugin_core_never_imports_flask_or_the_flask_layer(module: str) -> None:
    for imported, _ in _imports(module):
        assert imported.split(".")[0] not in FLASK_PACKAGES, f"{module} imports {imported}"
        assert imported not in FLASK_LAYER, f"{module} imports {imported}"


@pytest.mark.parametrize("module", [m for m in MODULES if _room(m)])
def test_rooms_import_only_the_rooms_below_them(module: str) -> None:
    room = _room(module)
    assert room is not None
    for imported, _ in _imports(module):
        if not imported.startswith(PACKAGE + ".") and imported != PACKAGE:
            continue
        target = _room(imported)
        assert target is not None, f"{module} imports {imported}, outside the plugin rooms"
        if target == room:
            if room == "comparators":
                assert imported == f"{PACKAGE}.comparators", (
                    f"{module} imports another comparator's internals: {imported}"
                )
            continue
        assert target in ROOMS[room], f"{module} ({room}/) may not import {imported}"
        if room == "comparators" and target == "rewrite":
            assert imported == f"{PACKAGE}.rewrite", (
                f"{module} reaches into a rewrite pass: {imported}; only the pipeline's "
                "install() is for comparators"
            )


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module in MODULES:
        for imported, typing_only in _imports(module):
            if imported in MODULES and imported != module and not typing_only:
                graph[module].add(imported)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles_except_the_lazy_cli() -> None:
    graph = _graph()
    for source, target in ALLOWED_CYCLE_EDGES:
        graph[source].discard(target)
    assert _cycles(graph) == []


def test_the_cycle_test_sees_a_cycle() -> None:
    """The cycle finder itself, on a graph that has one (so a pass above means something)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_allowed_cycle_is_really_lazy() -> None:
    """The CLI import in the extension sits inside a function, not at module level."""
    tree = ast.parse(MODULES[f"{PACKAGE}.extension"].read_text())
    top_level = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert all(node.module != "cli" for node in top_level)


def test_one_tokenizer_in_the_package() -> None:
    """SQL text is read by one lexer: no other module defines a tokenizer of its own."""
    tokenizers = sorted(
        module for module, path in MODULES.items()
        if "def tokenize(" in path.read_text()
    )
    assert len(tokenizers) == 1, tokenizers
