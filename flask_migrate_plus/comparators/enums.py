"""Comparator plugin ``flask_migrate_plus.enums``: changed values of native enum types.

Alembic compares a PostgreSQL enum column by its type name only, so values added, removed,
renamed or reordered go unseen; on MySQL/MariaDB it compares value *sets*, so a reorder goes
unseen (ENUM order is the sort order there, so it matters).

- PostgreSQL: an enum type is shared by columns of many tables, so this works per type, at
  the "schema" level: the values the models declare for each type (``sa.Enum(..., name=)``,
  ``Enum(PyEnum)``, in arrays and TypeDecorators too) against what ``pg_enum`` holds, read for
  all types in one query, plus one query for every column that uses an enum type. Each changed
  type gives one :class:`SyncEnumValuesOp`, placed before all table operations so that new
  and altered columns already see the new values (and, reversed, after them on downgrade).
- MySQL/MariaDB: the ENUM is part of the column type, so this works per column in
  "column"/"types", comparing the value *lists*; a difference becomes Alembic's own
  ``modify_type`` and stops Alembic's order-blind comparison for that column.

Option (``context.configure`` keyword): ``migrate_plus_enum_rename_values`` (default True):
a single value changed in place is migrated with ``RENAME VALUE``; False always rebuilds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic.operations.ops import AlterColumnOp, CreateTableOp, DropTableOp, ModifyTableOps
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.dialects import postgresql

from .enum_values import EnumColumn, SyncEnumValuesOp, free_temporary_name
from .run_state import run_state

log = logging.getLogger("alembic.autogenerate.compare")

RENAME_OPTION = "migrate_plus_enum_rename_values"

#: pg_class kinds whose columns the migration casts; any other user of the type blocks a rebuild.
_TABLE_KINDS = {"r": "table", "p": "partitioned table"}
_OTHER_KINDS = {"v": "view", "m": "materialized view", "c": "composite type", "f": "foreign table"}

_PG_ENUM_VALUES = sa.text(
    """
    SELECT n.nspname AS type_schema, t.typname AS type_name, e.enumlabel AS label
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
    ORDER BY n.nspname, t.typname, e.enumsortorder
    """
)

# Inherited columns (partitions, child tables) follow their parent's ALTER, so they are left out.
_PG_ENUM_COLUMNS = sa.text(
    """
    SELECT tn.nspname AS type_schema, t.typname AS type_name,
           cn.nspname AS table_schema, c.relname AS table_name, c.relkind AS kind,
           a.attname AS column_name, a.atttypid = t.typarray AS is_array,
           pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS column_default
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_type t ON t.typtype = 'e' AND a.atttypid IN (t.oid, t.typarray)
    JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attinhcount = 0
      AND c.relkind IN ('r', 'p', 'v', 'm', 'c', 'f')
    ORDER BY cn.nspname, c.relname, a.attnum
    """
)

#: The types a native enum can hide behind (besides a ``with_variant`` mapping).
ENUM_CARRIERS = (sa.Enum, sa.ARRAY, sa.types.TypeDecorator)

TypeKey = tuple[str | None, str]  # (schema, type name); schema None = the default schema


def native_enum(type_: Any, dialect: Any) -> tuple[sa.Enum | None, bool]:
    """The native enum behind a column type, and whether the column is an array of it.

    Looks through TypeDecorators, ``with_variant`` and ``ARRAY`` the way the dialect would.
    """
    if not type_._variant_mapping and not isinstance(type_, ENUM_CARRIERS):
        # dialect_impl() only specialises a type within its own class: nothing else can
        # become an enum, and asking would adapt a copy of every reflected type.
        return None, False
    is_array = False
    for _ in range(8):  # wrappers nest only a few levels; a bound keeps odd types from looping
        if isinstance(type_, sa.types.TypeDecorator):
            type_ = type_.load_dialect_impl(dialect)
            continue
        impl = type_.dialect_impl(dialect)
        if isinstance(impl, sa.ARRAY) and not is_array:
            type_, is_array = impl.item_type, True
            continue
        if isinstance(impl, sa.Enum) and impl.native_enum:
            return impl, is_array
        break
    return None, False


# -- PostgreSQL: one op per enum type -----------------------------------------------------------


def _schema_key(schema: str | None, default_schema: str | None) -> str | None:
    return None if schema == default_schema else schema


def _table_included(autogen_context: Any, schema: str | None, table: sa.Table | str) -> bool:
    name = table if isinstance(table, str) else table.name
    if not autogen_context.run_name_filters(name, "table", {"schema_name": schema}):
        return False
    if isinstance(table, str):  # in the database only: offer the filter a stand-in
        table = sa.Table(name, sa.MetaData(), schema=schema)
        return bool(autogen_context.run_object_filters(table, name, "table", True, None))
    return bool(autogen_context.run_object_filters(table, name, "table", False, None))


def _column_included(autogen_context: Any, schema: str | None, column: sa.Column[Any]) -> bool:
    parents = {"table_name": column.table.name, "schema_name": schema}
    return bool(
        autogen_context.run_name_filters(column.name, "column", parents)
        and autogen_context.run_object_filters(column, column.name, "column", False, None)
    )


def _declared_enums(
    autogen_context: Any, schemas: set[str | None], default_schema: str | None
) -> dict[TypeKey, tuple[str, ...]]:
    """The value list the models give each enum type, from the tables and columns compared."""
    declared: dict[TypeKey, tuple[str, ...]] = {}
    conflicting: set[TypeKey] = set()
    for table in autogen_context.sorted_tables:
        schema = _schema_key(table.schema, default_schema)
        if schema not in schemas or not _table_included(autogen_context, schema, table):
            continue
        for column in table.columns:
            enum, _ = native_enum(column.type, autogen_context.dialect)
            if enum is None or not enum.name or not enum.enums:
                continue  # ENUM(name=..., create_type=False) with no values: a reference
            if not _column_included(autogen_context, schema, column):
                continue
            key = (_schema_key(enum.schema, default_schema), enum.name)
            values = tuple(enum.enums)
            if declared.setdefault(key, values) != values and key not in conflicting:
                conflicting.add(key)
                log.warning("Enum %r has different values in different columns; skipped", key[1])
    return {key: values for key, values in declared.items() if key not in conflicting}


def enum_catalog(
    autogen_context: Any,
) -> tuple[dict[TypeKey, list[str]], dict[TypeKey, list[Any]]]:
    """All enum types with their values, and every column using each: two queries per run,
    kept for the other plugins (scripts) that need them too."""
    state = run_state(autogen_context, __name__)
    if "catalog" not in state:
        connection = autogen_context.connection
        default_schema = autogen_context.dialect.default_schema_name
        values: dict[TypeKey, list[str]] = {}
        for row in connection.execute(_PG_ENUM_VALUES):
            key = (_schema_key(row.type_schema, default_schema), row.type_name)
            values.setdefault(key, []).append(row.label)
        users: dict[TypeKey, list[Any]] = {}
        for row in connection.execute(_PG_ENUM_COLUMNS):
            key = (_schema_key(row.type_schema, default_schema), row.type_name)
            users.setdefault(key, []).append(row)
        state["catalog"] = (values, users)
    catalog: tuple[dict[TypeKey, list[str]], dict[TypeKey, list[Any]]] = state["catalog"]
    return catalog


def type_key(enum: sa.Enum, default_schema: str | None) -> TypeKey:
    """How the catalog names an enum type: (schema, name), schema None when the default."""
    return (_schema_key(enum.schema, default_schema), str(enum.name))


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _database_column_included(
    autogen_context: Any, schema: str | None, row: Any, metadata_tables: dict[Any, sa.Table]
) -> bool:
    table = metadata_tables.get((schema, row.table_name))
    if not _table_included(autogen_context, schema, row.table_name if table is None else table):
        return False
    column = None if table is None else table.columns.get(row.column_name)
    if column is not None:
        return _column_included(autogen_context, schema, column)
    parents = {"table_name": row.table_name, "schema_name": schema}
    return bool(autogen_context.run_name_filters(row.column_name, "column", parents))


def _rebuild_blockers(
    autogen_context: Any,
    rows: Iterable[Any],
    schemas: set[str | None],
    default_schema: str | None,
) -> list[str]:
    """Users of the type that the migration may not cast: other relation kinds, or columns
    outside this run (another schema, or left out by include_name/include_object)."""
    metadata_tables = {
        (_schema_key(table.schema, default_schema), table.name): table
        for table in autogen_context.sorted_tables
    }
    blockers = []
    for row in rows:
        schema = _schema_key(row.table_schema, default_schema)
        where = f"{_qualified(schema, row.table_name)}.{row.column_name}"
        if row.kind not in _TABLE_KINDS:
            blockers.append(f"{_OTHER_KINDS.get(row.kind, row.kind)} {where}")
        elif schema not in schemas or not _database_column_included(
            autogen_context, schema, row, metadata_tables
        ):
            blockers.append(f"excluded column {where}")
    return blockers


def _enum_column(row: Any, default_schema: str | None) -> EnumColumn:
    return EnumColumn(
        _schema_key(row.table_schema, default_schema),
        row.table_name,
        row.column_name,
        bool(row.is_array),
        row.column_default,
    )


def _take_default_changes(upgrade_ops: Any, columns: list[EnumColumn]) -> list[EnumColumn]:
    """Move server-default changes of these columns from ``alter_column`` into the enum op
    (see :class:`EnumColumn`); an ``alter_column`` left with nothing to do is dropped."""
    wanted = {(column.schema, column.table, column.column): column for column in columns}
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ModifyTableOps):
            continue
        for alter in list(table_ops.ops):
            key = (table_ops.schema, table_ops.table_name, getattr(alter, "column_name", None))
            if (
                key not in wanted
                or not isinstance(alter, AlterColumnOp)
                or alter.modify_type is not None  # the column leaves the enum: not ours
                or alter.modify_server_default is False
            ):
                continue
            wanted[key] = wanted[key]._replace(
                new_default=alter.modify_server_default, default_changes=True
            )
            alter.modify_server_default = False
            if not alter.has_changes():
                table_ops.ops.remove(alter)
    upgrade_ops.ops[:] = [
        op for op in upgrade_ops.ops if not isinstance(op, ModifyTableOps) or op.ops
    ]
    return list(wanted.values())


def column_reusing_type(
    column: Any, dialect: Any, default_schema: str | None, existing: Any
) -> Any:
    """A copy of ``column`` whose enum type will not be created again, if its type exists."""
    if not isinstance(column, sa.Column):
        return column
    enum, is_array = native_enum(column.type, dialect)
    if enum is None or (_schema_key(enum.schema, default_schema), enum.name) not in existing:
        return column
    type_: Any = postgresql.ENUM(
        *enum.enums, name=enum.name, schema=enum.schema, create_type=False
    )
    if is_array:
        type_ = postgresql.ARRAY(type_, dimensions=getattr(column.type, "dimensions", None))
    copy = column._copy()
    copy.type = type_
    return copy


def _reuse_existing_types(
    upgrade_ops: Any, dialect: Any, default_schema: str | None, existing: Any
) -> None:
    """Keep Alembic's ``create_table`` (and the one a ``drop_table`` reverses into) from
    issuing ``CREATE TYPE`` for an enum type the database already has: it does so without
    checking, which fails."""
    for op in upgrade_ops.ops:
        create = op if isinstance(op, CreateTableOp) else getattr(op, "_reverse", None)
        if isinstance(op, (CreateTableOp, DropTableOp)) and create is not None:
            create.columns = [
                column_reusing_type(item, dialect, default_schema, existing)
                for item in create.columns
            ]


def _has_enum_column(upgrade_ops: Any, dialect: Any) -> bool:
    """Whether a create_table (or the one a drop_table reverses into) has an enum column."""
    for op in upgrade_ops.ops:
        create = op if isinstance(op, CreateTableOp) else getattr(op, "_reverse", None)
        if isinstance(op, (CreateTableOp, DropTableOp)) and create is not None:
            columns = [item for item in create.columns if isinstance(item, sa.Column)]
            if any(native_enum(column.type, dialect)[0] is not None for column in columns):
                return True
    return False


def compare_postgresql_enums(
    autogen_context: Any, upgrade_ops: Any, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Emit one :class:`SyncEnumValuesOp` per enum type whose values the models changed."""
    dialect = autogen_context.dialect
    default_schema = dialect.default_schema_name
    declared = _declared_enums(autogen_context, schemas, default_schema)
    if not declared and not _has_enum_column(upgrade_ops, dialect):
        return PriorityDispatchResult.CONTINUE  # no native enum involved: no query at all
    existing, users = enum_catalog(autogen_context)
    _reuse_existing_types(upgrade_ops, dialect, default_schema, existing)
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
        blockers = (
            _rebuild_blockers(autogen_context, rows, schemas, default_schema)
            if op.recreates_type or op.reverse().recreates_type
            else []
        )
        name = _qualified(key[0], key[1])
        if blockers:
            log.warning(
                "Enum %r changed values %r -> %r, but the migration could not convert %s; "
                "skipped",
                *(name, tuple(old), new, ", ".join(blockers)),
            )
            continue
        op.columns = tuple(_take_default_changes(upgrade_ops, list(op.columns)))
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
    from alembic.autogenerate.render import renderers

    from ..renderers.enums import render_sync_enum_values

    renderers.dispatch_for(SyncEnumValuesOp, replace=True)(render_sync_enum_values)
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
