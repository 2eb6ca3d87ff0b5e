"""Ops written as ``op.execute(...)`` leave their table's batch block.

A batch block queues its ops until it ends, while ``op.execute`` runs at once. Each table's
block is split around such ops (``[batch(add k, alter c), raw, batch(drop j)]``): the upgrade
runs the statement after the changes listed before it (an added column, a dropped default)
and before those after it (a dropped column); the downgrade, being the reverse list, mirrors
that exactly.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..ops.batch import renders_as_raw_sql


def hoist_raw_sql_ops(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc)."""
    dialect_name = autogen_context.dialect.name
    result: list[Any] = []
    for op in upgrade_ops.ops:
        if not isinstance(op, ops.ModifyTableOps) or not any(
            renders_as_raw_sql(sub, dialect_name) for sub in op.ops
        ):
            result.append(op)
            continue
        segment = ops.ModifyTableOps(op.table_name, [], schema=op.schema)
        for sub in op.ops:
            if renders_as_raw_sql(sub, dialect_name):
                result.extend([segment, sub])
                segment = ops.ModifyTableOps(op.table_name, [], schema=op.schema)
            else:
                segment.ops.append(sub)
        result.append(segment)
    upgrade_ops.ops[:] = [
        op for op in result if not (isinstance(op, ops.ModifyTableOps) and op.is_empty())
    ]
