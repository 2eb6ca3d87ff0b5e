"""Every drop is said out loud, in both directions of the script.

Upgrade: a comment above each ``drop_table`` / ``drop_column``, and one warning line each on
the terminal; so is a column made generated or plain whose values do not simply stay (its op
writes its own comment). Downgrade (once Alembic has reversed the upgrade): the same
comments, and a NOT NULL column it adds back without a server default is marked and warned
about, since that downgrade fails on a table with rows.
"""

from __future__ import annotations

import logging
from typing import Any

from alembic.operations import ops

from ..ops.generated import ConvertGeneratedColumnOp
from ..ops.notes import with_notes
from .not_null import needs_value
from .op_tree import qualified, table_key

console = logging.getLogger("flask_migrate_plus")


def _said_changed_values(op: Any, warn: bool) -> bool:
    """Warn about a column conversion that does not keep the values; True if it was one."""
    if not isinstance(op, ConvertGeneratedColumnOp) or op.value_note is None:
        return False
    if warn:
        console.warning("The script changes the values of a column: %s", op.value_note)
    return True


def _note_drops(container: ops.OpContainer, warn: bool) -> None:
    top = container.ops
    for index, op in enumerate(top):
        if _said_changed_values(op, warn):
            continue
        if isinstance(op, ops.DropTableOp):
            name = qualified(table_key(op))
            if warn:
                console.warning("The script drops table %s and every row in it", name)
            top[index] = with_notes(op, f"drops table {name} and every row in it")
        elif isinstance(op, ops.ModifyTableOps):
            for child_index, child in enumerate(op.ops):
                if _said_changed_values(child, warn):
                    continue
                if isinstance(child, ops.DropColumnOp):
                    name = f"{qualified(table_key(op))}.{child.column_name}"
                    if warn:
                        console.warning("The script drops column %s and the data in it", name)
                    op.ops[child_index] = with_notes(child, f"drops column {name} and its data")


def note_drops(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass: comments and warnings for the upgrade's drops."""
    _note_drops(upgrade_ops, warn=True)


def note_downgrade(downgrade_ops: ops.OpContainer) -> None:
    """Comments for the downgrade's drops; a warning for a NOT NULL column it adds back
    with nothing to fill existing rows."""
    _note_drops(downgrade_ops, warn=False)
    for container in downgrade_ops.ops:
        if not isinstance(container, ops.ModifyTableOps):
            continue
        for index, op in enumerate(container.ops):
            if isinstance(op, ops.AddColumnOp) and needs_value(op.column):
                where = f"{qualified(table_key(container))}.{op.column.name}"
                console.warning(
                    "The downgrade adds column %s back NOT NULL without a server default: it "
                    "fails if the table has rows; see the comment in the script", where
                )
                container.ops[index] = with_notes(
                    op,
                    f"NOT NULL column {where} comes back with no value for existing rows: give "
                    "it a\nserver_default here, or add it nullable, fill it, then make it NOT "
                    "NULL.",
                )
