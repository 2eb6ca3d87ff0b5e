"""SQLite table rebuilds keep their indexes (part of plugin ``flask_migrate_plus.indexes``).

On SQLite most changes run in batch mode as "move and copy": Alembic creates a new table,
copies the rows, drops the old table and re-creates its indexes from SQLAlchemy's
reflection, which cannot see expression indexes and loses DESC. A migration that alters one
column would silently drop such indexes, and an expression index created inside that same
batch block would lose its expressions.

So, for each table whose batch block rebuilds the table, the indexes the rebuild cannot
carry (``batch_cannot_rebuild``) leave the block: they are dropped in a block of their own
before it and created again in one after it. The downgrade mirrors this by itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.util import PriorityDispatchResult

from .indexes import batch_cannot_rebuild, rebuild_losses

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import MigrateOperation, UpgradeOps

log = logging.getLogger("alembic.autogenerate.compare")


def _adds_plain_column(op: Any) -> bool:
    """An ``add_column`` SQLite runs as ALTER TABLE (no SQL-expression default, no stored
    computed column): Alembic's own rule for when batch mode need not rebuild."""
    from alembic.operations import ops

    if not isinstance(op, ops.AddColumnOp):
        return False
    default = op.column.server_default
    if isinstance(default, sa.DefaultClause) and isinstance(default.arg, sa.ClauseElement):
        return False
    return not (isinstance(default, sa.Computed) and default.persisted)


def rebuilds_table(table_ops: list[MigrateOperation]) -> bool:
    """Whether a batch block with these ops makes SQLite rebuild the table."""
    from alembic.operations import ops

    index_ops = (ops.CreateIndexOp, ops.DropIndexOp)
    return any(not isinstance(op, index_ops) and not _adds_plain_column(op) for op in table_ops)


def keep_indexes_through_rebuilds(
    autogen_context: AutogenContext, upgrade_ops: UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Move the indexes a rebuild would lose out of rebuilding batch blocks (module doc)."""
    from alembic.operations import ops

    if not autogen_context.opts.get("render_as_batch"):
        return PriorityDispatchResult.CONTINUE
    losses = rebuild_losses(autogen_context)
    result: list[MigrateOperation] = []
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps) or not rebuilds_table(table_ops.ops):
            result.append(table_ops)
            continue
        name, schema = table_ops.table_name, table_ops.schema
        lost: dict[str, sa.Index] = losses.get((schema, name), {})
        before: list[MigrateOperation] = []
        after: list[MigrateOperation] = []
        kept: list[MigrateOperation] = []
        for op in table_ops.ops:
            if isinstance(op, ops.DropIndexOp) and str(op.index_name) in lost:
                before.append(op)
            elif isinstance(op, ops.CreateIndexOp) and batch_cannot_rebuild(op.to_index()):
                after.append(op)
            else:
                kept.append(op)
        moved = {str(op.index_name) for op in before + after}  # type: ignore[attr-defined]
        for index_name, index in sorted(lost.items()):
            if index_name in moved or not autogen_context.run_object_filters(
                index, index_name, "index", True, None
            ):
                continue
            before.append(ops.DropIndexOp.from_index(index))
            after.append(ops.CreateIndexOp.from_index(index))
            log.info(
                "Detected index %r on %r that rebuilding the table would lose: "
                "dropped before the rebuild, created again after it",
                index_name,
                name,
            )
        table_ops.ops = kept
        if before:
            result.append(ops.ModifyTableOps(name, before, schema=schema))
        result.append(table_ops)
        if after:
            result.append(ops.ModifyTableOps(name, after, schema=schema))
    upgrade_ops.ops[:] = result
    return PriorityDispatchResult.CONTINUE
