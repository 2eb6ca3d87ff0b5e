"""When SQLite's batch mode rebuilds a table ("move and copy").

Alembic runs a batch block on SQLite as plain ``ALTER TABLE`` only when every op in it is an
index op or an ``add_column`` SQLite can do in place; anything else makes it create a new
table, copy the rows and drop the old one. A rebuild loses what reflection cannot see
(expression and DESC indexes, unnamed CHECKs), so the passes and comparators that protect
those ask this one rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops


def adds_column_in_place(op: Any) -> bool:
    """An ``add_column`` SQLite runs as ``ALTER TABLE ... ADD COLUMN``: no SQL-expression
    default, no stored generated column, no constraint made by its type."""
    if not isinstance(op, ops.AddColumnOp):
        return False
    default = op.column.server_default
    if isinstance(default, sa.DefaultClause) and isinstance(default.arg, sa.ClauseElement):
        return False
    if isinstance(default, sa.Computed) and default.persisted:
        return False
    return not _type_adds_constraint(op.column)


def _type_adds_constraint(column: sa.Column[Any]) -> bool:
    """Whether the column's type puts a constraint on its table (``Boolean`` or ``Enum`` with
    ``create_constraint=True``): ``add_column`` then adds it as a constraint of its own,
    which a batch block can only do by a rebuild."""
    table = sa.Table(column.name, sa.MetaData(), column._copy())
    return any(constraint._type_bound for constraint in table.constraints)


def batch_rebuilds(table_ops: Iterable[Any]) -> bool:
    """Whether a batch block holding ``table_ops`` makes SQLite rebuild the table.

    An op written as a comment only (``runs_sql = False``) runs nothing.
    """
    index_ops = (ops.CreateIndexOp, ops.DropIndexOp)
    return any(getattr(op, "runs_sql", True) and not isinstance(op, index_ops)
               and not adds_column_in_place(op) for op in table_ops)


def batch_cannot_rebuild(index: sa.Index) -> bool:
    """True when a rebuild would lose (part of) this index: batch mode re-creates indexes
    from plain columns only, so expressions and DESC do not survive."""
    return any(not isinstance(element, sa.Column) for element in index.expressions)


#: The run-state owner under which the indexes comparator notes, per ``(schema, table)``,
#: the reflected indexes a rebuild would lose (``{"tables": {key: {name: Index}}}``).
REBUILD_LOSSES = "flask_migrate_plus.rebuild_losses"
