"""PostgreSQL objects a column type needs before its table can exist: extensions, composites.

sqlalchemy-utils' ``LtreeType`` needs the ``ltree`` extension and ``CompositeType`` needs its
``CREATE TYPE``; Alembic knows neither, so the script fails on a fresh database
(sqlalchemy-utils#434, alembic#684). A script rewriter inserts, before the first op that
uses such a type, an op that renders as plain ``op.execute("<DDL>")``:

- ``CREATE EXTENSION IF NOT EXISTS ltree``; its reverse is nothing (other tables may use
  the extension, and we cannot know whether this script created it);
- ``CREATE TYPE name AS (...)``, only when the type does not exist yet (one catalog query
  per run); its reverse ``DROP TYPE`` goes into the downgrade after the last op on a table
  that uses it.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.types import TypeDecorator

from .verify import context_state

log = logging.getLogger("flask_migrate_plus")

LTREE_EXTENSION = "CREATE EXTENSION IF NOT EXISTS ltree"
_EXISTING_COMPOSITES = text(
    "SELECT t.typname FROM pg_catalog.pg_type t "
    "JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
    "WHERE c.relkind = 'c' AND pg_catalog.pg_type_is_visible(t.oid)"
)


class TypeObjectOp(ops.MigrateOperation):
    """Plain SQL creating (or dropping) a database object a column type depends on."""

    def __init__(self, sql: str | None, reverse_sql: str | None, note: str) -> None:
        self.sql = sql
        self.reverse_sql = reverse_sql
        self.note = note

    def reverse(self) -> TypeObjectOp:
        return TypeObjectOp(self.reverse_sql, self.sql, self.note)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("type_object", self.sql)


def render_type_object(autogen_context: Any, op: TypeObjectOp) -> str:
    """``op.execute(<repr of the DDL>)``; a no-op reverse renders as a commented ``pass``."""
    if op.sql is None:
        return f"pass  # {op.note}"
    prefix = autogen_context.opts.get("alembic_module_prefix") or "op."
    return f"{prefix}execute({op.sql!r})"


def register_renderer() -> None:
    """Register the renderer; imported late, as ``alembic.autogenerate`` may be loading."""
    from alembic.autogenerate.render import renderers

    renderers.dispatch_for(TypeObjectOp, replace=True)(render_type_object)


def _is_library_class(type_: Any, name: str) -> bool:
    return any(
        cls.__name__ == name and cls.__module__.startswith("sqlalchemy_utils.")
        for cls in type(type_).__mro__
    )


def _types_of(type_: Any) -> list[Any]:
    """The type and the types it wraps (decorator storage, array items)."""
    found = [type_]
    if isinstance(type_, TypeDecorator):
        found += _types_of(type_.impl_instance)
    item = getattr(type_, "item_type", None)
    if item is not None:
        found += _types_of(item)
    return found


def _column_types(op: Any) -> list[Any]:
    if isinstance(op, ops.ModifyTableOps):
        return [t for child in op.ops for t in _column_types(child)]
    if isinstance(op, ops.CreateTableOp):
        return [t for c in op.columns if hasattr(c, "type") for t in _types_of(c.type)]
    if isinstance(op, ops.AddColumnOp):
        return _types_of(op.column.type)
    return []


def _existing_composites(context: MigrationContext) -> set[str]:
    state = context_state(context)
    if "composites" not in state:
        assert context.connection is not None
        state["composites"] = set(context.connection.execute(_EXISTING_COMPOSITES).scalars())
    composites: set[str] = state["composites"]
    return composites


def _composite_sql(type_: Any, dialect: Any) -> tuple[str, str]:
    from sqlalchemy_utils.types.pg_composite import CreateCompositeType, DropCompositeType

    create = str(CreateCompositeType(type_).compile(dialect=dialect))
    drop = str(DropCompositeType(type_).compile(dialect=dialect))
    return create, drop


def _insert_drop(downgrade: ops.OpContainer, tables: set[str], op: TypeObjectOp) -> None:
    last = -1
    for index, candidate in enumerate(downgrade.ops):
        if getattr(candidate, "table_name", None) in tables:
            last = index
    downgrade.ops.insert(last + 1, op)


def create_type_objects(
    context: MigrationContext, revision: Any, directives: list[ops.MigrationScript]
) -> None:
    """Insert CREATE EXTENSION / CREATE TYPE ops before the ops whose columns need them."""
    if context.dialect.name != "postgresql":
        return
    # A multi-database env.py calls this once per database, each time after appending that
    # database's ops: only the last pair is this context's, and the others are done already.
    for script in directives:
        _rewrite(context, script.upgrade_ops_list[-1], script.downgrade_ops_list[-1])


def _rewrite(context: MigrationContext, upgrade: ops.OpContainer, downgrade: Any) -> None:
    composites: dict[str, tuple[TypeObjectOp, set[str]]] = {}  # name -> (create op, tables)
    new_ops: list[ops.MigrateOperation] = []
    has_ltree = False
    for op in upgrade.ops:
        table = str(getattr(op, "table_name", ""))
        for type_ in _column_types(op):
            if _is_library_class(type_, "LtreeType") and not has_ltree:
                has_ltree = True
                log.info("Detected the ltree extension needed by table %r", table)
                new_ops.append(TypeObjectOp(LTREE_EXTENSION, None, "the ltree extension is kept"))
            if not _is_library_class(type_, "CompositeType"):
                continue
            name = str(type_.name)
            if name not in composites and name not in _existing_composites(context):
                create, drop = _composite_sql(type_, context.dialect)
                composites[name] = (TypeObjectOp(create, drop, f"composite type {name}"), set())
                log.info("Detected composite type %r needed by table %r", name, table)
                new_ops.append(composites[name][0])
            if name in composites:
                composites[name][1].add(table)
        new_ops.append(op)
    upgrade.ops[:] = new_ops
    if downgrade is not None:
        for create_op, tables in composites.values():
            _insert_drop(downgrade, tables, create_op.reverse())
