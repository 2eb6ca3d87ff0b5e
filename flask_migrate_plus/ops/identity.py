"""Identity columns: add, drop or change one, or turn a SERIAL column into one and back.

Alembic renders any identity change as ``alter_column(server_default=sa.Identity(...))``,
which PostgreSQL rejects. :class:`AlterIdentityOp` holds the two states, resolved to the
values the server really uses; its renderer writes ``ALTER TABLE .. ALTER COLUMN .. ADD
GENERATED / SET ... / DROP IDENTITY`` through ``op.execute``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alembic.operations.ops import MigrateOperation

from .execute import do_block, execute_line, sql_literal
from .sequences import into_new_range, option_clauses, qualified


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


def describe_numbering(state: Numbering) -> str:
    if not isinstance(state, IdentityState):
        return state or "none"
    options = ", ".join(f"{key}={value}" for key, value in sorted(state.options.items()))
    return f"{'always' if state.always else 'by default'} ({options})"


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

    #: Rendered as ``op.execute``, which runs at once: never inside a batch block.
    raw_sql_dialects = None

    def reverse(self) -> AlterIdentityOp:
        return AlterIdentityOp(self.table_name, self.column_name, self.schema,
                               self.after, self.before, self.type_name,
                               self.after_nullable, self.before_nullable)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("alter_identity", self.schema, self.table_name, self.column_name,
                self.before, self.after)

    def describe(self) -> str:
        table = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        return (f"change numbering of column {table}.{self.column_name}: "
                f"{describe_numbering(self.before)} -> {describe_numbering(self.after)}")


def render_alter_identity(autogen_context: Any, op: AlterIdentityOp) -> list[str]:
    return [execute_line(autogen_context, sql) for sql in identity_statements(autogen_context, op)]


def identity_statements(autogen_context: Any, op: AlterIdentityOp) -> list[str]:
    """The statements for one column, SERIAL handled as "drop its sequence" / "make one"."""
    preparer = autogen_context.dialect.identifier_preparer
    table = qualified(autogen_context, op.table_name, op.schema)
    column = preparer.quote(op.column_name)
    head = f"ALTER TABLE {table} ALTER COLUMN {column}"
    before, after = op.before, op.after
    # The column's sequence (OWNED BY), which may have been renamed: the server knows it.
    owned = f"pg_get_serial_sequence({sql_literal(table)}, {sql_literal(op.column_name)})"
    statements: list[str] = []
    if before == SERIAL:
        statements += [f"{head} DROP DEFAULT",
                       do_block(f"BEGIN EXECUTE 'DROP SEQUENCE ' || {owned}; END")]
    if isinstance(before, IdentityState) and not isinstance(after, IdentityState):
        statements.append(f"{head} DROP IDENTITY")
        if op.after_nullable:
            statements.append(f"{head} DROP NOT NULL")
    if isinstance(after, IdentityState) and op.before_nullable:
        statements.append(f"{head} SET NOT NULL")
    if after == SERIAL:
        sequence = qualified(autogen_context, f"{op.table_name}_{op.column_name}_seq", op.schema)
        statements += [
            f"CREATE SEQUENCE {sequence} AS {op.type_name} OWNED BY {table}.{column}",
            f"{head} SET DEFAULT nextval({sql_literal(sequence)}::regclass)",
            _restart_after_existing_rows(sql_literal(sequence), table, column, 1, 1),
        ]
    elif isinstance(after, IdentityState):
        if isinstance(before, IdentityState):
            statements += into_new_range(owned, before, after)
            statements.append(f"{head} {_identity_change(before, after)}")
        else:
            statements.append(f"{head} {_add_identity(after)}")
        if before == SERIAL:
            statements.append(_restart_after_existing_rows(
                owned, table, column, after.options["increment"], after.options["start"]))
    return statements


def _add_identity(after: IdentityState) -> str:
    clauses = option_clauses(after.options, after.defaults)
    options = f" ({' '.join(clauses)})" if clauses else ""
    return f"ADD GENERATED {'ALWAYS' if after.always else 'BY DEFAULT'} AS IDENTITY{options}"


def _identity_change(before: IdentityState, after: IdentityState) -> str:
    changes = []
    if before.always != after.always:
        changes.append(f"SET GENERATED {'ALWAYS' if after.always else 'BY DEFAULT'}")
    changes += [f"SET {clause}" for clause in option_clauses(after.options, before.options)]
    return " ".join(changes)


def _restart_after_existing_rows(
    sequence: str, table: str, column: str, increment: int, start: int
) -> str:
    """Continue numbering after the rows already there, so the next insert cannot collide."""
    edge, pick = ("max", "greatest") if increment > 0 else ("min", "least")
    return (f"SELECT setval({sequence}, {pick}({edge}({column}) + {int(increment)}, "
            f"{int(start)}), false) FROM {table}")


RENDERERS = {AlterIdentityOp: render_alter_identity}
