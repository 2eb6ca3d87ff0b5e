"""Say what a migration operation does, in words, one line each.

``flask db check`` prints these lines instead of Alembic's raw diff tuples, naming each object
the way a reviewer would look for it: ``add column author.points (INTEGER, NOT NULL)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from alembic.operations import ops

from .ops.notes import HeaderOp


def _table(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _type(column: Any) -> str:
    try:
        text = str(column.type.compile())
    except Exception:  # a type that cannot compile without a dialect
        text = type(column.type).__name__
    return f"{text}, {'NULL' if column.nullable else 'NOT NULL'}"


def _constraint(constraint: Any) -> str:
    kind = {
        "ForeignKeyConstraint": "foreign key",
        "UniqueConstraint": "unique constraint",
        "CheckConstraint": "check constraint",
        "PrimaryKeyConstraint": "primary key",
    }.get(type(constraint).__name__, "constraint")
    name = getattr(constraint, "name", None)
    return f"{kind} {name}" if name else f"unnamed {kind}"


def _alter_column(op: ops.AlterColumnOp) -> Iterator[str]:
    where = f"{_table(op.schema, op.table_name)}.{op.column_name}"
    if op.modify_type is not None:
        yield f"change type of column {where}: {op.existing_type!r} -> {op.modify_type!r}"
    if op.modify_nullable is not None:
        yield f"make column {where} {'NULL' if op.modify_nullable else 'NOT NULL'}"
    if op.modify_server_default is not False:
        yield f"change server default of column {where}"
    if op.modify_comment is not False:
        yield f"change comment of column {where}"
    if op.modify_name is not None:
        yield f"rename column {where} to {op.modify_name}"
    for key in op.kw:
        if key.startswith("modify_"):
            yield f"change {key[len('modify_'):]} of column {where}"


def describe_op(op: Any) -> Iterator[str]:
    """Lines for one operation (a table's group of operations gives one line per member)."""
    if isinstance(op, HeaderOp):
        return
    describe = getattr(op, "describe", None)
    if callable(describe):
        yield str(describe())
    elif isinstance(op, ops.ModifyTableOps):
        yield from describe_ops(op.ops)
    elif isinstance(op, ops.AddColumnOp):
        table = _table(op.schema, op.table_name)
        yield f"add column {table}.{op.column.name} ({_type(op.column)})"
    elif isinstance(op, ops.DropColumnOp):
        yield f"drop column {_table(op.schema, op.table_name)}.{op.column_name}"
    elif isinstance(op, ops.CreateTableOp):
        yield f"create table {_table(op.schema, op.table_name)}"
    elif isinstance(op, ops.DropTableOp):
        yield f"drop table {_table(op.schema, op.table_name)}"
    elif isinstance(op, ops.AlterColumnOp):
        yield from _alter_column(op)
    elif isinstance(op, ops.CreateIndexOp):
        columns = ", ".join(str(c) for c in op.columns)
        yield f"create index {op.index_name} on {_table(op.schema, op.table_name)} ({columns})"
    elif isinstance(op, ops.DropIndexOp):
        yield f"drop index {op.index_name} on {_table(op.schema, op.table_name or '?')}"
    elif isinstance(op, ops.AddConstraintOp):
        constraint = op.to_constraint()
        table = _table(constraint.table.schema, constraint.table.name)
        yield f"add {_constraint(constraint)} on {table}"
    elif isinstance(op, ops.DropConstraintOp):
        yield (
            f"drop {op.constraint_type or ''} constraint {op.constraint_name} "
            f"on {_table(op.schema, op.table_name)}"
        ).replace("  ", " ")
    elif isinstance(op, ops.CreateTableCommentOp | ops.DropTableCommentOp):
        yield f"change comment of table {_table(op.schema, op.table_name)}"
    elif isinstance(op, ops.ExecuteSQLOp):
        yield f"execute {str(op.sqltext).splitlines()[0][:80]}"
    else:
        yield f"{type(op).__name__}: {op.to_diff_tuple()!r}"


def _check_text(op: Any) -> str | None:
    """The SQL of a CHECK that an add (or, through its reverse, a drop) op carries."""
    if isinstance(op, ops.DropConstraintOp):
        op = op._reverse
    condition = getattr(op, "condition", None)
    if condition is None:
        return None
    return str(getattr(condition, "text", condition))


def _changed_check(drop: Any, add: Any) -> str | None:
    """One line for a CHECK dropped and created again under its name: both expressions."""
    if not (isinstance(drop, ops.DropConstraintOp) and isinstance(add, ops.CreateCheckConstraintOp)
            and drop.constraint_type == "check"
            and str(drop.constraint_name) == str(add.constraint_name)):
        return None
    old, new = _check_text(drop), _check_text(add)
    if old is None or new is None:
        return None
    return (f"change check {add.constraint_name} on {_table(add.schema, add.table_name)}: "
            f"{old} \u2192 {new}")


def describe_ops(operations: Iterable[Any]) -> list[str]:
    """One line per operation; a CHECK dropped and re-created under its name is one change."""
    items = list(operations)
    lines: list[str] = []
    index = 0
    while index < len(items):
        pair = items[index : index + 2]
        changed = _changed_check(*pair) if len(pair) == 2 else None
        if changed is not None:
            lines.append(changed)
            index += 2
            continue
        lines.extend(describe_op(items[index]))
        index += 1
    return lines
