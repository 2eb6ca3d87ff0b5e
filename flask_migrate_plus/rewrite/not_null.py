"""A NOT NULL column added to a table that may hold rows gets a value for them.

The ``ALTER TABLE ... ADD COLUMN ... NOT NULL`` fails on a table with rows unless the column
has a server default. A scalar Python ``default=`` of the model is written as a temporary
server default, removed again in a block of its own (SQLite's batch mode rebuilds the table
for that, and the copy must find the column filled already). Without one: a warning and a
comment in the script saying what to do.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.columns import TemporaryDefaultOp
from ..ops.notes import with_notes
from .op_tree import qualified, table_key

log = logging.getLogger("alembic.autogenerate.compare")
console = logging.getLogger("flask_migrate_plus")

def _scalar_default(column: sa.Column[Any]) -> Any:
    default: Any = column.default
    if default is None or not getattr(default, "is_scalar", False) or callable(default.arg):
        return None
    return default.arg


def _literal_sql(value: Any, column: sa.Column[Any], dialect: Any) -> str | None:
    """``value`` as SQL for this dialect, or None when the type has no literal form."""
    try:
        literal = sa.literal(value, type_=column.type)
        return str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a type without a literal renderer: fall back to the warning
        return None


def needs_value(column: sa.Column[Any]) -> bool:
    return (
        not column.nullable
        and column.server_default is None
        and column.computed is None
        and column.identity is None
    )


def fill_not_null_columns(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Existing rows need a value for a new NOT NULL column, or the ALTER fails.

    The default goes away in a second block of its own: SQLite's batch mode rebuilds the
    table for it, and that copy must already find the column filled.
    """
    top: list[Any] = []
    for container in upgrade_ops.ops:
        top.append(container)
        if not isinstance(container, ops.ModifyTableOps):
            continue
        new_ops: list[Any] = []
        temporary: list[Any] = []
        for op in container.ops:
            if not (isinstance(op, ops.AddColumnOp) and needs_value(op.column)):
                new_ops.append(op)
                continue
            where = f"{qualified(table_key(container))}.{op.column.name}"
            value = _scalar_default(op.column)
            sql = None if value is None else _literal_sql(
                value, op.column, autogen_context.dialect
            )
            if sql is None:
                console.warning(
                    "Column %s is added NOT NULL without a server default: the upgrade fails "
                    "if the table has rows; see the comment in the script", where
                )
                new_ops.append(with_notes(
                    op,
                    f"NOT NULL column {where} has no value for existing rows: give it a\n"
                    "server_default here, or add it nullable, fill it, then make it NOT NULL.",
                ))
                continue
            column = op.column._copy()
            sa.DefaultClause(sa.text(sql))._set_parent(column)
            filled = copy.copy(op)
            filled.column = column
            new_ops.append(filled)
            temporary.append(TemporaryDefaultOp(
                op.table_name, column.name, schema=op.schema, existing_type=column.type,
                existing_nullable=False, existing_server_default=column.server_default,
                modify_server_default=None,
            ))
            log.info("Detected NOT NULL column %s: existing rows get %s", where, sql)
        container.ops = new_ops
        if temporary:
            top.append(ops.ModifyTableOps(container.table_name, temporary,
                                          schema=container.schema))
    upgrade_ops.ops = top

