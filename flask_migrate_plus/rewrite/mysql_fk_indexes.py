"""MySQL/MariaDB: the index the server makes for a new foreign key, dropped after it on downgrade.

The server makes an index for a new foreign key whose columns no index leads with, and keeps
it when the key is dropped; a downgrade that drops only the key leaves it behind, and the
next autogenerate finds it left over. The index is written as a comment before the key (the
server makes it), whose reverse is the real ``drop_index``, after the key's drop.

Every index counts: the table's own, the primary key (a link table's key on ``(a_id,
b_id)`` serves a key on ``a_id``: the server makes nothing, and a downgrade dropping an
index it never made fails), and the indexes and unique constraints the run adds (the
server drops the index it made once another one serves the key).
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from ..ops.notes import ImpliedOp
from ..schema.reflection import reflected_index_records, reflected_primary_key_columns
from .op_tree import qualified, table_key


def _leading_columns(index: Any) -> tuple[str, ...]:
    names = index.get("column_names") if isinstance(index, dict) else index.columns
    return tuple(str(name) for name in names or ())


def mysql_key_indexes(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc); indexes are read from Alembic's reflection cache."""
    created = {table_key(op) for op in upgrade_ops.ops if isinstance(op, ops.CreateTableOp)}
    for container in upgrade_ops.ops:
        if not isinstance(container, ops.ModifyTableOps) or table_key(container) in created:
            continue
        dropped = {op.index_name for op in container.ops if isinstance(op, ops.DropIndexOp)}
        leading = [
            _leading_columns(index)
            for index in reflected_index_records(
                autogen_context, container.table_name, container.schema
            )
            if index["name"] not in dropped
        ]
        leading.append(reflected_primary_key_columns(
            autogen_context, container.table_name, container.schema
        ))
        leading += [tuple(str(c) for c in op.columns) for op in container.ops
                    if isinstance(op, (ops.CreateIndexOp, ops.CreateUniqueConstraintOp))]
        new_ops: list[Any] = []
        for op in container.ops:
            if isinstance(op, ops.CreateForeignKeyOp) and op.constraint_name and not any(
                lead[: len(op.local_cols)] == tuple(op.local_cols) for lead in leading
            ):
                columns = tuple(op.local_cols)
                index = ops.CreateIndexOp(str(op.constraint_name), op.source_table, list(columns),
                                          schema=container.schema)
                name = str(op.constraint_name)
                new_ops.append(ImpliedOp(
                    index, f"the server makes index {name} for the key below",
                    f"the server makes index {name} on {qualified(table_key(container))} "
                    f"for foreign key {name}",
                ))
                leading.append(columns)
            new_ops.append(op)
        container.ops = new_ops

