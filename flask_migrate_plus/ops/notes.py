"""Ops that carry words for the reviewer, or that another op already performs.

- a *noted* op is any Alembic op with comment lines written just above it (``# drops table
  t and every row in it``); it stays an instance of its Alembic class, so every rewrite pass
  and ``describe`` still recognise it;
- an :class:`ImpliedOp` is an op another op of the script already performs (an index goes
  with its table): it renders as a comment only, and reverses into the real op;
- :func:`goes_with_table` marks an op on a new table (its indexes) whose reverse the
  ``drop_table`` performs (MariaDB refuses to drop an index that backs a foreign key).
"""

from __future__ import annotations

import copy
from typing import Any

from alembic.operations import ops

from .execute import comment_lines

_NOTED_CLASSES: dict[type, type] = {}
_WITH_TABLE_CLASSES: dict[type, type] = {}


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

    runs_sql = False  # nothing runs: no SQLite batch rebuild for it (``schema.batch``)

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


def goes_with_table(op: Any, note: str) -> Any:
    """A copy of ``op`` whose reverse is only a comment saying ``note``."""
    plain = type(op)
    cls = _WITH_TABLE_CLASSES.get(plain)
    if cls is None:
        cls = type(f"WithTable{plain.__name__}", (GoesWithTableOp, plain), {})
        _WITH_TABLE_CLASSES[plain] = cls
    made = copy.copy(op)
    made.__class__ = cls
    made.table_note = note
    return made


class HeaderOp(ops.MigrateOperation):
    """Comment lines opening ``upgrade()`` / ``downgrade()``: who wrote the commands and which
    of them need a reviewer's eye. Added once the script's ops are final."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("header",)


def needs_review(op: Any) -> bool:
    """An op written with a warning comment above it, or one that says it needs a look."""
    return isinstance(op, NotedOp) or bool(getattr(op, "needs_review", False))


def render_noted(autogen_context: Any, op: NotedOp) -> list[str]:
    """The notes as comments, then the op exactly as its own renderer writes it."""
    from alembic.autogenerate.render import renderers
    from alembic.util import to_list

    plain_renderer = renderers.dispatch(op.plain_class, autogen_context.dialect.name)
    lines = [line for note in op.notes for line in comment_lines(note)]
    return lines + list(to_list(plain_renderer(autogen_context, op)))


def render_implied(autogen_context: Any, op: ImpliedOp) -> list[str]:
    return comment_lines(op.note)


def render_header(autogen_context: Any, op: HeaderOp) -> list[str]:
    return list(op.lines)


RENDERERS = {NotedOp: render_noted, ImpliedOp: render_implied, HeaderOp: render_header}
