"""Every index and constraint name of the script, written as the server stores it.

Alembic writes a model's name as the model spells it (``op.f('ix_a_rather_long_..._too')``)
and SQLAlchemy cuts it only when the DDL runs. The script would then name something the
database never has, and each step that derives a name from it (the index MariaDB makes for
a new key, the drop notes) would use the wrong one. Here every name an op creates or drops
becomes its stored form (``schema.names.stored_name``), the constraints written inside
``create_table`` included: those are the models' own objects, so a changed one is replaced
by a copy, never renamed in place.
"""

from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.notes import ImpliedOp
from ..schema.names import stored_name
from .op_tree import walk


def _stored_constraint(item: Any, dialect: Any) -> Any:
    """``item`` itself, or a copy under its stored name when that differs."""
    if not isinstance(item, sa.Constraint):
        return item
    name = stored_name(item.name, dialect)
    if name == item.name:
        return item
    renamed = copy.copy(item)
    renamed.name = name
    return renamed


def store_names(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc)."""
    dialect = autogen_context.dialect
    for op in walk(upgrade_ops):
        target: Any = op.op if isinstance(op, ImpliedOp) else op
        if isinstance(target, ops.CreateTableOp):
            target.columns = [_stored_constraint(item, dialect) for item in target.columns]
            continue
        if getattr(target, "index_name", None) is not None:
            target.index_name = stored_name(target.index_name, dialect, "index")
        if getattr(target, "constraint_name", None) is not None:
            target.constraint_name = stored_name(target.constraint_name, dialect)
