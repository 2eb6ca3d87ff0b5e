"""Every drop is said out loud: a comment above each ``drop_table`` / ``drop_column`` in the
script, and one warning line each on the terminal. So is a column made generated or plain
whose values do not simply stay (its op writes its own comment)."""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import ops

from ..ops.generated import ConvertGeneratedColumnOp
from ..ops.notes import with_notes
from .op_tree import qualified, table_key

console = logging.getLogger("flask_migrate_plus")


def _said_changed_values(op: Any) -> bool:
    """Warn about a column conversion that does not keep the values; True if it was one."""
    if not isinstance(op, ConvertGeneratedColumnOp) or op.value_note is None:
        return False
    console.warning("The script changes the values of a column: %s", op.value_note)
    return True


def note_drops(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """A comment above each drop_table / drop_column, and one warning line each."""
    top = upgrade_ops.ops
    for index, op in enumerate(top):
        if _said_changed_values(op):
            continue
        if isinstance(op, ops.DropTableOp):
            name = qualified(table_key(op))
            console.warning("The script drops table %s and every row in it", name)
            top[index] = with_notes(op, f"drops table {name} and every row in it")
        elif isinstance(op, ops.ModifyTableOps):
            for child_index, child in enumerate(op.ops):
                if _said_changed_values(child):
                    continue
                if isinstance(child, ops.DropColumnOp):
                    name = f"{qualified(table_key(op))}.{child.column_name}"
                    console.warning("The script drops column %s and the data in it", name)
                    op.ops[child_index] = with_notes(child, f"drops column {name} and its data")
