"""PostgreSQL's enum types as the database has them: one catalog read per run.

An enum type is shared by columns of many tables, so several steps need the same two facts:
which enum types exist with which values (``pg_enum``), and which columns use each. Both
are read once per run, in two queries, and kept in the run state.

A third read, only in a run that rebuilds a type: the indexes and constraints whose SQL
holds a constant of the type (``WHERE status = 'new'``, ``CHECK (status <> 'x')``).
Casting a column to the rebuilt type fails on them (``operator does not exist: status_new
= status``), so the rebuild drops them first and creates them again from their definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .run_state import run_state

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

TypeKey = tuple[str | None, str]  # (schema, type name); schema None = the default schema

PG_ENUM_VALUES = sa.text(
    """
    SELECT n.nspname AS type_schema, t.typname AS type_name, e.enumlabel AS label
    FROM pg_catalog.pg_type t
    JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
    JOIN pg_catalog.pg_enum e ON e.enumtypid = t.oid
    ORDER BY n.nspname, t.typname, e.enumsortorder
    """
)

# Inherited columns (partitions, child tables) follow their parent's ALTER, so they are left out.
PG_ENUM_COLUMNS = sa.text(
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

# pg_depend records a "normal" dependency on the type (or its array type) for each constant
# of it in an index's expressions or predicate, or in a constraint. Indexes that belong to a
# constraint, or are attached to a partitioned parent's index, and inherited constraints go
# with their owner: only that owner is listed. The table prints schema-qualified in
# pg_get_indexdef; ``printed_table`` is that spelling, so a caller can cut it out.
PG_ENUM_DEPENDENTS = sa.text(
    """
    WITH dependent AS (
      SELECT DISTINCT d.classid, d.objid, tn.nspname AS type_schema, t.typname AS type_name
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_type t ON t.typtype = 'e' AND d.refobjid IN (t.oid, t.typarray)
      JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
      WHERE d.refclassid = 'pg_catalog.pg_type'::regclass AND d.deptype = 'n'
    )
    SELECT dep.type_schema, dep.type_name, 'index' AS kind,
           n.nspname AS table_schema, c.relname AS table_name, x.relname AS name,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS printed_table,
           pg_catalog.pg_get_indexdef(x.oid) AS definition
    FROM dependent dep
    JOIN pg_catalog.pg_index i
      ON dep.classid = 'pg_catalog.pg_class'::regclass AND i.indexrelid = dep.objid
    JOIN pg_catalog.pg_class x ON x.oid = i.indexrelid
    JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                      WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x'))
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
    UNION ALL
    SELECT dep.type_schema, dep.type_name, 'constraint',
           n.nspname, c.relname, k.conname,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname),
           pg_catalog.pg_get_constraintdef(k.oid)
    FROM dependent dep
    JOIN pg_catalog.pg_constraint k
      ON dep.classid = 'pg_catalog.pg_constraint'::regclass AND k.oid = dep.objid
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE k.coninhcount = 0
    ORDER BY 4, 5, 3, 6
    """
)

EnumCatalog = tuple[dict[TypeKey, list[str]], dict[TypeKey, list[Any]]]


def schema_key(schema: str | None, default_schema: str | None) -> str | None:
    """How the catalog's schema names are kept: None for the connection's default schema."""
    return None if schema == default_schema else schema


def type_key(enum: sa.Enum, default_schema: str | None) -> TypeKey:
    """How the catalog names an enum type: (schema, name), schema None when the default."""
    return (schema_key(enum.schema, default_schema), str(enum.name))


def enum_catalog(autogen_context: AutogenContext) -> EnumCatalog:
    """All enum types with their values, and every column using each (rows of
    ``PG_ENUM_COLUMNS``): two queries per run."""
    state = run_state(autogen_context, __name__)
    if "catalog" not in state:
        connection = autogen_context.connection
        assert connection is not None and autogen_context.dialect is not None
        default_schema = autogen_context.dialect.default_schema_name
        values: dict[TypeKey, list[str]] = {}
        for row in connection.execute(PG_ENUM_VALUES):
            key = (schema_key(row.type_schema, default_schema), row.type_name)
            values.setdefault(key, []).append(row.label)
        users: dict[TypeKey, list[Any]] = {}
        for row in connection.execute(PG_ENUM_COLUMNS):
            key = (schema_key(row.type_schema, default_schema), row.type_name)
            users.setdefault(key, []).append(row)
        state["catalog"] = (values, users)
    catalog: EnumCatalog = state["catalog"]
    return catalog


def enum_dependents(autogen_context: AutogenContext) -> dict[TypeKey, list[Any]]:
    """Type -> the indexes and constraints holding a constant of it (rows of
    ``PG_ENUM_DEPENDENTS``): one query per run, made only when a caller asks."""
    state = run_state(autogen_context, __name__)
    if "dependents" not in state:
        connection = autogen_context.connection
        assert connection is not None and autogen_context.dialect is not None
        default_schema = autogen_context.dialect.default_schema_name
        found: dict[TypeKey, list[Any]] = {}
        for row in connection.execute(PG_ENUM_DEPENDENTS):
            key = (schema_key(row.type_schema, default_schema), row.type_name)
            found.setdefault(key, []).append(row)
        state["dependents"] = found
    dependents: dict[TypeKey, list[Any]] = state["dependents"]
    return dependents
