"""Operations that Alembic has no class for: identity changes, PK replacement, sequences.

The comparators in this package emit these objects; ``flask_migrate_plus.renderers.schema_ops``
turns them into plain ``op.*`` code. Each one knows its reverse, so every upgrade has a
downgrade. They hold only names and plain values (no SQL): the SQL depends on the dialect and
is the renderer's business.

``alembic.operations.ops`` does not import ``alembic.autogenerate``, so importing it here is
safe while ``import alembic`` is still loading entry-point plugins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alembic.operations.ops import MigrateOperation, ModifyTableOps, UpgradeOps

# -- identity columns -----------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityState:
    """An identity column as the server sees it: every option resolved to its real value.

    ``defaults`` holds what the server would pick for an identity declared without options on
    this column type, so a renderer can leave those out of ``ADD GENERATED ... AS IDENTITY``.
    """

    always: bool
    options: dict[str, Any]
    defaults: dict[str, Any] = field(default_factory=dict)


#: A PostgreSQL SERIAL column: a ``nextval`` default on a sequence the column owns.
SERIAL = "serial"

#: How a column numbers its rows: an identity, SERIAL, or nothing (None).
Numbering = IdentityState | str | None


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class AlterIdentityOp(MigrateOperation):
    """Add, drop or change the identity of one column, or turn SERIAL into identity and back.

    ``type_name`` is the column's integer type, for the sequence a SERIAL needs. Nullability
    travels with the op because Alembic ignores it on identity columns, while PostgreSQL
    wants NOT NULL before ADD IDENTITY and keeps it after DROP IDENTITY.
    """

    table_name: str
    column_name: str
    schema: str | None
    before: Numbering
    after: Numbering
    type_name: str = "INTEGER"
    before_nullable: bool = False
    after_nullable: bool = False

    def reverse(self) -> AlterIdentityOp:
        return AlterIdentityOp(self.table_name, self.column_name, self.schema,
                               self.after, self.before, self.type_name,
                               self.after_nullable, self.before_nullable)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("alter_identity", self.schema, self.table_name, self.column_name,
                self.before, self.after)


# -- primary keys -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrimaryKeyState:
    """A primary key: its constraint name (None when the server keeps none) and columns."""

    name: str | None
    columns: tuple[str, ...]


def default_primary_key_name(table_name: str) -> str:
    """The name PostgreSQL gives an unnamed primary key; ours for keys that have none."""
    return f"{table_name}_pkey"


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class ReplacePrimaryKeyOp(MigrateOperation):
    """Replace a table's primary key (``None`` on either side = the table has none).

    One op rather than Alembic's drop + create pair, because some servers need both halves
    in one statement (MariaDB refuses to drop the key of an AUTO_INCREMENT column alone)
    and SQLite's batch mode must first give an unnamed key a name before dropping it.
    """

    table_name: str
    schema: str | None
    before: PrimaryKeyState | None
    after: PrimaryKeyState | None

    def reverse(self) -> ReplacePrimaryKeyOp:
        return ReplacePrimaryKeyOp(self.table_name, self.schema, self.after, self.before)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("replace_primary_key", self.schema, self.table_name, self.before, self.after)


# -- sequences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceState:
    """A standalone sequence: name, schema, resolved options and the server's defaults."""

    name: str
    schema: str | None
    options: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class CreateSequenceOp(MigrateOperation):
    sequence: SequenceState

    def reverse(self) -> DropSequenceOp:
        return DropSequenceOp(self.sequence)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_sequence", self.sequence.schema, self.sequence.name)


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class DropSequenceOp(MigrateOperation):
    sequence: SequenceState

    def reverse(self) -> CreateSequenceOp:
        return CreateSequenceOp(self.sequence)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("remove_sequence", self.sequence.schema, self.sequence.name)


@dataclass(eq=False)  # ops compare and hash by identity, as Alembic's do
class AlterSequenceOp(MigrateOperation):
    """Change options of an existing sequence (``ALTER SEQUENCE``)."""

    before: SequenceState
    after: SequenceState

    def reverse(self) -> AlterSequenceOp:
        return AlterSequenceOp(self.after, self.before)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("modify_sequence", self.after.schema, self.after.name,
                self.before.options, self.after.options)


# -- ordering ---------------------------------------------------------------------------------

#: Table-level ops rendered as ``op.execute(...)``, by dialect. Such a statement runs at once,
#: while a batch block queues its own ops until the block ends; so these must come after
#: their table's block, not inside it.
RAW_SQL_TABLE_OPS: dict[type[MigrateOperation], frozenset[str] | None] = {
    AlterIdentityOp: None,  # every dialect
    ReplacePrimaryKeyOp: frozenset({"mysql", "mariadb"}),
}


def renders_as_raw_sql(op: MigrateOperation, dialect_name: str) -> bool:
    if type(op) not in RAW_SQL_TABLE_OPS:
        return False
    dialects = RAW_SQL_TABLE_OPS[type(op)]
    return dialects is None or dialect_name in dialects


def hoist_raw_sql_ops(upgrade_ops: UpgradeOps, dialect_name: str) -> None:
    """Split each table's ``ModifyTableOps`` around its raw-SQL ops.

    ``[batch(add k, alter c), raw, batch(drop j)]`` instead of one block: the upgrade runs
    the statement after the changes listed before it (an added column, a dropped default)
    and before those after it (a dropped column); the downgrade, being the reverse list,
    mirrors that exactly.
    """
    result: list[MigrateOperation] = []
    for op in upgrade_ops.ops:
        if not isinstance(op, ModifyTableOps):
            result.append(op)
            continue
        segment = ModifyTableOps(op.table_name, [], schema=op.schema)
        for sub in op.ops:
            if renders_as_raw_sql(sub, dialect_name):
                result.extend([segment, sub])
                segment = ModifyTableOps(op.table_name, [], schema=op.schema)
            else:
                segment.ops.append(sub)
        result.append(segment)
    upgrade_ops.ops = [
        op for op in result if not (isinstance(op, ModifyTableOps) and op.is_empty())
    ]
