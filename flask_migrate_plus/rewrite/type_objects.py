"""PostgreSQL objects a column type needs before its table can exist: extensions, composites.

sqlalchemy-utils' ``LtreeType`` needs the ``ltree`` extension and ``CompositeType`` needs its
``CREATE TYPE``; Alembic knows neither, so the script fails on a fresh database. For each
column the script brings (a new table's, an added column's) whose type needs one:

- ``CREATE EXTENSION IF NOT EXISTS``; the downgrade keeps the extension (other tables may
  use it, and we cannot know whether this script created it);
- ``CREATE TYPE name AS (...)``, only when the type does not exist yet (one catalog query
  per run); the downgrade drops it after the last table using it.

The ops are prerequisite objects, put in place by the ``prerequisites`` pass.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import ops
from sqlalchemy import text

from ..ops.objects import CompositeType, CreateObjectOp, Extension
from ..schema.run_state import once_per_run
from ..schema.types import wrapped_types
from .prerequisites import EXTENSION_TYPES, library_class_name

log = logging.getLogger("alembic.autogenerate.compare")

_EXISTING_COMPOSITES = text(
    "SELECT t.typname FROM pg_catalog.pg_type t "
    "JOIN pg_catalog.pg_class c ON c.oid = t.typrelid "
    "WHERE c.relkind = 'c' AND pg_catalog.pg_type_is_visible(t.oid)"
)


def _new_column_types(op: Any) -> list[Any]:
    """The types (wrappers unwrapped) of the columns an op brings."""
    if isinstance(op, ops.OpContainer):
        return [t for child in op.ops for t in _new_column_types(child)]
    if isinstance(op, ops.CreateTableOp):
        columns = [c for c in op.columns if hasattr(c, "type")]
    elif isinstance(op, ops.AddColumnOp):
        columns = [op.column]
    else:
        return []
    return [inner for column in columns for inner in wrapped_types(column.type)]


def _existing_composites(autogen_context: Any) -> set[str]:
    def read() -> set[str]:
        return set(autogen_context.connection.execute(_EXISTING_COMPOSITES).scalars())

    return once_per_run(autogen_context, __name__, "composites", read)


def _composite_sql(type_: Any, dialect: Any) -> tuple[str, str]:
    from sqlalchemy_utils.types.pg_composite import CreateCompositeType, DropCompositeType

    create = str(CreateCompositeType(type_).compile(dialect=dialect))
    drop = str(DropCompositeType(type_).compile(dialect=dialect))
    return create, drop


def create_type_objects(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc)."""
    made: set[tuple[str, str]] = set()
    for op in list(upgrade_ops.ops):
        table = str(getattr(op, "table_name", ""))
        for type_ in _new_column_types(op):
            name = library_class_name(type_)
            if name in EXTENSION_TYPES and ("extension", EXTENSION_TYPES[name]) not in made:
                made.add(("extension", EXTENSION_TYPES[name]))
                log.info("Detected the %s extension needed by table %r", EXTENSION_TYPES[name],
                         table)
                upgrade_ops.ops.append(CreateObjectOp(Extension(EXTENSION_TYPES[name])))
            if name != "CompositeType":
                continue
            type_name = str(type_.name)
            if ("composite", type_name) in made or type_name in _existing_composites(
                autogen_context
            ):
                continue
            made.add(("composite", type_name))
            create, drop = _composite_sql(type_, autogen_context.dialect)
            log.info("Detected composite type %r needed by table %r", type_name, table)
            upgrade_ops.ops.append(CreateObjectOp(CompositeType(type_name, None, create, drop)))
