"""A generated (``Computed``) column made plain, or a plain column made generated.

Alembic only warns ("Computed default ... cannot be modified") and writes nothing. Some
servers convert such a column in place, keeping its values:

- PostgreSQL 13 and later: ``ALTER TABLE ... ALTER COLUMN ... DROP EXPRESSION`` makes a
  STORED generated column plain; the values it held stay. There is no statement for the
  other way;
- MySQL and MariaDB: ``ALTER TABLE ... MODIFY <column definition>`` turns a STORED generated
  column into a plain one (values kept) and a plain column into a STORED generated one
  (values computed). VIRTUAL columns hold no values and cannot be converted that way.

:class:`ConvertGeneratedColumnOp` is a conversion that runs in place in at least one
direction. The other direction drops the column and adds it again: its indexes are dropped
first and made again after (the ``DROP COLUMN`` takes them, or on MariaDB shrinks them).
A conversion that runs in place in neither direction (SQLite, VIRTUAL columns) is not this
op but Alembic's own ``drop_column`` / ``add_column``.

The op renders as ``op.execute`` or as ``op.drop_column`` / ``op.add_column`` with the table
named, so it never sits inside a batch block (the ``raw_sql`` rewrite pass takes it out).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from .execute import comment_lines, execute_line
from .sequences import qualified


def _generated_text(column: sa.Column[Any]) -> str | None:
    computed = column.computed
    return None if computed is None else str(computed.sqltext)


class ConvertGeneratedColumnOp(ops.MigrateOperation):
    """Make column ``column_name`` go from ``before`` to ``after``: one of them generated.

    ``in_place`` says whether the server converts it keeping its values (this direction),
    ``reverse_in_place`` the same for the way back; ``indexes`` are the column's indexes,
    dropped and made again where the column is dropped and added instead.
    """

    #: Rendered as ``op.*`` calls that run at once: never inside a batch block.
    raw_sql_dialects = None

    def __init__(
        self,
        table_name: str,
        column_name: str,
        schema: str | None,
        before: sa.Column[Any],
        after: sa.Column[Any],
        *,
        in_place: bool,
        reverse_in_place: bool,
        indexes: Sequence[sa.Index] = (),
    ) -> None:
        self.table_name = table_name
        self.column_name = column_name
        self.schema = schema
        self.before = before
        self.after = after
        self.in_place = in_place
        self.reverse_in_place = reverse_in_place
        self.indexes = tuple(indexes)

    @property
    def to_plain(self) -> bool:
        return self.after.computed is None

    @property
    def value_note(self) -> str | None:
        """What happens to the column's values, when they do not simply stay."""
        where = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        where += f".{self.column_name}"
        if not self.to_plain:
            return f"column {where} becomes generated: its values are replaced by computed ones"
        if not self.in_place:
            return f"column {where} becomes plain: it is dropped and added again, empty"
        return None

    def reverse(self) -> ConvertGeneratedColumnOp:
        return ConvertGeneratedColumnOp(
            self.table_name, self.column_name, self.schema, self.after, self.before,
            in_place=self.reverse_in_place, reverse_in_place=self.in_place,
            indexes=self.indexes,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("convert_generated_column", self.schema, self.table_name, self.column_name,
                _generated_text(self.before), _generated_text(self.after))

    def describe(self) -> str:
        where = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        where += f".{self.column_name}"
        if self.to_plain:
            kept = " (values kept)" if self.in_place else ""
            return f"make generated column {where} plain{kept}"
        return f"make column {where} generated as {_generated_text(self.after)}"


# -- rendering ----------------------------------------------------------------------------------


def _ddl_text(text: str | None, dialect: Any) -> str | None:
    """Compiled DDL as the server must receive it: ``op.execute`` escapes ``%`` itself, so
    the compiler's escaping for the DBAPI is undone."""
    if text is not None and getattr(dialect.identifier_preparer, "_double_percents", False):
        text = text.replace("%%", "%")
    return text


def _drop_expression(autogen_context: Any, op: ConvertGeneratedColumnOp) -> list[str]:
    """PostgreSQL: the column keeps its values; the model's default, if any, is set after."""
    dialect = autogen_context.dialect
    table = qualified(autogen_context, op.table_name, op.schema)
    column = dialect.identifier_preparer.quote(op.column_name)
    head = f"ALTER TABLE {table} ALTER COLUMN {column}"
    lines = [execute_line(autogen_context, f"{head} DROP EXPRESSION")]
    compiler = dialect.ddl_compiler(dialect, None)
    default = _ddl_text(compiler.get_column_default_string(op.after), dialect)
    if default is not None:
        lines.append(execute_line(autogen_context, f"{head} SET DEFAULT {default}"))
    return lines


def _modify(autogen_context: Any, op: ConvertGeneratedColumnOp) -> list[str]:
    """MySQL/MariaDB: the column restated whole, as its new definition says."""
    dialect = autogen_context.dialect
    table = qualified(autogen_context, op.table_name, op.schema)
    spec = _ddl_text(dialect.ddl_compiler(dialect, None).get_column_specification(op.after),
                     dialect)
    return [execute_line(autogen_context, f"ALTER TABLE {table} MODIFY {spec}")]


#: How each dialect converts a column in place.
_IN_PLACE_RENDERERS = {
    "postgresql": _drop_expression,
    "mysql": _modify,
    "mariadb": _modify,
}


def _replace(autogen_context: Any, op: ConvertGeneratedColumnOp) -> list[str]:
    """Drop the column (its indexes first) and add it as ``after`` says (indexes after)."""
    from alembic.autogenerate.render import render_op

    steps: list[ops.MigrateOperation] = [ops.DropIndexOp.from_index(ix) for ix in op.indexes]
    steps += [
        ops.DropColumnOp.from_column_and_tablename(op.schema, op.table_name, op.before),
        ops.AddColumnOp.from_column_and_tablename(op.schema, op.table_name, op.after),
    ]
    steps += [ops.CreateIndexOp.from_index(ix) for ix in op.indexes]
    return [line for step in steps for line in render_op(autogen_context, step)]


def render_convert_generated_column(
    autogen_context: Any, op: ConvertGeneratedColumnOp
) -> list[str]:
    """The lines for one conversion, with a comment when values do not simply stay."""
    note = op.value_note
    lines = [] if note is None else comment_lines(note)
    if op.in_place:
        return lines + _IN_PLACE_RENDERERS[autogen_context.dialect.name](autogen_context, op)
    return lines + _replace(autogen_context, op)


RENDERERS = {ConvertGeneratedColumnOp: render_convert_generated_column}
