"""Comparator plugin ``flask_migrate_plus.computed``: changed ``Computed`` (generated) columns.

Alembic only warns when a generated column's expression changes ("Computed default ... cannot
be modified"). No database lets a script change it in place everywhere (PostgreSQL 15, which
we test on, cannot alter the expression at all), but a generated column holds no data of its
own, so dropping it and adding it again with the new definition loses nothing and works on
every backend, SQLite included (inside batch mode, the table is recreated). The script is plain
``op.drop_column`` / ``op.add_column`` (with the column's indexes dropped before and created
again after); the downgrade restores the reflected definition.

The expression is compared through ``sql.expressions.normalize_sql`` (PostgreSQL adds casts and
parentheses, MariaDB backquotes and renames functions), and the STORED/VIRTUAL flag where the
database reports it, a model's unspecified flag meaning the dialect's default.

A generated column made plain, or a plain column made generated, is converted in place where
the server can do it keeping the values (``ops.generated``): PostgreSQL 13+ drops the
expression of a STORED column; MySQL/MariaDB ``MODIFY`` a STORED column either way. The
direction the server cannot do in place drops the column and adds it again. Where neither
direction runs in place (SQLite, VIRTUAL columns) both are plain drop + add, and a column made
plain starts empty (the script says so). Uses only the columns Alembic already reflected: no
query of its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.generated import ConvertGeneratedColumnOp
from ..ops.verbatim import VerbatimSQL
from ..rewrite import install
from ..sql.dialects import dialect_family
from ..sql.expressions import compile_sql, normalize_sql

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import AlterColumnOp, ModifyTableOps

log = logging.getLogger("alembic.autogenerate.compare")

#: What ``Computed(persisted=None)`` creates, per dialect family: (server version from which
#: the default changed or None, default before, default from then on).
_DEFAULT_PERSISTED: dict[str, tuple[tuple[int, ...] | None, bool, bool]] = {
    "postgresql": ((18,), True, False),  # STORED only before 18, VIRTUAL by default after
    "mysql": (None, False, False),
    "sqlite": (None, False, False),
}


class _InPlace(NamedTuple):
    """From which server version a dialect converts a STORED generated column in place,
    keeping its values (None: never): to a plain column, and from one."""

    to_plain: tuple[int, ...] | None
    to_generated: tuple[int, ...] | None


#: Conversions each dialect family does in place (see ``ops.generated``); VIRTUAL columns
#: have no stored values, and no server converts those.
_IN_PLACE: dict[str, _InPlace] = {
    "postgresql": _InPlace(to_plain=(13,), to_generated=None),  # ALTER COLUMN DROP EXPRESSION
    "mysql": _InPlace(to_plain=(), to_generated=()),  # MODIFY, both ways
}


#: Dialects where dropping a column drops (PostgreSQL) or shrinks (MariaDB) its indexes.
#: SQLite's batch recreate rebuilds them itself, since the column comes back by name.
_INDEXES_FOLLOW_COLUMN = {"postgresql", "mysql"}


class _Definition(NamedTuple):
    """A generated column's definition as one side states it, and its compared form."""

    text: str
    normalized: str
    persisted: bool | None


def _default_persisted(dialect: sa.Dialect) -> bool | None:
    rule = _DEFAULT_PERSISTED.get(dialect_family(dialect.name))
    if rule is None:
        return None
    since, before, after = rule
    version = dialect.server_version_info or ()
    return after if since is not None and tuple(version) >= since else before


def _definition(column: sa.Column[Any], dialect: sa.Dialect, *, model: bool) -> _Definition | None:
    """The definition of a generated column; None for a plain column."""
    computed = column.computed
    if computed is None:
        return None
    text = compile_sql(computed.sqltext, dialect) if model else str(computed.sqltext)
    persisted = computed.persisted
    if persisted is None and model:
        persisted = _default_persisted(dialect)
    return _Definition(text, normalize_sql(text, dialect.name), persisted)


def _converts_in_place(dialect: sa.Dialect, generated: _Definition, to_plain: bool) -> bool:
    """Whether the server turns this generated column plain (or makes a plain column into
    it) in place, keeping the values."""
    rule = _IN_PLACE.get(dialect_family(dialect.name))
    since = None if rule is None else (rule.to_plain if to_plain else rule.to_generated)
    version = tuple(dialect.server_version_info or ())
    return since is not None and version >= since and generated.persisted is True


def _differs(database: _Definition, model: _Definition) -> bool:
    """Expressions differ, or both persisted flags are known and differ."""
    if database.normalized != model.normalized:
        return True
    known = database.persisted is not None and model.persisted is not None
    return known and database.persisted != model.persisted


def _as_op_column(column: sa.Column[Any], definition: _Definition | None) -> sa.Column[Any]:
    """A detached copy of ``column`` for the ops, its generated text rendered as it is."""
    if definition is None or column.computed is None:
        return column
    computed = sa.Computed(VerbatimSQL(definition.text), persisted=column.computed.persisted)
    return sa.Column(column.name, column.type, computed, nullable=column.nullable,
                     comment=column.comment)


def _indexes_lost_with(table: sa.Table, column_name: str, dialect: sa.Dialect) -> list[sa.Index]:
    """The database's indexes on a column that dropping the column would drop or shrink.

    They are dropped first and made again, as reflected, once the column is back.
    """
    if dialect_family(dialect.name) not in _INDEXES_FOLLOW_COLUMN:
        return []
    return [index for index in sorted(table.indexes, key=lambda index: str(index.name))
            if column_name in {column.name for column in index.columns}]


def _compare_computed_columns(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """Drop and re-add each generated column whose definition changed; convert each column
    that becomes generated or stops being so."""
    from alembic.operations import ops

    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.dialect
    assert dialect is not None
    parents: dict[Any, str | None] = {"table_name": tname, "schema_name": schema}
    for model_column in metadata_table.columns:
        conn_column = conn_table.columns.get(model_column.name)
        if conn_column is None:
            continue
        model = _definition(model_column, dialect, model=True)
        database = _definition(conn_column, dialect, model=False)
        if model is None and database is None:
            continue
        if model is not None and database is not None and not _differs(database, model):
            continue
        name = model_column.name
        if not autogen_context.run_name_filters(name, "column", parents):
            continue
        if not autogen_context.run_object_filters(model_column, name, "column", False,
                                                  conn_column):
            continue
        indexes = _indexes_lost_with(conn_table, name, dialect)
        log.info("Detected changed generated column '%s.%s': %s -> %s", tname, name,
                 _described(database), _described(model))
        if model is None or database is None:  # made plain, or made generated
            generated = model or database
            assert generated is not None
            up = _converts_in_place(dialect, generated, to_plain=model is None)
            down = _converts_in_place(dialect, generated, to_plain=model is not None)
            if up or down:
                modify_table_ops.ops.append(ConvertGeneratedColumnOp(
                    tname, name, schema, _as_op_column(conn_column, database),
                    _as_op_column(model_column, model), in_place=up, reverse_in_place=down,
                    indexes=indexes,
                ))
                continue
        modify_table_ops.ops += [ops.DropIndexOp.from_index(index) for index in indexes]
        modify_table_ops.ops.append(ops.DropColumnOp.from_column_and_tablename(
            schema, tname, _as_op_column(conn_column, database)
        ))
        modify_table_ops.ops.append(ops.AddColumnOp.from_column_and_tablename(
            schema, tname, _as_op_column(model_column, model)
        ))
        modify_table_ops.ops += [ops.CreateIndexOp.from_index(index) for index in indexes]
    return PriorityDispatchResult.CONTINUE


def _described(definition: _Definition | None) -> str:
    if definition is None:
        return "plain"
    return f"{definition.text!r} (persisted={definition.persisted})"


def _skip_computed_default(
    autogen_context: AutogenContext,
    alter_column_op: AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> PriorityDispatchResult:
    """Generated in the model or in the database: the table comparator above decides; no
    server-default comparison (and no "cannot be modified" warning) for it."""
    if metadata_col.computed is not None or conn_col.computed is not None:
        return PriorityDispatchResult.STOP
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Table-level comparison of generated columns; their server default is ours alone."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        _compare_computed_columns, "table", "computed_columns",
        priority=DispatchPriority.MEDIUM,
    )
    plugin.add_autogenerate_comparator(
        _skip_computed_default, "column", "server_default", priority=DispatchPriority.FIRST,
    )
