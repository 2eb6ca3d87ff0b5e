"""Walking a script's op tree: table keys, nested ops, the columns an op brings or takes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

TableKey = tuple[str | None, str]  # (schema, name); schema None = the default schema


def table_key(op: Any) -> TableKey:
    return (op.schema, op.table_name)


def qualified(key: TableKey) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


def walk(container: Any) -> Iterator[Any]:
    """Every leaf op under ``container``, depth first."""
    for op in container.ops:
        if isinstance(op, ops.OpContainer):
            yield from walk(op)
        else:
            yield op


def columns_of(items: Iterable[Any]) -> list[sa.Column[Any]]:
    return [item for item in items if isinstance(item, sa.Column)]


def foreign_keys_of(items: Iterable[Any]) -> list[sa.ForeignKeyConstraint]:
    return [item for item in items if isinstance(item, sa.ForeignKeyConstraint)]


def referred_key(fkc: sa.ForeignKeyConstraint) -> TableKey:
    """The table a foreign key points at, without resolving it (it may not exist yet)."""
    *table_parts, _column = fkc.elements[0].target_fullname.split(".")
    return (".".join(table_parts[:-1]) or None, table_parts[-1])


def dropped_table_columns(op: ops.DropTableOp) -> list[sa.Column[Any]]:
    """The columns a ``drop_table`` takes away (from the create_table its downgrade runs)."""
    reverse = op._reverse
    return columns_of(reverse.columns) if reverse is not None else []


def op_columns(op: Any) -> Iterator[tuple[sa.Column[Any] | None, list[Any]]]:
    """(column, its types before and after) for each column an op creates, drops or alters.

    A ``create_table`` / ``add_column`` brings a column, a ``drop_table`` / ``drop_column``
    takes one, an ``alter_column`` changes one type into another; containers are walked.
    """
    if isinstance(op, ops.OpContainer):
        for child in op.ops:
            yield from op_columns(child)
    elif isinstance(op, ops.CreateTableOp):
        for column in columns_of(op.columns):
            yield column, [column.type]
    elif isinstance(op, ops.DropTableOp):
        for column in dropped_table_columns(op):
            yield column, [column.type]
    elif isinstance(op, ops.AddColumnOp):
        yield op.column, [op.column.type]
    elif isinstance(op, ops.DropColumnOp) and op._reverse is not None:
        yield op._reverse.column, [op._reverse.column.type]
    elif isinstance(op, ops.AlterColumnOp):
        types = [t for t in (op.existing_type, op.modify_type) if t is not None]
        if types:
            yield None, types
