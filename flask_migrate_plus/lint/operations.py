"""Alembic's op objects (what ``op.add_column(...)`` and friends build), read into changes.

The linter reads the op objects themselves rather than the SQL Alembic would write for
them: they say what the script asked for (a type change is ``modify_type``, whatever
``MODIFY`` clause MySQL needs for it), and need no database. Types are written as the
dialect spells them, so the type rules read one spelling (``column_types``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.engine import Dialect

from . import model
from .model import Change, Location
from .statements import read_statements


def type_text(type_: Any, dialect: Dialect) -> str | None:
    """``type_`` as ``dialect`` spells it in DDL (lower case); None when it has no type."""
    if type_ is None or isinstance(type_, sa.types.NullType):
        return None
    try:
        return str(type_.compile(dialect=dialect)).lower()
    except Exception:  # a type this dialect cannot write: its class name still says a lot
        return type(type_).__name__.lower()


def default_text(default: Any, dialect: Dialect) -> str | None:
    """A server default as SQL text (``'x'``, ``now()``, ``gen_random_uuid()``)."""
    if default is None:
        return None
    arg = getattr(default, "arg", default)
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    try:
        return str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(arg)


def _column_facts(column: sa.Column[Any], dialect: Dialect, serial: bool) -> dict[str, Any]:
    computed = column.computed
    generated = None
    if computed is not None:
        generated = "virtual" if computed.persisted is False else "stored"
    column_type = type_text(column.type, dialect)
    if serial and dialect.name == "postgresql" and column_type in ("integer", "bigint",
                                                                    "smallint"):
        column_type = {"integer": "serial", "bigint": "bigserial",
                       "smallint": "smallserial"}[column_type]
    return {
        "column": column.name,
        "column_type": column_type,
        "nullable": column.nullable,
        "default": default_text(column.server_default, dialect),
        "generated": generated,
        "identity": column.identity is not None or (
            serial and dialect.name in ("mysql", "mariadb")),
    }


def read_op(operation: Any, location: Location, dialect: Dialect, family: str) -> list[Change]:
    """The changes one Alembic op makes; an op the linter does not know makes none."""
    if isinstance(operation, ops.ExecuteSQLOp):
        return read_sql(operation.sqltext, location, dialect, family, "op.execute")
    if isinstance(operation, ops.BulkInsertOp):
        return [Change(model.INSERT, location, table=operation.table.name,
                       source="op.bulk_insert")]
    reader = _READERS.get(type(operation))
    if reader is None:
        for cls, candidate in _READERS.items():
            if isinstance(operation, cls):
                reader = candidate
                break
    return reader(operation, location, dialect) if reader is not None else []


def read_sql(sqltext: Any, location: Location, dialect: Dialect, family: str,
             source: str) -> list[Change]:
    """The changes of SQL run by ``op.execute`` or the bind: a string, ``text()``, or a
    SQLAlchemy statement (written out by the dialect)."""
    if isinstance(sqltext, str):
        sql = sqltext.replace("\\:", ":")  # text()'s escape of a colon
    elif isinstance(sqltext, sa.TextClause):
        sql = sqltext.text.replace("\\:", ":")
    else:
        try:
            sql = str(sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        except Exception:
            try:
                sql = str(sqltext.compile(dialect=dialect))
            except Exception:
                return [Change(model.RAW_SQL, location, statement=repr(sqltext), source=source)]
    changes = read_statements(sql, family, location)
    return [_with_source(change, source) for change in changes]


def _with_source(change: Change, source: str) -> Change:
    return replace(change, source=source)


def _create_table(op: ops.CreateTableOp, location: Location, dialect: Dialect) -> list[Change]:
    table = op.to_table()
    auto = table.autoincrement_column
    changes = [Change(model.CREATE_TABLE, location, table=op.table_name,
                      source="op.create_table")]
    for column in table.columns:
        facts = _column_facts(column, dialect, serial=column is auto and column.identity is None)
        changes.append(Change(model.TABLE_COLUMN, location, table=op.table_name,
                              source="op.create_table", **facts))
    return changes


def _add_column(op: ops.AddColumnOp, location: Location, dialect: Dialect) -> list[Change]:
    column = op.column
    serial = bool(column.primary_key and column.autoincrement is True and column.identity is None)
    changes = [Change(model.ADD_COLUMN, location, table=op.table_name, source="op.add_column",
                      **_column_facts(column, dialect, serial))]
    for key in column.foreign_keys:
        changes.append(Change(model.ADD_CONSTRAINT, location, table=op.table_name,
                              column=column.name, constraint=model.FOREIGN_KEY,
                              referred_table=key.target_fullname.split(".")[-2]
                              if "." in key.target_fullname else None,
                              source="op.add_column"))
    return changes


def _alter_column(op: ops.AlterColumnOp, location: Location, dialect: Dialect) -> list[Change]:
    changes: list[Change] = []
    base: dict[str, Any] = {"table": op.table_name, "column": op.column_name,
                            "source": "op.alter_column"}
    if op.modify_name is not None:
        changes.append(Change(model.RENAME_COLUMN, location, name=op.modify_name, **base))
    if op.modify_type is not None:
        changes.append(Change(model.ALTER_TYPE, location,
                              column_type=type_text(op.modify_type, dialect),
                              old_type=type_text(op.existing_type, dialect), **base))
    if op.modify_nullable is False:
        changes.append(Change(model.SET_NOT_NULL, location, **base))
    elif op.modify_nullable is True or op.modify_server_default is not False or (
            op.modify_comment is not False):
        changes.append(Change(model.ALTER_TABLE, location, **base))
    return changes


def _dialect_flag(kw: dict[str, Any], flag: str) -> bool:
    return bool(kw.get(f"postgresql_{flag}") or kw.get(flag))


def _create_index(op: ops.CreateIndexOp, location: Location, dialect: Dialect) -> list[Change]:
    return [Change(model.CREATE_INDEX, location, table=op.table_name, name=op.index_name,
                   unique=bool(op.unique), concurrently=_dialect_flag(op.kw, "concurrently"),
                   source="op.create_index")]


def _drop_index(op: ops.DropIndexOp, location: Location, dialect: Dialect) -> list[Change]:
    return [Change(model.DROP_INDEX, location, table=op.table_name, name=op.index_name,
                   concurrently=_dialect_flag(op.kw, "concurrently"), source="op.drop_index")]


def _condition_text(condition: Any, dialect: Dialect) -> str:
    if isinstance(condition, str):
        return condition
    try:
        return str(condition.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:
        return str(condition)


def _add_constraint(op: ops.AddConstraintOp, location: Location,
                    dialect: Dialect) -> list[Change]:
    kw = getattr(op, "kw", {}) or {}
    common: dict[str, Any] = {"location": location,
                              "name": getattr(op, "constraint_name", None),
              "not_valid": _dialect_flag(kw, "not_valid")}
    if isinstance(op, ops.CreateForeignKeyOp):
        return [Change(model.ADD_CONSTRAINT, table=op.source_table,
                       constraint=model.FOREIGN_KEY, referred_table=op.referent_table,
                       source="op.create_foreign_key", **common)]
    if isinstance(op, ops.CreateCheckConstraintOp):
        return [Change(model.ADD_CONSTRAINT, table=op.table_name, constraint=model.CHECK,
                       expression=_condition_text(op.condition, dialect),
                       source="op.create_check_constraint", **common)]
    if isinstance(op, ops.CreateUniqueConstraintOp):
        return [Change(model.ADD_CONSTRAINT, table=op.table_name, constraint=model.UNIQUE,
                       source="op.create_unique_constraint", **common)]
    if isinstance(op, ops.CreatePrimaryKeyOp):
        return [Change(model.ADD_CONSTRAINT, table=op.table_name,
                       constraint=model.PRIMARY_KEY, source="op.create_primary_key",
                       **common)]
    return []


def _simple(action: str, source: str, column_attribute: str | None = None) -> Any:
    def read(op: Any, location: Location, dialect: Dialect) -> list[Change]:
        column = getattr(op, column_attribute) if column_attribute else None
        name = getattr(op, "new_table_name", None)
        return [Change(action, location, table=op.table_name, column=column, name=name,
                       source=source)]

    return read


_READERS: dict[type, Any] = {
    ops.CreateTableOp: _create_table,
    ops.DropTableOp: _simple(model.DROP_TABLE, "op.drop_table"),
    ops.RenameTableOp: _simple(model.RENAME_TABLE, "op.rename_table"),
    ops.AddColumnOp: _add_column,
    ops.DropColumnOp: _simple(model.DROP_COLUMN, "op.drop_column", "column_name"),
    ops.AlterColumnOp: _alter_column,
    ops.CreateIndexOp: _create_index,
    ops.DropIndexOp: _drop_index,
    ops.AddConstraintOp: _add_constraint,
    ops.DropConstraintOp: _simple(model.ALTER_TABLE, "op.drop_constraint"),
    ops.CreateTableCommentOp: _simple(model.ALTER_TABLE, "op.create_table_comment"),
    ops.DropTableCommentOp: _simple(model.ALTER_TABLE, "op.drop_table_comment"),
}
