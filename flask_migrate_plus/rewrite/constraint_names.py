"""Names for constraints the script creates or drops without one.

Batch mode and ``drop_constraint`` need a name. A new unnamed foreign key, unique or CHECK
constraint gets a deterministic one (``schema.names``); the downgrade drops it by that name.
A ``drop_constraint`` of one of SQLite's unnamed keys is named as the batch block's
``naming_convention`` will call it while it works. One warning line lists the names made up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.batch import ConventionBatchOps
from ..schema.names import (
    BATCH_CONVENTION,
    batch_convention_name,
    check_name,
    columns_named_in,
    made_up_name,
    server_given_name,
)
from .op_tree import referred_key, walk

console = logging.getLogger("flask_migrate_plus")


def name_constraints(
    upgrade_ops: ops.UpgradeOps, dialect_name: str = "",
    tables: Mapping[str, sa.Table] | None = None,
) -> list[str]:
    """Give every new unnamed constraint the name the server would give it where that is
    known (``schema.names.server_given_name``), else a deterministic one; return the names
    made up."""
    made: list[str] = []
    for op in walk(upgrade_ops):
        if getattr(op, "constraint_name", "") is not None:
            continue
        if isinstance(op, ops.CreateForeignKeyOp):
            given = server_given_name("fk", op.source_table, op.local_cols, dialect_name)
            fallback = made_up_name("fk", op.source_table, [*op.local_cols, op.referent_table])
        elif isinstance(op, ops.CreateUniqueConstraintOp):
            given = server_given_name("uq", op.table_name, op.columns, dialect_name)
            fallback = made_up_name("uq", op.table_name, op.columns)
        elif isinstance(op, ops.CreateCheckConstraintOp):
            columns = _columns_named(op, tables or {}, dialect_name)
            given = server_given_name("ck", op.table_name, columns, dialect_name)
            fallback = check_name(op.table_name, str(op.condition))
        else:
            continue
        op.constraint_name = given or fallback
        if given is None:
            made.append(op.constraint_name)
    return made


def _columns_named(
    op: ops.CreateCheckConstraintOp, tables: Mapping[str, sa.Table], dialect_name: str
) -> list[str]:
    """The columns of the CHECK's table (in the models) that its text names."""
    table = tables.get(f"{op.schema}.{op.table_name}" if op.schema else op.table_name)
    if table is None:
        return []
    return columns_named_in(str(op.condition), table.columns.keys(), dialect_name)


def name_unnamed_drops(upgrade_ops: ops.UpgradeOps) -> list[str]:
    """``drop_constraint(None)`` cannot run: name the constraint as the batch block will."""
    named: list[str] = []
    for index, container in enumerate(upgrade_ops.ops):
        if not isinstance(container, ops.ModifyTableOps):
            continue
        unnamed = [
            op for op in container.ops
            if isinstance(op, ops.DropConstraintOp) and op.constraint_name is None
            and op.constraint_type in ("foreignkey", "unique")
        ]
        for op in unnamed:
            constraint = op.to_constraint()
            columns = [str(key) for key in getattr(constraint, "column_keys", None)
                       or [c.name for c in constraint.columns]]  # type: ignore[attr-defined]
            if isinstance(constraint, sa.ForeignKeyConstraint):
                op.constraint_name = batch_convention_name(
                    "fk", container.table_name, columns, referred_key(constraint)[1]
                )
            else:
                op.constraint_name = batch_convention_name("uq", container.table_name, columns)
            named.append(op.constraint_name)
        if unnamed:
            upgrade_ops.ops[index] = ConventionBatchOps.from_container(
                container, BATCH_CONVENTION
            )
    return named


def name_constraints_pass(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass: name what needs a name, and say so once."""
    tables = autogen_context.table_key_to_table
    made = (name_constraints(upgrade_ops, autogen_context.dialect.name, tables)
            + name_unnamed_drops(upgrade_ops))
    if made:
        console.warning(
            "Unnamed constraints got names in the script (%s); set a naming_convention on the "
            "models' MetaData so that names are predictable", ", ".join(made)
        )
