"""Comparator plugin ``flask_migrate_plus.defaults``: server defaults compared by their text.

Alembic's own comparison flags spellings as changes on MariaDB and SQLite (``'0'`` vs
``false``, ``current_timestamp()`` vs ``now()``, ``'it''s'`` vs ``it's``) and, on PostgreSQL,
runs ``SELECT <reflected> = <model>`` on the server, which aborts the run for a quoted or JSON
literal and flaps for ``random()``. We normalise both texts (see ``sql.server_defaults``) and
compare them in Python. Computed and identity columns are left to Alembic.

MariaDB's reflection loses some expression defaults (``lcase('X')`` comes back as None); for
those the column's ``information_schema`` default is read, in one query per schema per run,
when the table's ``SHOW CREATE TABLE`` text gives a column a default reflection did not
return (``schema.mysql_catalog``).
It also loses the comment of a column whose default literal holds a quote (``DEFAULT 'it\\'s'
COMMENT '...'``): the comment is read from the same catalog row, so that Alembic's comment
comparison does not propose it again on every run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import schema as sa_schema
from sqlalchemy import text
from sqlalchemy import types as sqltypes

from ..ops import register_renderers
from ..rewrite import install
from ..schema import mysql_catalog
from ..schema.run_state import once_per_run, run_state
from ..sql.dialects import dialect_family
from ..sql.server_defaults import Normalized, normalize_default

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import AlterColumnOp
    from sqlalchemy import Column

log = logging.getLogger(f"alembic.autogenerate.compare.{__name__}")

_MYSQL_COLUMN_FACTS = text(
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, COLUMN_COMMENT "
    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) "
    "AND ((COLUMN_DEFAULT IS NOT NULL AND UPPER(COLUMN_DEFAULT) <> 'NULL') "
    "OR COLUMN_COMMENT <> '')"
)


def render_model_default(default: Any, autogen_context: AutogenContext) -> str | None:
    """The SQL text the model's ``server_default`` puts into DDL."""
    if default is None:
        return None
    arg = default.arg
    dialect = autogen_context.dialect
    if isinstance(arg, str):
        # quoted and escaped the way this dialect's DDL writes it (MySQL doubles backslashes);
        # a schema repeats a few literals ('', '0') over its tables: quoted once per run
        quoted = run_state(autogen_context, __name__).setdefault("quoted", {})
        if arg not in quoted:
            compiler = dialect.statement_compiler(dialect, None)
            quoted[arg] = str(compiler.render_literal_value(arg, sqltypes.String()))
        sql = quoted[arg]
    else:
        sql = _compiled_once(arg, autogen_context)
    if dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")  # the driver undoes this doubling when it runs the DDL
    return sql


def _compiled_once(arg: Any, autogen_context: AutogenContext) -> str:
    """An expression default's SQL, compiled once per run for every equal expression.

    Each model column holds its own ``func.now()`` or ``false()``; equal expressions have
    the same SQLAlchemy cache key (structure and bound values), so the text compiled for
    one serves every other column of the run. An expression without a usable key (or
    with unhashable values) is compiled on its own.
    """
    dialect = autogen_context.dialect

    def compile_it() -> str:
        return str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))

    cache_key = arg._generate_cache_key() if hasattr(arg, "_generate_cache_key") else None
    if cache_key is None:
        return compile_it()
    try:
        key = (cache_key.key, tuple(bind.effective_value for bind in cache_key.bindparams))
        compiled = run_state(autogen_context, __name__).setdefault("compiled", {})
        if key not in compiled:
            compiled[key] = compile_it()
        return str(compiled[key])
    except TypeError:  # an unhashable bound value
        return compile_it()


def _mysql_column_facts(
    autogen_context: AutogenContext, schema: str | None
) -> dict[tuple[str, str], tuple[str | None, str]]:
    """(table, column) -> (default, comment) as ``information_schema`` has them, for the
    columns with either: one query per schema per run, shared by defaults and comments."""
    connection = autogen_context.connection
    if connection is None:
        return {}

    def read() -> dict[tuple[str, str], tuple[str | None, str]]:
        rows = connection.execute(_MYSQL_COLUMN_FACTS, {"schema": schema})
        return {(row[0], row[1]): (_catalog_default(row[2]), row[3]) for row in rows}

    return once_per_run(autogen_context, __name__, ("column_facts", schema), read)


def _catalog_default(value: str | None) -> str | None:
    # MariaDB reports "no default" as NULL (SQL NULL) and "DEFAULT NULL" as the text 'NULL'.
    return None if value is None or value.upper() == "NULL" else value


class _MysqlLostComments:
    """Fills in the comments SQLAlchemy's MySQL reflection dropped, one query per schema."""

    def __init__(self, autogen_context: AutogenContext, previous: Any) -> None:
        self.autogen_context = autogen_context
        self.previous = previous

    def column_reflect(self, inspector: Any, table: Any, column_info: dict) -> None:
        self.previous(inspector, table, column_info)
        if column_info.get("comment") is not None or not mysql_catalog.may_have(
                self.autogen_context, table.schema, table.name, column_info["name"], "comment"):
            return
        facts = _mysql_column_facts(self.autogen_context, table.schema)
        comment = facts.get((table.name, column_info["name"]), (None, ""))[1] or None
        if comment is not None:
            column_info["comment"] = comment


def restore_mysql_comments(
    autogen_context: AutogenContext, upgrade_ops: Any, schemas: Any
) -> PriorityDispatchResult:
    """Before Alembic reflects any column of this run, hook the comment repair into it."""
    impl: Any = autogen_context.migration_context.impl
    if autogen_context.connection is not None:
        # An attribute on this run's impl instance only; Alembic looks the method up per table.
        impl.autogen_column_reflect = _MysqlLostComments(
            autogen_context, impl.autogen_column_reflect
        ).column_reflect
    return PriorityDispatchResult.CONTINUE

def _mysql_catalog_default(
    autogen_context: AutogenContext, schema: str | None, tname: str, cname: str
) -> str | None:
    """The ``information_schema`` default of one column, read once per schema per run."""
    if not mysql_catalog.may_have(autogen_context, schema, tname, cname, "default"):
        return None  # its line gives it none: nothing was lost
    return _mysql_column_facts(autogen_context, schema).get((tname, cname), (None, ""))[0]


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


def _normalized(
    autogen_context: AutogenContext, sql: str | None, type_: sqltypes.TypeEngine
) -> Normalized:
    """``normalize_default``, once per text and type family in a run: a schema repeats a
    handful of defaults (``now()``, ``'0'``, ``false``) over all its tables."""
    if sql is None:
        return None
    affinity = type_._type_affinity
    known = run_state(autogen_context, __name__).setdefault("normalized", {})
    key = (sql, affinity)
    if key not in known:
        known[key] = normalize_default(sql, autogen_context.dialect.name, type_)
    return known[key]


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

    model_text = render_model_default(model_default, autogen_context)
    conn_norm = _normalized(autogen_context, conn_text, metadata_col.type)
    model_norm = _normalized(autogen_context, model_text, metadata_col.type)
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
    register_renderers()
    install(plugin)
    for dialect in ("mysql", "mariadb"):
        plugin.add_autogenerate_comparator(
            restore_mysql_comments, "schema", qualifier=dialect, priority=DispatchPriority.FIRST
        )
    plugin.add_autogenerate_comparator(
        compare_server_default, "column", "server_default", priority=DispatchPriority.MEDIUM
    )
