"""Replacing a table's primary key, as one op.

One op rather than Alembic's drop + create pair, because some servers need both halves in
one statement (MariaDB refuses to drop the key of an AUTO_INCREMENT column on its own) and
SQLite's batch mode must first give an unnamed key a name before dropping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.operations.ops import MigrateOperation

from ..schema.names import default_primary_key_name
from .execute import execute_line, module_prefix
from .sequences import qualified


@dataclass(frozen=True)
class PrimaryKeyState:
    """A primary key: its constraint name (None when the server keeps none) and columns."""

    name: str | None
    columns: tuple[str, ...]


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class ReplacePrimaryKeyOp(MigrateOperation):
    """Replace a table's primary key (``None`` on either side = the table has none)."""

    table_name: str
    schema: str | None
    before: PrimaryKeyState | None
    after: PrimaryKeyState | None

    #: Rendered as one ``op.execute`` on these dialects: never inside a batch block there.
    raw_sql_dialects = frozenset({"mysql", "mariadb"})

    def reverse(self) -> ReplacePrimaryKeyOp:
        return ReplacePrimaryKeyOp(self.table_name, self.schema, self.after, self.before)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("replace_primary_key", self.schema, self.table_name, self.before, self.after)

    def describe(self) -> str:
        table = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        before = ", ".join(self.before.columns) if self.before else "none"
        after = ", ".join(self.after.columns) if self.after else "none"
        return f"change primary key of {table}: ({before}) -> ({after})"


def render_replace_primary_key(autogen_context: Any, op: ReplacePrimaryKeyOp) -> list[str]:
    if autogen_context.dialect.name in ReplacePrimaryKeyOp.raw_sql_dialects:
        return [execute_line(autogen_context, _mysql_replace_primary_key(autogen_context, op))]
    return _primary_key_ops(autogen_context, op)


def _mysql_replace_primary_key(autogen_context: Any, op: ReplacePrimaryKeyOp) -> str:
    """One ALTER: MariaDB rejects dropping the key of an AUTO_INCREMENT column on its own."""
    preparer = autogen_context.dialect.identifier_preparer
    changes = ["DROP PRIMARY KEY"] if op.before is not None else []
    if op.after is not None:
        columns = ", ".join(preparer.quote(name) for name in op.after.columns)
        changes.append(f"ADD PRIMARY KEY ({columns})")
    return f"ALTER TABLE {qualified(autogen_context, op.table_name, op.schema)} " + ", ".join(
        changes
    )


def _primary_key_ops(autogen_context: Any, op: ReplacePrimaryKeyOp) -> list[str]:
    """``drop_constraint`` + ``create_primary_key``, in batch form when inside a batch block.

    Batch mode (SQLite) can only drop a key it knows by name, so a key the database keeps
    unnamed is first re-declared under the name PostgreSQL would give it, then dropped.
    """
    batch = bool(getattr(autogen_context, "_has_batch", False))
    prefix = "batch_op." if batch else module_prefix(autogen_context)
    table = "" if batch else f", {op.table_name!r}"
    schema = "" if batch or op.schema is None else f", schema={op.schema!r}"
    lines = []
    if op.before is not None:
        name = op.before.name or default_primary_key_name(op.table_name)
        if op.before.name is None:
            lines.append(_create_primary_key(prefix, table, schema, name, op.before))
        lines.append(f"{prefix}drop_constraint({name!r}{table}, type_='primary'{schema})")
    if op.after is not None:
        name = op.after.name or default_primary_key_name(op.table_name)
        lines.append(_create_primary_key(prefix, table, schema, name, op.after))
    return lines


def _create_primary_key(
    prefix: str, table: str, schema: str, name: str, key: PrimaryKeyState
) -> str:
    return f"{prefix}create_primary_key({name!r}{table}, {list(key.columns)!r}{schema})"


RENDERERS = {ReplacePrimaryKeyOp: render_replace_primary_key}
