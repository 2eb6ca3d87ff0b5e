"""Comparator plugin ``flask_migrate_plus.defaults``: server defaults compared by their text.

Alembic's own comparison flags spellings as changes on MariaDB and SQLite (``'0'`` vs
``false``, ``current_timestamp()`` vs ``now()``, ``'it''s'`` vs ``it's``) and, on PostgreSQL,
runs ``SELECT <reflected> = <model>`` on the server, which aborts the run for a quoted or JSON
literal and flaps for ``random()``. We normalise both texts (see ``default_text``) and compare
them in Python. Computed and identity columns are left to Alembic.

MariaDB's reflection loses some expression defaults (``lcase('X')`` comes back as None); for
those the column's ``information_schema`` default is read, in one query per schema per run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import schema as sa_schema
from sqlalchemy import text
from sqlalchemy import types as sqltypes

from .default_text import Normalized, dialect_family, normalize_default

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import AlterColumnOp
    from sqlalchemy import Column

log = logging.getLogger(f"alembic.autogenerate.compare.{__name__}")

_CACHE_ATTRIBUTE = "_flask_migrate_plus_defaults_catalog"

# MariaDB reports "no default" as NULL (SQL NULL) and "DEFAULT NULL" as the text 'NULL'.
_MYSQL_COLUMN_DEFAULTS = text(
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS "
    "WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) AND COLUMN_DEFAULT IS NOT NULL"
)


def render_model_default(default: Any, autogen_context: AutogenContext) -> str | None:
    """The SQL text the model's ``server_default`` puts into DDL."""
    if default is None:
        return None
    arg = default.arg
    dialect = autogen_context.dialect
    if isinstance(arg, str):
        # quoted and escaped the way this dialect's DDL writes it (MySQL doubles backslashes)
        compiler = dialect.statement_compiler(dialect, None)
        sql = str(compiler.render_literal_value(arg, sqltypes.String()))
    else:
        sql = str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")  # the driver undoes this doubling when it runs the DDL
    return sql


def _mysql_catalog_default(
    autogen_context: AutogenContext, schema: str | None, tname: str, cname: str
) -> str | None:
    """The ``information_schema`` default of one column, read once per schema per run."""
    context = autogen_context.migration_context
    cache: dict[str | None, dict[tuple[str, str], str]] = context.__dict__.setdefault(
        _CACHE_ATTRIBUTE, {}
    )
    if schema not in cache:
        connection = autogen_context.connection
        if connection is None:
            return None
        rows = connection.execute(_MYSQL_COLUMN_DEFAULTS, {"schema": schema})
        cache[schema] = {(row[0], row[1]): row[2] for row in rows}
    value = cache[schema].get((tname, cname))
    return None if value is None or value.upper() == "NULL" else value


def _reflected_default(
    autogen_context: AutogenContext, schema: str | None, tname: str, cname: str, conn_col: Column
) -> tuple[str | None, Any]:
    """The database's default text, and the server_default to record as existing."""
    default = conn_col.server_default
    if isinstance(default, sa_schema.DefaultClause):
        return str(getattr(default.arg, "text", default.arg)), default
    if dialect_family(autogen_context.dialect.name) == "mysql":
        lost = _mysql_catalog_default(autogen_context, schema, tname, cname)
        if lost is not None:
            return lost, sa_schema.DefaultClause(text(lost))
    return None, None


def _is_owned_sequence(conn_text: str | None, metadata_col: Column) -> bool:
    # A SERIAL-style column shows nextval(...) as its default; the model says nothing.
    return (
        conn_text is not None
        and conn_text.lower().startswith("nextval(")
        and metadata_col.server_default is None
        and metadata_col.table._autoincrement_column is metadata_col
    )


def _carry_autoincrement(alter_column_op: AlterColumnOp, metadata_col: Column) -> None:
    # Alembic's autoincrement step runs later in this subgroup and is skipped by our STOP;
    # MySQL needs the flag to keep AUTO_INCREMENT through a MODIFY.
    if metadata_col.table._autoincrement_column is metadata_col:
        alter_column_op.kw["autoincrement"] = True
    elif metadata_col.autoincrement in (True, False):
        alter_column_op.kw["autoincrement"] = metadata_col.autoincrement


def compare_server_default(
    autogen_context: AutogenContext,
    alter_column_op: AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Column,
    metadata_col: Column,
) -> PriorityDispatchResult:
    """Decide plain server defaults by normalised text; leave the rest to Alembic.

    Alembic's FIRST step has already applied the user's ``compare_server_default``: False or
    a verdict of their callable stops the subgroup before us; None falls through to here.
    """
    model_default = metadata_col.server_default
    if not isinstance(model_default, (sa_schema.DefaultClause, type(None))):
        return PriorityDispatchResult.CONTINUE  # Computed, Identity, FetchedValue
    if not isinstance(conn_col.server_default, (sa_schema.DefaultClause, type(None))):
        return PriorityDispatchResult.CONTINUE

    conn_text, existing = _reflected_default(autogen_context, schema, tname, cname, conn_col)
    if conn_text is None and model_default is None:
        return PriorityDispatchResult.CONTINUE
    alter_column_op.existing_server_default = existing
    _carry_autoincrement(alter_column_op, metadata_col)
    if _is_owned_sequence(conn_text, metadata_col):
        return PriorityDispatchResult.STOP

    dialect_name = autogen_context.dialect.name
    model_text = render_model_default(model_default, autogen_context)
    conn_norm: Normalized = normalize_default(conn_text, dialect_name, metadata_col.type)
    model_norm: Normalized = normalize_default(model_text, dialect_name, metadata_col.type)
    if conn_norm != model_norm:
        alter_column_op.modify_server_default = model_default
        log.info(
            "Detected server default change on '%s.%s': %r -> %r", tname, cname, conn_text,
            model_text,
        )
    return PriorityDispatchResult.STOP


def setup(plugin: Plugin) -> None:
    """Run after the user's own rule (FIRST) and before Alembic's dialect comparison (LAST),
    which our STOP replaces for plain defaults."""
    plugin.add_autogenerate_comparator(
        compare_server_default, "column", "server_default", priority=DispatchPriority.MEDIUM
    )
