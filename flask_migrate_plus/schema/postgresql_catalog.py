"""PostgreSQL's column catalog, read by the dialect's own query with a cheaper identity lookup.

SQLAlchemy's PostgreSQL dialect reads the columns of every table in one query, and for each
identity column finds its sequence with ``pg_get_serial_sequence(attrelid::regclass::text,
attname)::regclass``: the table's name is printed, parsed again and looked up by name, once per
identity column. On a schema whose keys are identity columns that lookup is three quarters of
the query's time (7.5 ms of 10 for 50 tables).

The sequence of an identity column is the one object of ``pg_class`` that depends on the
column internally (``pg_depend``, ``deptype = 'i'``): the same sequence, found by two index
lookups. :func:`read_catalog` runs the dialect's own query (same filters, same order, same
output) with that one lookup replaced, and makes the records with the dialect's own code, so
they are the records ``Inspector.get_multi_columns`` returns.
``tests/test_reflection_equivalence.py`` holds them to the dialect's on every schema of the
tests. When the dialect's query no longer has the shape this module knows, it reads nothing
and the dialect reflects the columns itself.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine.reflection import ObjectKind, ObjectScope
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import Cast
from sqlalchemy.sql.functions import FunctionElement

#: Reflection kind -> its records per ``(schema, table)``, as in ``schema.sqlite_catalog``.
Catalog = dict[str, dict[tuple[str | None, str], Any]]


def supported(dialect: sa.Dialect) -> bool:
    """Whether this dialect reads columns the way this module reproduces."""
    return (
        dialect.name == "postgresql"
        and (getattr(dialect, "server_version_info", None) or (0,)) >= (10,)
        and all(hasattr(dialect, name) for name in ("_columns_query", "_get_columns_info"))
        and _named_type_loader() is not None
    )


def read_catalog(
    connection: sa.Connection, schema: str | None, table_names: Collection[str],
    info_cache: dict[Any, Any],
) -> Catalog:
    """The column records of ``table_names`` (``{"columns": {(schema, table): [...]}}``), or
    nothing when the dialect's query cannot be rewritten."""
    dialect: Any = connection.dialect
    loader = _named_type_loader()
    if not table_names or loader is None:
        return {}
    query = _with_identity_by_dependency(
        dialect._columns_query(schema, True, ObjectScope.DEFAULT, ObjectKind.TABLE))
    if query is None:
        return {}
    rows = connection.execute(query, {"filter_names": list(table_names)}).mappings()
    named_types = loader(dialect, connection, {"info_cache": info_cache})
    records = dialect._get_columns_info(rows, named_types, schema)
    return {"columns": dict(records)}


def _named_type_loader() -> Any:
    """The dialect's loader of enums and domains, which its column records are made with."""
    from sqlalchemy.dialects.postgresql import base

    return getattr(base, "_NamedTypeLoader", None)


def _is_serial_sequence_lookup(element: Any) -> bool:
    """``CAST(CAST(pg_get_serial_sequence(...) AS REGCLASS) AS OID)``."""
    return (
        isinstance(element, Cast)
        and isinstance(element.clause, Cast)
        and isinstance(element.clause.clause, FunctionElement)
        and getattr(element.clause.clause, "name", None) == "pg_get_serial_sequence"
    )


@lru_cache(maxsize=16)
def _with_identity_by_dependency(query: sa.Select[Any]) -> sa.Select[Any] | None:
    """``query`` (the dialect's, cached by it) with its sequence lookup by name replaced by
    the column's internal dependency; None when the query has no such lookup."""
    from sqlalchemy.dialects.postgresql import pg_catalog

    attribute = pg_catalog.pg_attribute
    depend = sa.table(
        "pg_depend", sa.column("classid"), sa.column("objid"), sa.column("refclassid"),
        sa.column("refobjid"), sa.column("refobjsubid"), sa.column("deptype"),
        schema="pg_catalog",
    )
    pg_class: sa.ColumnElement[Any] = sa.literal_column("'pg_catalog.pg_class'::regclass")
    sequence = (
        sa.select(depend.c.objid)
        .where(
            depend.c.classid == pg_class,
            depend.c.refclassid == pg_class,
            depend.c.refobjid == attribute.c.attrelid,
            depend.c.refobjsubid == attribute.c.attnum,
            depend.c.deptype == sa.literal_column("'i'"),
        )
        .correlate(attribute)
        .scalar_subquery()
    )
    replaced = False

    def replace(element: Any, **_: Any) -> Any:
        nonlocal replaced
        if _is_serial_sequence_lookup(element):
            replaced = True
            return sequence
        return None

    rewritten = visitors.replacement_traverse(query, {}, replace)
    return cast("sa.Select[Any]", rewritten) if replaced else None
