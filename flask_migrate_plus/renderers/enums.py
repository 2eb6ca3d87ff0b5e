"""Python text for :class:`SyncEnumValuesOp`: plain ``op.execute`` calls with PostgreSQL DDL.

The script must run without flask-migrate-plus installed, so the op becomes SQL text, built
here with the dialect's identifier quoting and standard literal quoting (labels may hold
quotes). ``op.execute`` wraps a string in ``text()``, which would read ``:word`` as a bind
parameter: such colons are escaped the way ``text()`` expects (``\\:``).

What the generated code does, per plan (see ``comparators/enum_values.py``):

- additions: ``ALTER TYPE ... ADD VALUE IF NOT EXISTS ...`` inside an autocommit block. A new
  value cannot be used in the transaction that added it (and before PostgreSQL 12 cannot be
  added inside one at all), so it is committed at once; ``IF NOT EXISTS`` keeps a re-run of a
  migration that failed later on harmless;
- a rename: ``ALTER TYPE ... RENAME VALUE``; rows and defaults follow by themselves;
- a rebuild: create ``<name>_new`` (or another free name), drop each column default, cast
  each column with ``USING col::text::<name>_new``, drop the old type, rename the new one,
  restore the defaults. Rows holding a value that the new type lacks make the cast fail,
  which stops the migration (a comment in the script says so); nothing is deleted or
  rewritten silently.
  A default whose value the new type lacks is not restored (it could not be).

A default that the same migration changes on one of the type's columns is set by this op
(after the values change, in both directions), not by a separate ``alter_column``.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from ..comparators.enum_values import EnumColumn, SyncEnumValuesOp

#: What ``text()`` takes for a bind parameter (a colon, a word, no colon or word around it).
_BIND_LIKE = re.compile(r"(?<![:\w\\]):\w+(?![:\w])")
#: A default that is one enum literal, as PostgreSQL prints it: ``'a'::status``.
_LITERAL_DEFAULT = re.compile(r"^'((?:[^']|'')*)'::")


def sql_literal(value: str) -> str:
    """A standard SQL string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _execute(sql: str) -> str:
    safe = _BIND_LIKE.sub(lambda match: "\\" + match.group(0), sql)
    return f"op.execute({safe!r})"


class _Names:
    """Quoted, schema-qualified names for one op, from the dialect's identifier preparer."""

    def __init__(self, autogen_context: Any, op: SyncEnumValuesOp) -> None:
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


def _render_additions(names: _Names, op: SyncEnumValuesOp) -> list[str]:
    lines = ["with op.get_context().autocommit_block():"]
    for step in op.additions or ():
        sql = f"ALTER TYPE {names.type} ADD VALUE IF NOT EXISTS {sql_literal(step.value)}"
        if step.before is not None:
            sql += f" BEFORE {sql_literal(step.before)}"
        elif step.after is not None:
            sql += f" AFTER {sql_literal(step.after)}"
        lines.append(_execute(sql))
    lines.append("")
    return lines


def _render_rename(names: _Names, before: str, after: str) -> list[str]:
    sql = f"ALTER TYPE {names.type} RENAME VALUE {sql_literal(before)} TO {sql_literal(after)}"
    return [_execute(sql)]


def _set_default(names: _Names, column: EnumColumn, default: str | None) -> str:
    table, col = names.column(column)
    action = "DROP DEFAULT" if default is None else f"SET DEFAULT {default}"
    return _execute(f"ALTER TABLE {table} ALTER COLUMN {col} {action}")


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
    lines.append(_execute(f"CREATE TYPE {names.new_type} AS ENUM ({labels})"))
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
            _execute(
                f"ALTER TABLE {table} ALTER COLUMN {col} TYPE {names.new_type}{array} "
                f"USING {col}::text{array}::{names.new_type}{array}"
            )
        )
    lines.append(_execute(f"DROP TYPE {names.type}"))
    lines.append(_execute(f"ALTER TYPE {names.new_type} RENAME TO {names.bare_name}"))
    return lines + restore


def render_sync_enum_values(autogen_context: Any, op: SyncEnumValuesOp) -> list[str]:
    """The migration lines for one enum type's change of values."""
    names = _Names(autogen_context, op)
    if op.additions is not None:
        return _render_additions(names, op) + _render_default_changes(names, op)
    if op.rename is not None:
        return _render_rename(names, *op.rename) + _render_default_changes(names, op)
    return _render_rebuild(names, op)
