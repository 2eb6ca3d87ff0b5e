"""Comparator plugin ``flask_migrate_plus.enums``: changed values of native enum types.

Alembic compares a PostgreSQL enum column by its type name only, so values added, removed,
renamed or reordered go unseen; on MySQL/MariaDB it compares value *sets*, so a reorder goes
unseen (ENUM order is the sort order there, so it matters).

- PostgreSQL: an enum type is shared by columns of many tables, so this works per type, at
  the "schema" level: the values the models declare for each type (``sa.Enum(..., name=)``,
  ``Enum(PyEnum)``, in arrays and TypeDecorators too) against what ``pg_enum`` holds, read for
  all types in one query, plus one query for every column that uses an enum type. Each changed
  type gives one :class:`SyncEnumValuesOp` (``ops.enums``), placed before all table
  operations so that new and altered columns already see the new values (and, reversed,
  after them on downgrade). When the type is rebuilt (either way), the op also carries the
  indexes and constraints that hold a constant of it, read in one more query. What follows
  from it for the other ops (defaults moved into the op, dependents that the migration drops
  anyway, existing types not created again) is done by rewrite passes (``rewrite.enum_types``).
  Which columns count is Alembic's own answer: the tables and columns it compares are noted
  as it dispatches them, so the user's ``include_name`` / ``include_object`` hooks are
  asked nothing beyond what Alembic asks them.
- MySQL/MariaDB: the ENUM is part of the column type, so this works per column in
  "column"/"types", comparing the value *lists*; a difference becomes Alembic's own
  ``modify_type`` and stops Alembic's order-blind comparison for that column.

Option (``context.configure`` keyword): ``migrate_plus_enum_rename_values`` (default True):
a single value changed in place is migrated with ``RENAME VALUE``; False always rebuilds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.enums import EnumColumn, EnumDependent, SyncEnumValuesOp, free_temporary_name
from ..rewrite import install
from ..schema.enums import TypeKey, enum_catalog, enum_dependents, schema_key
from ..schema.run_state import run_state
from ..schema.types import native_enum

log = logging.getLogger("alembic.autogenerate.compare")

RENAME_OPTION = "migrate_plus_enum_rename_values"

#: pg_class kinds whose columns the migration casts; any other user of the type blocks a rebuild.
_TABLE_KINDS = {"r": "table", "p": "partitioned table"}
_OTHER_KINDS = {"v": "view", "m": "materialized view", "c": "composite type", "f": "foreign table"}

# -- PostgreSQL: one op per enum type -----------------------------------------------------------


# What Alembic compared: its answers, recorded as it dispatches, never asked again. Alembic
# asks ``include_name`` about reflected names only, and ``include_object`` with its own
# ``compare_to``; asking the hooks about model-only tables, or with other arguments, would
# break hooks written against that contract.
_COMPARED = "flask_migrate_plus.enums.compared"


@dataclass
class ComparedTable:
    """One table Alembic compared, created or dropped: the columns it looked at."""

    model_columns: list[sa.Column[Any]] = field(default_factory=list)
    database_columns: set[str] = field(default_factory=set)


def _compared_tables(autogen_context: Any) -> dict[tuple[str | None, str], ComparedTable]:
    return run_state(autogen_context, _COMPARED).setdefault("tables", {})


def _compared(autogen_context: Any, schema: str | None, tname: str) -> ComparedTable:
    key = (schema_key(schema, autogen_context.dialect.default_schema_name), tname)
    return _compared_tables(autogen_context).setdefault(key, ComparedTable())


def record_compared_table(
    autogen_context: Any,
    modify_table_ops: Any,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """Note a table Alembic compares: a new one brings all its columns, an existing one the
    columns Alembic adds (the ones it compares arrive through :func:`record_compared_column`),
    a dropped one takes all of the database's."""
    record = _compared(autogen_context, schema, tname)
    if conn_table is None and metadata_table is not None:
        record.model_columns.extend(metadata_table.columns)
    elif metadata_table is None and conn_table is not None:
        record.database_columns.update(column.name for column in conn_table.columns)
    else:
        record.model_columns.extend(
            op.column for op in modify_table_ops.ops if isinstance(op, ops.AddColumnOp)
        )
    return PriorityDispatchResult.CONTINUE


def record_compared_column(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> PriorityDispatchResult:
    """Note a column Alembic compares on both sides."""
    record = _compared(autogen_context, schema, tname)
    record.model_columns.append(metadata_col)
    record.database_columns.add(cname)
    return PriorityDispatchResult.CONTINUE


def _declared_enums(
    autogen_context: Any, default_schema: str | None
) -> dict[TypeKey, tuple[str, ...]]:
    """The value list the models give each enum type, from the columns Alembic compared."""
    declared: dict[TypeKey, tuple[str, ...]] = {}
    conflicting: set[TypeKey] = set()
    compared = _compared_tables(autogen_context)
    for table in autogen_context.sorted_tables:
        record = compared.get((schema_key(table.schema, default_schema), table.name))
        for column in record.model_columns if record is not None else ():
            enum, _ = native_enum(column.type, autogen_context.dialect)
            if enum is None or not enum.name or not enum.enums:
                continue  # ENUM(name=..., create_type=False) with no values: a reference
            key = (schema_key(enum.schema, default_schema), enum.name)
            values = tuple(enum.enums)
            if declared.setdefault(key, values) != values and key not in conflicting:
                conflicting.add(key)
                log.warning("Enum %r has different values in different columns; skipped", key[1])
    return {key: values for key, values in declared.items() if key not in conflicting}


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _dropped_columns(upgrade_ops: Any, default_schema: str | None) -> set[tuple[Any, ...]]:
    """(schema, table, column) of every column the script drops."""
    return {
        (schema_key(container.schema, default_schema), container.table_name, op.column_name)
        for container in upgrade_ops.ops if isinstance(container, ops.ModifyTableOps)
        for op in container.ops if isinstance(op, ops.DropColumnOp)
    }


def _rebuild_blockers(
    autogen_context: Any,
    upgrade_ops: Any,
    rows: Iterable[Any],
    default_schema: str | None,
) -> list[str]:
    """Users of the type that the migration may not cast: other relation kinds, or columns
    Alembic did not compare (another schema, or left out by include_name/include_object)."""
    compared = _compared_tables(autogen_context)
    dropped = _dropped_columns(upgrade_ops, default_schema)
    blockers = []
    for row in rows:
        schema = schema_key(row.table_schema, default_schema)
        where = f"{_qualified(schema, row.table_name)}.{row.column_name}"
        record = compared.get((schema, row.table_name))
        if row.kind not in _TABLE_KINDS:
            blockers.append(f"{_OTHER_KINDS.get(row.kind, row.kind)} {where}")
        elif (record is None or row.column_name not in record.database_columns) and (
            (schema, row.table_name, row.column_name) not in dropped
        ):
            blockers.append(f"excluded column {where}")
    return blockers


def _enum_column(row: Any, default_schema: str | None) -> EnumColumn:
    return EnumColumn(
        schema_key(row.table_schema, default_schema),
        row.table_name,
        row.column_name,
        bool(row.is_array),
        row.column_default,
    )


def _enum_dependent(row: Any, default_schema: str | None) -> EnumDependent:
    return EnumDependent(
        row.kind,
        schema_key(row.table_schema, default_schema),
        row.table_name,
        row.name,
        row.definition,
        row.printed_table,
    )


def compare_postgresql_enums(
    autogen_context: Any, upgrade_ops: Any, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Emit one :class:`SyncEnumValuesOp` per enum type whose values the models changed."""
    dialect = autogen_context.dialect
    default_schema = dialect.default_schema_name
    declared = _declared_enums(autogen_context, default_schema)
    if not declared:
        return PriorityDispatchResult.CONTINUE  # no native enum in the models: no query
    existing, users = enum_catalog(autogen_context)
    allow_rename = bool(autogen_context.opts.get(RENAME_OPTION, True))
    found = []
    for key in sorted(declared, key=lambda k: (k[0] or "", k[1])):
        old, new = existing.get(key), declared[key]
        if old is None or tuple(old) == new:
            continue  # a type the database lacks is created with its first table
        rows = users.get(key, [])
        op = SyncEnumValuesOp(
            key[0],
            key[1],
            old,
            new,
            [_enum_column(row, default_schema) for row in rows if row.kind in _TABLE_KINDS],
            allow_rename=allow_rename,
            temporary_name=free_temporary_name(
                key[1], {name for schema, name in existing if schema == key[0]}
            ),
        )
        rebuilds = op.recreates_type or op.reverse().recreates_type
        blockers = (
            _rebuild_blockers(autogen_context, upgrade_ops, rows, default_schema)
            if rebuilds else []
        )
        name = _qualified(key[0], key[1])
        if blockers:
            log.warning(
                "Enum %r changed values %r -> %r, but the migration could not convert %s; "
                "skipped",
                *(name, tuple(old), new, ", ".join(blockers)),
            )
            continue
        if rebuilds:
            op.dependents = tuple(
                _enum_dependent(row, default_schema)
                for row in enum_dependents(autogen_context).get(key, [])
            )
        found.append(op)
        log.info("Detected changed values of enum %r: %r -> %r", name, tuple(old), new)
    # Before every table op, so new and altered columns see the new values; on downgrade
    # the reversed list puts the restore after them.
    upgrade_ops.ops[0:0] = found
    return PriorityDispatchResult.CONTINUE


# -- MySQL / MariaDB: ENUM is part of the column type ---------------------------------------------


def _enum_values(type_: Any, dialect: Any) -> Sequence[str] | None:
    enum, is_array = native_enum(type_, dialect)
    return None if enum is None or is_array else tuple(enum.enums)


def compare_mysql_enum_order(
    autogen_context: Any,
    alter_column_op: Any,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> PriorityDispatchResult:
    """Compare ENUM value lists in order (Alembic compares them as sets)."""
    dialect = autogen_context.dialect
    conn_values = _enum_values(conn_col.type, dialect)
    metadata_values = _enum_values(metadata_col.type, dialect)
    if conn_values is None or metadata_values is None or conn_values == metadata_values:
        return PriorityDispatchResult.CONTINUE
    alter_column_op.existing_type = conn_col.type
    alter_column_op.modify_type = metadata_col.type
    log.info(
        "Detected enum values change from %r to %r on '%s.%s'",
        *(conn_values, metadata_values, tname, cname),
    )
    return PriorityDispatchResult.STOP


def setup(plugin: Plugin) -> None:
    """Register the comparators, and the renderer of the op they emit."""
    register_renderers()
    install(plugin)
    # Alembic's answers to the user's hooks, noted while it dispatches tables and columns.
    plugin.add_autogenerate_comparator(
        record_compared_table, "table", "enum_users", qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )
    plugin.add_autogenerate_comparator(
        record_compared_column, "column", "enum_users", qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )
    # LAST: after Alembic's "tables" comparator, whose create_table ops it adjusts.
    plugin.add_autogenerate_comparator(
        compare_postgresql_enums,
        "schema",
        "enums",
        qualifier="postgresql",
        priority=DispatchPriority.LAST,
    )
    for qualifier in ("mysql", "mariadb"):
        plugin.add_autogenerate_comparator(
            compare_mysql_enum_order,
            "column",
            "types",
            qualifier=qualifier,
            priority=DispatchPriority.MEDIUM,
        )
