"""A table's primary key lets go of its columns before they may hold NULL.

PostgreSQL refuses ``DROP NOT NULL`` on a column of the primary key, and MariaDB silently
keeps such a column NOT NULL (so every later run proposes the change again). When a run
changes a table's key and makes a column of the old key nullable, the key op goes just
before that column's ``alter_column``. A column of the new key that becomes NOT NULL goes
before the key op, so that the downgrade (the same list reversed) drops the new key before
making that column nullable again.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..ops.primary_keys import ReplacePrimaryKeyOp


def _nullability_change(op: Any, nullable: bool) -> str | None:
    """The column ``op`` makes nullable (or NOT NULL), if it does."""
    if isinstance(op, ops.AlterColumnOp) and op.modify_nullable is nullable:
        return str(op.column_name)
    return None


def _order_key(container: ops.ModifyTableOps, key_op: ReplacePrimaryKeyOp) -> None:
    old_key = set(key_op.before.columns) if key_op.before else set()
    new_key = set(key_op.after.columns) if key_op.after else set()
    loosened = [op for op in container.ops if _nullability_change(op, True) in old_key]
    if not loosened:
        return
    tightened = [op for op in container.ops if _nullability_change(op, False) in new_key]
    moved = [key_op, *tightened]
    rest = [op for op in container.ops if not any(op is m for m in moved)]
    at = next(i for i, op in enumerate(rest) if op is loosened[0])
    container.ops = [*rest[:at], *tightened, key_op, *rest[at:]]


def order_primary_key_changes(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc)."""
    for container in upgrade_ops.ops:
        if not isinstance(container, ops.ModifyTableOps):
            continue
        for key_op in [op for op in container.ops if isinstance(op, ReplacePrimaryKeyOp)]:
            _order_key(container, key_op)
