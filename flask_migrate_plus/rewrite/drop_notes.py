"""Every drop is said out loud: a comment above each ``drop_table`` / ``drop_column`` in the
script, and one warning line each on the terminal."""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import ops

from ..ops.notes import with_notes
from .op_tree import qualified, table_key

console = logging.getLogger("flask_migrate_plus")


def note_drops(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """A comment above each drop_table / drop_column, and one warning line each."""
    top = upgrade_ops.ops
    for index, op in enumerate(top):
        if isinstance(op, ops.DropTableOp):
            name = qualified(table_key(op))
            console.warning("The script drops table %s and every row in it", name)
            top[index] = with_notes(op, f"drops table {name} and every row in it")
        elif isinstance(op, ops.ModifyTableOps):
            for child_index, child in enumerate(op.ops):
                if isinstance(child, ops.DropColumnOp):
                    name = f"{qualified(table_key(op))}.{child.column_name}"
                    console.warning("The script drops column %s and the data in it", name)
                    op.ops[child_index] = with_notes(child, f"drops column {name} and its data")


