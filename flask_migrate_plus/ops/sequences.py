"""PostgreSQL sequences: their resolved state, ``ALTER SEQUENCE``, and the option SQL that
identity columns share.

Creating and dropping a standalone sequence is a prerequisite object (``objects.Sequence``);
changing its options is :class:`AlterSequenceOp`. The SQL has no ``op.*`` equivalent, so it
is written with the dialect's identifier quoting and emitted through ``op.execute``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from alembic.operations.ops import MigrateOperation

from .execute import do_block, execute_line, sql_literal


@dataclass(frozen=True)
class SequenceState:
    """A standalone sequence: name, schema, resolved options and the server's defaults."""

    name: str
    schema: str | None
    options: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)


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

    def describe(self) -> str:
        name = f"{self.after.schema}.{self.after.name}" if self.after.schema else self.after.name
        changes = ", ".join(
            f"{key} {self.before.options.get(key)} -> {value}"
            for key, value in self.after.options.items()
            if self.before.options.get(key) != value
        )
        return f"change sequence {name}: {changes}"


#: How each identity / sequence option is spelled in PostgreSQL DDL.
PG_OPTION_SQL: dict[str, Callable[[Any], str]] = {
    "data_type": lambda value: f"AS {value}",
    "increment": lambda value: f"INCREMENT BY {int(value)}",
    "minvalue": lambda value: f"MINVALUE {int(value)}",
    "maxvalue": lambda value: f"MAXVALUE {int(value)}",
    "start": lambda value: f"START WITH {int(value)}",
    "cache": lambda value: f"CACHE {int(value)}",
    "cycle": lambda value: "CYCLE" if value else "NO CYCLE",
}


def option_clauses(options: dict[str, Any], skip: dict[str, Any]) -> list[str]:
    """SQL clauses for ``options`` whose value differs from ``skip``, in a fixed order."""
    return [
        spell(options[key])
        for key, spell in PG_OPTION_SQL.items()
        if key in options and options[key] != skip.get(key, object())
    ]


def qualified(autogen_context: Any, name: str, schema: str | None) -> str:
    """``schema.name`` quoted by the dialect's rules."""
    preparer = autogen_context.dialect.identifier_preparer
    quoted = preparer.quote(name)
    return f"{preparer.quote_schema(schema)}.{quoted}" if schema else quoted


def into_new_range(sequence: str, before: Any, after: Any) -> list[str]:
    """Move a sequence (an identity's, or a standalone one) forward into a narrowed range.

    PostgreSQL refuses a MINVALUE above the sequence's current value (a MAXVALUE below it,
    counting down). Where the bound at the start of the range passes that value, the
    sequence goes forward to the bound, not yet used; a value inside the new range is left
    alone. The other bound is not moved: going back would hand out numbers already used.
    ``before`` and ``after`` are states with resolved ``options``.
    """
    ascending = int(after.options.get("increment", 1)) > 0
    key, outside = ("minvalue", "<") if ascending else ("maxvalue", ">")
    new, old = after.options.get(key), before.options.get(key)
    if new is None or old is None or new == old or (new < old) == ascending:
        return []
    # last_value is read from the sequence itself: it holds the start while never used.
    return [do_block(
        f"DECLARE s regclass := {sequence}; v bigint; "
        f"BEGIN EXECUTE 'SELECT last_value FROM ' || s INTO v; "
        f"IF v {outside} {int(new)} THEN PERFORM setval(s, {int(new)}, false); END IF; END"
    )]


def sequence_constructor(state: SequenceState, with_options: bool = True) -> str:
    """``sa.Sequence('name', <options that differ from the defaults>, schema=...)``."""
    args = [repr(state.name)]
    for key, value in (state.options.items() if with_options else ()):
        if value == state.defaults.get(key, object()):
            continue
        if key == "data_type":
            args.append(f"data_type=sa.{value}()")
        else:
            args.append(f"{key}={value!r}")
    if state.schema is not None:
        args.append(f"schema={state.schema!r}")
    return f"sa.Sequence({', '.join(args)})"


def render_alter_sequence(autogen_context: Any, op: AlterSequenceOp) -> list[str]:
    name = qualified(autogen_context, op.after.name, op.after.schema)
    clauses = option_clauses(op.after.options, op.before.options)
    statements = into_new_range(sql_literal(name), op.before, op.after)
    statements.append(f"ALTER SEQUENCE {name} {' '.join(clauses)}")
    return [execute_line(autogen_context, sql) for sql in statements]


RENDERERS = {AlterSequenceOp: render_alter_sequence}
