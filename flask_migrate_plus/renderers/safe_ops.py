"""Operations the ``flask_migrate_plus.scripts`` plugin adds to a script, and how they render.

All of them render as plain ``op.*`` / ``sa.*`` code or as comments, so a script never imports
this package:

- a *noted* op is any Alembic op with comment lines written just above it (``# drops table
  t and every row in it``); it stays an instance of its Alembic class, so every other rewriter
  and ``describe.py`` still recognise it;
- an :class:`ImpliedOp` is an op another op of the script already performs (an index goes
  with its table): it renders as a comment only, and reverses into the real op;
- :func:`goes_with_table` marks an op on a new table (its indexes) whose reverse the
  ``drop_table`` performs (MariaDB refuses to drop an index that backs a foreign key);
- :class:`EnumTypeOp` creates or drops a PostgreSQL enum type around the tables using it;
- :class:`TemporaryDefaultOp` removes the server default that filled a new NOT NULL column;
- :class:`ConventionBatchOps` is a batch block that names SQLite's unnamed constraints.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from alembic.operations import ops

_NOTED_CLASSES: dict[type, type] = {}


class NotedOp:
    """Mixin for an op written with comment lines above it (see :func:`with_notes`)."""

    notes: tuple[str, ...] = ()
    plain_class: type = ops.MigrateOperation


def with_notes(op: Any, *notes: str) -> Any:
    """A copy of ``op`` that renders ``notes`` as comments just above itself.

    The copy's class is a subclass of the op's own class, so ``isinstance`` checks, reverse
    and diff tuples behave exactly as before; only the text gains the comments.
    """
    plain = op.plain_class if isinstance(op, NotedOp) else type(op)
    cls = _NOTED_CLASSES.get(plain)
    if cls is None:
        cls = type(f"Noted{plain.__name__}", (NotedOp, plain), {"plain_class": plain})
        _NOTED_CLASSES[plain] = cls
    noted = copy.copy(op)
    noted.__class__ = cls
    noted.notes = (*getattr(op, "notes", ()), *notes)
    return noted


class ImpliedOp(ops.MigrateOperation):
    """An op that another op of the same script performs; written as a comment only."""

    def __init__(self, op: ops.MigrateOperation, note: str, summary: str | None = None) -> None:
        self.op = op
        self.note = note
        self.summary = summary or note

    def reverse(self) -> ops.MigrateOperation:
        return self.op.reverse()

    def to_diff_tuple(self) -> Any:
        return self.op.to_diff_tuple()

    def describe(self) -> str:
        return self.summary


class GoesWithTableOp:
    """Mixin for an op on a table the script creates: its reverse is the table's drop."""

    table_note: str = ""

    def reverse(self) -> ops.MigrateOperation:
        return ImpliedOp(super().reverse(), self.table_note)  # type: ignore[misc]


_WITH_TABLE_CLASSES: dict[type, type] = {}


def goes_with_table(op: Any, note: str) -> Any:
    """A copy of ``op`` whose reverse is only a comment saying ``note``.

    For the indexes of a new table: ``drop_table`` removes them on downgrade, and MariaDB
    refuses to drop one that backs a foreign key, so they are not dropped one by one.
    """
    plain = type(op)
    cls = _WITH_TABLE_CLASSES.get(plain)
    if cls is None:
        cls = type(f"WithTable{plain.__name__}", (GoesWithTableOp, plain), {})
        _WITH_TABLE_CLASSES[plain] = cls
    made = copy.copy(op)
    made.__class__ = cls
    made.table_note = note
    return made


class EnumTypeOp(ops.MigrateOperation):
    """Create or drop a PostgreSQL enum type; ``implicit`` when ``create_table`` does it."""

    def __init__(
        self,
        name: str,
        schema: str | None,
        values: Sequence[str],
        *,
        create: bool,
        implicit: bool = False,
    ) -> None:
        self.name = name
        self.schema = schema
        self.values = tuple(values)
        self.create = create
        self.implicit = implicit

    def reverse(self) -> EnumTypeOp:
        return EnumTypeOp(self.name, self.schema, self.values, create=not self.create)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("add_enum_type" if self.create else "remove_enum_type", self.schema, self.name)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def describe(self) -> str:
        if self.create:
            return f"create enum type {self.qualified_name} {self.values!r}"
        return f"drop enum type {self.qualified_name} (no column uses it any more)"


class TemporaryDefaultOp(ops.AlterColumnOp):
    """Remove the server default that gave a new NOT NULL column its value in existing rows."""

    def describe(self) -> str:
        table = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        value = getattr(self.existing_server_default, "arg", self.existing_server_default)
        return (
            f"existing rows of {table}.{self.column_name} get "
            f"{getattr(value, 'text', value)}, the model's default"
        )


class ConventionBatchOps(ops.ModifyTableOps):
    """A table's batch block that names the database's unnamed constraints while it works.

    SQLite keeps foreign keys and unique constraints without a name; batch mode can only
    drop one by name, and its ``naming_convention`` argument gives the reflected ones
    names (Alembic's documented recipe) that ``drop_constraint`` then uses.
    """

    naming_convention: dict[str, str] = {}

    @classmethod
    def from_container(
        cls, container: ops.ModifyTableOps, convention: dict[str, str]
    ) -> ConventionBatchOps:
        made = cls(container.table_name, container.ops, schema=container.schema)
        made.naming_convention = dict(convention)
        return made


# -- rendering ------------------------------------------------------------------------------


def _comment_lines(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines()]


def render_noted(autogen_context: Any, op: NotedOp) -> list[str]:
    """The notes as comments, then the op exactly as its own renderer writes it."""
    from alembic.autogenerate.render import renderers
    from alembic.util import to_list

    plain_renderer = renderers.dispatch(op.plain_class, autogen_context.dialect.name)
    lines = [line for note in op.notes for line in _comment_lines(note)]
    return lines + list(to_list(plain_renderer(autogen_context, op)))


def render_implied(autogen_context: Any, op: ImpliedOp) -> list[str]:
    return _comment_lines(op.note)


def render_enum_type(autogen_context: Any, op: EnumTypeOp) -> list[str]:
    """``sa.Enum(...).create/drop(op.get_bind(), checkfirst=True)``: plain, idempotent code."""
    if op.implicit:
        return _comment_lines(f"enum type {op.qualified_name} is created by create_table below")
    prefix = autogen_context.opts.get("alembic_module_prefix") or "op."
    args = [repr(value) for value in op.values] if op.create else []
    args.append(f"name={op.name!r}")
    if op.schema:
        args.append(f"schema={op.schema!r}")
    action = "create" if op.create else "drop"
    return [f"sa.Enum({', '.join(args)}).{action}({prefix}get_bind(), checkfirst=True)"]


def render_convention_batch(autogen_context: Any, op: ConventionBatchOps) -> list[str]:
    """Alembic's batch block, with ``naming_convention=`` passed to ``batch_alter_table``."""
    from alembic.autogenerate.render import render_op

    if not autogen_context.opts.get("render_as_batch", False):
        return [line for child in op.ops for line in render_op(autogen_context, child)]
    with autogen_context._within_batch():
        lines = [
            f"with op.batch_alter_table({op.table_name!r}, schema={op.schema!r}, "
            f"naming_convention={op.naming_convention!r}) as batch_op:"
        ]
        for child in op.ops:
            lines += render_op(autogen_context, child)
    return [*lines, ""]


def register_renderers() -> None:
    """Install the renderers; imported late, as ``alembic.autogenerate`` may be loading."""
    from alembic.autogenerate.render import renderers

    renderers.dispatch_for(NotedOp, replace=True)(render_noted)
    renderers.dispatch_for(ImpliedOp, replace=True)(render_implied)
    renderers.dispatch_for(EnumTypeOp, replace=True)(render_enum_type)
    renderers.dispatch_for(ConventionBatchOps, replace=True)(render_convention_batch)
