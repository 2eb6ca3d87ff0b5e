"""Renames that keep the data: a table, a column, and the objects named after them.

Alembic has ``rename_table`` and ``alter_column(new_column_name=...)`` but autogenerate never
writes them: its ``RenameTableOp`` has no ``reverse()`` and no renderer, and
``AlterColumnOp.reverse()`` forgets the new name. The ops here carry both directions.

- :class:`RenameTableOp`: ``op.rename_table(old, new)``;
- :class:`RenameColumnOp`: ``alter_column(table, old, new_column_name=new)`` with every
  ``existing_*`` attribute, which MySQL/MariaDB need (``CHANGE COLUMN`` restates the column);
- :class:`RenameObjectOp`: an index, constraint or sequence named after the old name, given
  the new one in place (PostgreSQL ``ALTER ... RENAME``, MariaDB ``RENAME INDEX``). Where a
  server cannot rename an object the script drops and re-creates it instead.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from .execute import execute_line, module_prefix


def _where(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


class RenameTableOp(ops.RenameTableOp):
    """``op.rename_table(old, new)``, reversible."""

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("rename_table", self.schema, self.table_name, self.new_table_name)

    def describe(self) -> str:
        return (f"rename table {_where(self.schema, self.table_name)} to "
                f"{self.new_table_name}, its rows kept")


class SetTableSchemaOp(ops.MigrateOperation):
    """``ALTER TABLE ... SET SCHEMA``: a table moved to another schema (PostgreSQL), its
    indexes, constraints and owned sequences with it."""

    def __init__(self, table_name: str, schema: str | None, new_schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema
        self.new_schema = new_schema

    def reverse(self) -> SetTableSchemaOp:
        return SetTableSchemaOp(self.table_name, self.new_schema, self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("set_table_schema", self.schema, self.table_name, self.new_schema)

    def describe(self) -> str:
        return (f"move table {_where(self.schema, self.table_name)} to schema "
                f"{self.new_schema}, its rows kept")


class RenameColumnOp(ops.AlterColumnOp):
    """``alter_column(..., new_column_name=...)``, reversible; rendered by Alembic's own
    ``alter_column`` renderer."""

    def reverse(self) -> RenameColumnOp:
        back = super().reverse()  # every existing_* / modify_* swapped, the names not
        assert isinstance(back, RenameColumnOp) and self.modify_name is not None
        back.column_name, back.modify_name = self.modify_name, self.column_name
        return back

    def has_changes(self) -> bool:
        return True

    def to_diff_tuple(self) -> Any:
        return [("rename_column", self.schema, self.table_name, self.column_name,
                 self.modify_name), *super().to_diff_tuple()]

    def describe(self) -> str:
        return (f"rename column {_where(self.schema, self.table_name)}.{self.column_name} "
                f"to {self.modify_name}, its data kept")


#: The statement renaming one kind of object, by dialect; ``{table}``, ``{old}``, ``{new}``
#: are quoted names (``{table}`` and ``{old}`` schema-qualified where the server wants it).
RENAME_SQL: dict[tuple[str, str], str] = {
    ("postgresql", "index"): "ALTER INDEX {old} RENAME TO {new}",
    ("postgresql", "constraint"): "ALTER TABLE {table} RENAME CONSTRAINT {old_bare} TO {new}",
    ("postgresql", "sequence"): "ALTER SEQUENCE {old} RENAME TO {new}",
    ("postgresql", "type"): "ALTER TYPE {old} RENAME TO {new}",
    ("mysql", "index"): "ALTER TABLE {table} RENAME INDEX {old_bare} TO {new}",
    ("mariadb", "index"): "ALTER TABLE {table} RENAME INDEX {old_bare} TO {new}",
}


def can_rename(dialect: str, kind: str) -> bool:
    """Whether :data:`RENAME_SQL` has a statement for ``kind`` on ``dialect``."""
    return (dialect, kind) in RENAME_SQL


class RenameObjectOp(ops.MigrateOperation):
    """An index, constraint, sequence or enum type of ``table`` renamed in place.

    ``kind`` is ``"index"``, ``"constraint"``, ``"sequence"`` or ``"type"`` (a unique
    constraint is an index on MariaDB). ``table`` is the table's name when the statement
    runs; ``schema`` is where the object is.
    """

    def __init__(self, kind: str, table_name: str, old_name: str, new_name: str, *,
                 schema: str | None = None) -> None:
        self.kind = kind
        self.table_name = table_name
        self.old_name = old_name
        self.new_name = new_name
        self.schema = schema

    def reverse(self) -> RenameObjectOp:
        return RenameObjectOp(self.kind, self.table_name, self.new_name, self.old_name,
                              schema=self.schema)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (f"rename_{self.kind}", self.schema, self.table_name, self.old_name,
                self.new_name)

    def describe(self) -> str:
        return (f"rename {self.kind} {self.old_name} of {_where(self.schema, self.table_name)} "
                f"to {self.new_name}")


def rename_object_sql(dialect: Any, op: RenameObjectOp) -> str:
    """The statement of ``op`` on ``dialect``, names quoted by the dialect's rules."""
    preparer = dialect.identifier_preparer
    schema = f"{preparer.quote_schema(op.schema)}." if op.schema else ""
    return RENAME_SQL[(dialect.name, op.kind)].format(
        table=schema + preparer.quote(op.table_name),
        old=schema + preparer.quote(op.old_name),
        old_bare=preparer.quote(op.old_name),
        new=preparer.quote(op.new_name),
    )


def render_set_table_schema(autogen_context: Any, op: SetTableSchemaOp) -> str:
    preparer = autogen_context.dialect.identifier_preparer
    schema = op.schema or autogen_context.dialect.default_schema_name
    new_schema = op.new_schema or autogen_context.dialect.default_schema_name
    return execute_line(autogen_context, (
        f"ALTER TABLE {preparer.quote_schema(schema)}.{preparer.quote(op.table_name)} "
        f"SET SCHEMA {preparer.quote_schema(new_schema)}"
    ))


def render_rename_table(autogen_context: Any, op: RenameTableOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return (f"{module_prefix(autogen_context)}rename_table({op.table_name!r}, "
            f"{op.new_table_name!r}{schema})")


def render_rename_object(autogen_context: Any, op: RenameObjectOp) -> str:
    return execute_line(autogen_context, rename_object_sql(autogen_context.dialect, op))


RENDERERS = {
    RenameTableOp: render_rename_table,
    RenameObjectOp: render_rename_object,
    SetTableSchemaOp: render_set_table_schema,
}
