"""The operation that changes the values of a PostgreSQL enum type, and how it plans the change.

An enum type is shared by every column that uses it, in any table, so a change of its values
is one operation per type, not one per column. The plan is chosen from the two value lists:

- the new list is the old one with values inserted (order kept): ``ADD VALUE`` per new value;
- exactly one value differs, at the same position, and the new label is not an old one:
  a rename (``RENAME VALUE``), if renames are allowed. Same count and same position is what
  tells a rename from a removal plus an addition; anything looser would be a guess;
- anything else (removals, reorders, several changes): a new type is created, every column is
  cast to it through ``text``, the old type is dropped and the new one takes its name.

The renderer writes plain ``op.execute`` calls with PostgreSQL DDL (the script must run without
flask-migrate-plus installed), built with the dialect's identifier quoting and standard literal
quoting (labels may hold quotes):

- additions: ``ALTER TYPE ... ADD VALUE IF NOT EXISTS ...`` inside an autocommit block. A new
  value cannot be used in the transaction that added it (and before PostgreSQL 12 cannot be
  added inside one at all), so it is committed at once; ``IF NOT EXISTS`` keeps a re-run of a
  migration that failed later on harmless;
- a rename: ``ALTER TYPE ... RENAME VALUE``; rows and defaults follow by themselves;
- a rebuild: create ``<name>_new`` (or another free name), drop each column default, cast
  each column with ``USING col::text::<name>_new``, drop the old type, rename the new one,
  restore the defaults. Rows holding a value that the new type lacks make the cast fail,
  which stops the migration (a comment in the script says so); nothing is deleted or
  rewritten silently. A default whose value the new type lacks is not restored.

A default that the same migration changes on one of the type's columns is set by this op
(after the values change, in both directions), not by a separate ``alter_column``.

Indexes and constraints whose SQL holds a constant of the type (a partial index ``WHERE
status = 'new'``, a ``CHECK (status <> 'x')``) make the column cast fail (``operator does not
exist: status_new = status``): a rebuild drops them first and creates them again, from the
definition the database printed, once the new type has the old name. One that the same
migration drops for good (a changed or removed index or CHECK) is dropped by this op too, on
the side where it still exists, and made again by it on the downgrade: it is never dropped
or created twice.
"""

from __future__ import annotations

import re
from collections.abc import Container, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic.operations.ops import MigrateOperation

from .execute import execute_line, sql_literal


class EnumColumn(NamedTuple):
    """A table column typed with the enum (or an array of it), as the database has it.

    ``default`` is the column default before the change: SQL text as PostgreSQL prints it
    (``'a'::status``), or a model ``DefaultClause`` on the reversed op. When the same
    migration changes that default, the op takes the change over (``default_changes``):
    a default must be dropped and set around the type change anyway, and a separate
    ``alter_column`` would run on the wrong side of it in one direction (setting, on
    downgrade, a value that the type only gets back later).
    """

    schema: str | None  # None: the connection's default schema
    table: str
    column: str
    is_array: bool
    default: Any
    new_default: Any = None
    default_changes: bool = False

    def reversed(self) -> EnumColumn:
        if not self.default_changes:
            return self
        return self._replace(default=self.new_default, new_default=self.default)

    @property
    def final_default(self) -> Any:
        """The default the column has once the op ran."""
        return self.new_default if self.default_changes else self.default


class EnumDependent(NamedTuple):
    """An index or constraint whose SQL holds a constant of the enum type.

    ``definition`` is what the database prints for it: the whole ``CREATE INDEX`` statement
    (its table spelt ``printed_table``, schema-qualified), or a constraint's text after
    ``ADD CONSTRAINT <name>``.
    """

    kind: str  # "index" or "constraint"
    schema: str | None  # the table's schema; None: the connection's default schema
    table: str
    name: str
    definition: str
    printed_table: str = ""


class AddedValue(NamedTuple):
    """One ``ADD VALUE`` step: the value and its neighbour (``None``: append at the end)."""

    value: str
    before: str | None = None
    after: str | None = None


def added_values(old: Sequence[str], new: Sequence[str]) -> list[AddedValue] | None:
    """The ``ADD VALUE`` steps that turn ``old`` into ``new``; None if ``new`` is not that.

    Steps run in list order, so each one can name a neighbour that exists by then.
    """
    kept = [value for value in new if value in old]
    if kept != list(old) or len(new) == len(old):
        return None
    steps = []
    for index, value in enumerate(new):
        if value in old:
            continue
        if all(later not in old for later in new[index:]):
            steps.append(AddedValue(value))  # a tail of new values: plain appends
        elif index == 0:
            steps.append(AddedValue(value, before=old[0]))
        else:
            steps.append(AddedValue(value, after=new[index - 1]))
    return steps


def renamed_value(old: Sequence[str], new: Sequence[str]) -> tuple[str, str] | None:
    """``(old label, new label)`` when exactly one label changed in place; None otherwise."""
    if len(old) != len(new):
        return None
    changed = [(before, after) for before, after in zip(old, new, strict=True) if before != after]
    if len(changed) != 1:
        return None
    before, after = changed[0]
    if after in old or before in new:
        return None
    return before, after


#: PostgreSQL's identifier length limit, in bytes.
MAX_IDENTIFIER = 63


def free_temporary_name(name: str, taken: Container[str] = ()) -> str:
    """A name for the rebuilt type while the old one still exists: ``<name>_new``, or with
    a number when that is taken, cut to PostgreSQL's identifier length."""
    for attempt in range(100):
        suffix = "_new" if attempt == 0 else f"_new{attempt}"
        stem = name.encode()[: MAX_IDENTIFIER - len(suffix)].decode(errors="ignore")
        if stem + suffix not in taken:
            break
    return stem + suffix


class SyncEnumValuesOp(MigrateOperation):
    """Give the enum type ``schema.name`` the values ``new_values`` (it has ``old_values``)."""

    def __init__(
        self,
        schema: str | None,
        name: str,
        old_values: Sequence[str],
        new_values: Sequence[str],
        columns: Sequence[EnumColumn] = (),
        *,
        allow_rename: bool = True,
        temporary_name: str | None = None,
        dependents: Sequence[EnumDependent] = (),
        dropped_dependents: Sequence[EnumDependent] = (),
        created_dependents: Sequence[EnumDependent] = (),
    ) -> None:
        self.schema = schema
        self.name = name
        self.old_values = tuple(old_values)
        self.new_values = tuple(new_values)
        self.columns = tuple(columns)
        self.allow_rename = allow_rename
        self.temporary_name = temporary_name or free_temporary_name(name)
        #: Indexes and constraints on the type that exist before and after: a rebuild drops
        #: them first and creates them again.
        self.dependents = tuple(dependents)
        #: Those the migration drops for good: dropped first, whatever the plan.
        self.dropped_dependents = tuple(dropped_dependents)
        #: Those the migration brings back (the downgrade of a drop): created last.
        self.created_dependents = tuple(created_dependents)

    @property
    def additions(self) -> list[AddedValue] | None:
        """The ``ADD VALUE`` steps, when the change is only insertions."""
        return added_values(self.old_values, self.new_values)

    @property
    def rename(self) -> tuple[str, str] | None:
        """The single in-place rename, when the change is one and renames are allowed."""
        if not self.allow_rename:
            return None
        return renamed_value(self.old_values, self.new_values)

    @property
    def recreates_type(self) -> bool:
        """True when the type must be rebuilt and every column cast to the new one."""
        return self.additions is None and self.rename is None

    @property
    def removed_values(self) -> list[str]:
        """Values that rows must not hold for the cast to succeed."""
        if self.rename is not None:
            return []
        return [value for value in self.old_values if value not in self.new_values]

    @property
    def needs_review(self) -> bool:
        """A rebuild that drops values fails on rows holding them: the script says so."""
        return bool(self.removed_values and self.columns)

    def reverse(self) -> SyncEnumValuesOp:
        return SyncEnumValuesOp(
            self.schema,
            self.name,
            self.new_values,
            self.old_values,
            [column.reversed() for column in self.columns],
            allow_rename=self.allow_rename,
            temporary_name=self.temporary_name,
            dependents=self.dependents,
            dropped_dependents=self.created_dependents,
            created_dependents=self.dropped_dependents,
        )

    @property
    def dependents_to_drop(self) -> tuple[EnumDependent, ...]:
        """What the op drops before it changes the values."""
        kept = self.dependents if self.recreates_type else ()
        return kept + self.dropped_dependents

    @property
    def dependents_to_create(self) -> tuple[EnumDependent, ...]:
        """What the op creates once the values changed."""
        kept = self.dependents if self.recreates_type else ()
        return kept + self.created_dependents

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("sync_enum_values", self.schema, self.name, self.old_values, self.new_values)

    def describe(self) -> str:
        name = f"{self.schema}.{self.name}" if self.schema else self.name
        if self.additions is not None:
            added = ", ".join(repr(step.value) for step in self.additions)
            return f"add value {added} to enum type {name}"
        if self.rename is not None:
            return f"rename value {self.rename[0]!r} to {self.rename[1]!r} of enum type {name}"
        return f"change values of enum type {name}: {self.old_values!r} -> {self.new_values!r}"


# -- rendering ----------------------------------------------------------------------------------

#: A default that is one enum literal, as PostgreSQL prints it: ``'a'::status``.
_LITERAL_DEFAULT = re.compile(r"^'((?:[^']|'')*)'::")


class _Names:
    """Quoted, schema-qualified names for one op, from the dialect's identifier preparer."""

    def __init__(self, autogen_context: Any, op: SyncEnumValuesOp) -> None:
        self.autogen_context = autogen_context
        self.dialect = autogen_context.dialect
        self.preparer = self.dialect.identifier_preparer
        self.schema = op.schema
        self.type = self.qualified(op.schema, op.name)
        self.new_type = self.qualified(op.schema, op.temporary_name)
        self.bare_name = self.preparer.quote(op.name)

    def qualified(self, schema: str | None, name: str) -> str:
        quoted = self.preparer.quote(name)
        return f"{self.preparer.quote_schema(schema)}.{quoted}" if schema else quoted

    def column(self, column: EnumColumn) -> tuple[str, str]:
        return self.qualified(column.schema, column.table), self.preparer.quote(column.column)

    def execute(self, sql: str) -> str:
        return execute_line(self.autogen_context, sql)


def default_sql(default: Any, dialect: Any) -> str | None:
    """SQL text for ``SET DEFAULT``: reflected text as is, or a model ``DefaultClause``."""
    if default is None or isinstance(default, str):
        return default
    arg = default.arg
    if isinstance(arg, str):
        return sql_literal(arg)
    if isinstance(arg, sa.TextClause):
        return arg.text
    return str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _drop_dependent(names: _Names, dependent: EnumDependent) -> str:
    if dependent.kind == "index":
        return names.execute(f"DROP INDEX {names.qualified(dependent.schema, dependent.name)}")
    table = names.qualified(dependent.schema, dependent.table)
    return names.execute(
        f"ALTER TABLE {table} DROP CONSTRAINT {names.preparer.quote(dependent.name)}"
    )


def _create_dependent(names: _Names, dependent: EnumDependent) -> str:
    table = names.qualified(dependent.schema, dependent.table)
    if dependent.kind != "index":
        name = names.preparer.quote(dependent.name)
        return names.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {dependent.definition}")
    # The printed statement names the table schema-qualified (and ``ONLY`` for a partitioned
    # one, whose partitions' indexes went with it): the table is written as the script
    # writes every other name, and the index made on the partitions too.
    sql = dependent.definition
    for printed in (f" ON ONLY {dependent.printed_table} ", f" ON {dependent.printed_table} "):
        if printed in sql:
            sql = sql.replace(printed, f" ON {table} ", 1)
            break
    return names.execute(sql)


def _around_dependents(names: _Names, op: SyncEnumValuesOp, lines: list[str]) -> list[str]:
    """``lines``, with the op's dependent indexes and constraints dropped before them and
    created after them."""
    return (
        [_drop_dependent(names, dependent) for dependent in op.dependents_to_drop]
        + lines
        + [_create_dependent(names, dependent) for dependent in op.dependents_to_create]
    )


def _render_additions(names: _Names, op: SyncEnumValuesOp) -> list[str]:
    lines = ["with op.get_context().autocommit_block():"]
    for step in op.additions or ():
        sql = f"ALTER TYPE {names.type} ADD VALUE IF NOT EXISTS {sql_literal(step.value)}"
        if step.before is not None:
            sql += f" BEFORE {sql_literal(step.before)}"
        elif step.after is not None:
            sql += f" AFTER {sql_literal(step.after)}"
        lines.append(names.execute(sql))
    lines.append("")
    return lines


def _render_rename(names: _Names, before: str, after: str) -> list[str]:
    sql = f"ALTER TYPE {names.type} RENAME VALUE {sql_literal(before)} TO {sql_literal(after)}"
    return [names.execute(sql)]


def _set_default(names: _Names, column: EnumColumn, default: str | None) -> str:
    table, col = names.column(column)
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return names.execute(f"ALTER TABLE {table} ALTER COLUMN {col} {action}")


def _restorable(column: EnumColumn, default: str, values: tuple[str, ...]) -> bool:
    # A default naming one value survives only if the new type has that value; any other
    # expression (an array literal, a function) is restored as it was, and fails loudly if it
    # no longer makes sense.
    match = None if column.is_array else _LITERAL_DEFAULT.match(default)
    return match is None or match.group(1).replace("''", "'") in values


def _render_default_changes(names: _Names, op: SyncEnumValuesOp) -> list[str]:
    # After ADD VALUE or RENAME VALUE the columns are untouched: only the defaults this op
    # took over from alter_column are set.
    return [
        _set_default(names, column, default_sql(column.new_default, names.dialect))
        for column in op.columns
        if column.default_changes
    ]


def _render_rebuild(names: _Names, op: SyncEnumValuesOp) -> list[str]:
    lines = []
    if op.removed_values and op.columns:
        removed = ", ".join(sql_literal(value) for value in op.removed_values)
        lines.append(f"# rows holding {removed} make a cast below fail: change them first")
    labels = ", ".join(sql_literal(value) for value in op.new_values)
    lines.append(names.execute(f"CREATE TYPE {names.new_type} AS ENUM ({labels})"))
    restore = []
    for column in op.columns:
        table, col = names.column(column)
        array = "[]" if column.is_array else ""
        if column.default is not None:
            lines.append(_set_default(names, column, None))
        final = default_sql(column.final_default, names.dialect)
        if final is not None and _restorable(column, final, op.new_values):
            restore.append(_set_default(names, column, final))
        lines.append(
            names.execute(
                f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {names.new_type}{array} "
                f"USING {col}::text{array}::{names.new_type}{array}"
            )
        )
    lines.append(names.execute(f"DROP TYPE {names.type}"))
    lines.append(names.execute(f"ALTER TYPE {names.new_type} RENAME TO {names.bare_name}"))
    return lines + restore


def render_sync_enum_values(autogen_context: Any, op: SyncEnumValuesOp) -> list[str]:
    """The migration lines for one enum type's change of values."""
    names = _Names(autogen_context, op)
    if op.additions is not None:
        lines = _render_additions(names, op) + _render_default_changes(names, op)
    elif op.rename is not None:
        lines = _render_rename(names, *op.rename) + _render_default_changes(names, op)
    else:
        lines = _render_rebuild(names, op)
    return _around_dependents(names, op, lines)


RENDERERS = {SyncEnumValuesOp: render_sync_enum_values}
