"""SQLite table rebuilds keep their indexes.

On SQLite most changes run in batch mode as "move and copy": Alembic creates a new table,
copies the rows, drops the old table and re-creates its indexes from SQLAlchemy's
reflection, which cannot see expression indexes and loses DESC. A migration that alters one
column would silently drop such indexes, and an expression index created inside that same
batch block would lose its expressions.

So, for each table whose batch block rebuilds the table, the indexes the rebuild cannot
carry leave the block: they are dropped in a block of their own before it and created again
in one after it. The downgrade mirrors this by itself. Which reflected indexes a rebuild
would lose was noted by the indexes comparator (``REBUILD_LOSSES`` in the run state).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..schema.batch import REBUILD_LOSSES, batch_cannot_rebuild, batch_rebuilds
from ..schema.run_state import run_state

log = logging.getLogger("alembic.autogenerate.compare")


def keep_indexes_through_rebuilds(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc); only where the project renders batch blocks."""
    if not autogen_context.opts.get("render_as_batch"):
        return
    losses = run_state(autogen_context, REBUILD_LOSSES).get("tables", {})
    result: list[Any] = []
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps) or not batch_rebuilds(table_ops.ops):
            result.append(table_ops)
            continue
        name, schema = table_ops.table_name, table_ops.schema
        lost: dict[str, sa.Index] = losses.get((schema, name), {})
        before: list[Any] = []
        after: list[Any] = []
        kept: list[Any] = []
        for op in table_ops.ops:
            if isinstance(op, ops.DropIndexOp) and str(op.index_name) in lost:
                before.append(op)
            elif isinstance(op, ops.CreateIndexOp) and batch_cannot_rebuild(op.to_index()):
                after.append(op)
            else:
                kept.append(op)
        moved = {str(op.index_name) for op in before + after}
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
