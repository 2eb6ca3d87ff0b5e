"""The DDL an application attaches to a table, written next to the table's ``create_table``.

``create_all`` runs a table's ``before_create`` / ``after_create`` DDL listeners around its
``CREATE TABLE``; a script that creates the table runs them at the same place, so the first
upgrade builds what ``create_all`` builds. :class:`TableDDLOp` holds the statements of one
table and event; its reverse, :class:`UndoTableDDLOp`, drops what they created where that
can be told from the statement (``DROP INDEX`` / ``DROP TRIGGER`` / ``DROP FUNCTION`` ... of
the created name) and leaves a comment to review where it cannot.

A listener limited to some dialects (``execute_if(dialect=...)``) is written under the same
condition, as an ``if`` on the dialect the script runs on, exactly the test ``create_all``
makes. A condition given as a Python callable cannot be written: the statement stays in the
script as a comment to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.operations.ops import MigrateOperation

from ..schema.table_ddl import Statement, argument_types, name_parts, names_match
from .execute import comment_lines, execute_line, execute_lines, module_prefix

#: Reverse of a created kind that is simply dropped by name: ``DROP <words> IF EXISTS``.
DROPPED_BY_NAME = {"view": "VIEW", "materialized view": "MATERIALIZED VIEW",
                   "sequence": "SEQUENCE", "type": "TYPE", "domain": "DOMAIN"}

#: One step of a reverse: ("sql", statement), ("note", text) or ("review", statement head).
UndoItem = tuple[str, str]


@dataclass(frozen=True)
class DDLStep:
    """One DDL listener: its SQL, the dialects it runs on (None: all), its reverse, and why it
    can only be a comment (a Python condition), if so."""

    sql: str
    dialects: tuple[str, ...] | None
    undo: tuple[UndoItem, ...]
    unwritable: str | None = None


def _family(dialect_name: str) -> str:
    return "mysql" if dialect_name in ("mysql", "mariadb") else dialect_name


def _index_drop(name: str, table: str | None, dialect_name: str) -> str:
    if _family(dialect_name) == "mysql":
        return f"DROP INDEX {name} ON {table}"
    table_parts = name_parts(table or "")
    if dialect_name == "postgresql" and len(name_parts(name)) == 1 and len(table_parts) > 1:
        name = f"{table_parts[-2]}.{name}"  # an index lives in its table's schema
    return f"DROP INDEX IF EXISTS {name}"


def _drop_statement(statement: Statement, dialect_name: str) -> str | None:
    """The SQL that drops what ``statement`` created on ``dialect_name``; None if unknown."""
    created = statement.created
    if created is None or created.name is None:
        return None
    name, kind = created.name, created.kind
    if kind == "index":
        return _index_drop(name, created.table, dialect_name)
    if kind == "trigger":
        where = f" ON {created.table}" if dialect_name == "postgresql" else ""
        return f"DROP TRIGGER IF EXISTS {name}{where}"
    if kind in ("function", "procedure"):
        arguments = ""
        if dialect_name == "postgresql":
            arguments = f"({argument_types(created.arguments or '')})"
        return f"DROP {kind.upper()} IF EXISTS {name}{arguments}"
    if kind in DROPPED_BY_NAME:
        return f"DROP {DROPPED_BY_NAME[kind]} IF EXISTS {name}"
    return None


def statement_head(statement: Statement) -> str:
    """The first line of a statement, short enough for a comment."""
    line = " ".join(statement.text.split("\n", 1)[0].split())
    return line if len(line) <= 80 else line[:77] + "..."


def undo_items(statements: list[Statement], table_name: str,
               dialect_name: str) -> tuple[UndoItem, ...]:
    """The reverse of ``statements`` (run on a table named ``table_name``), last first."""
    items: list[UndoItem] = []
    for statement in reversed(statements):
        created = statement.created
        drop = _drop_statement(statement, dialect_name)
        if drop is not None:
            items.append(("sql", drop))
        elif created is not None and created.kind == "extension":
            items.append(("note", f"the {created.name} extension is kept"))
        elif created is not None and names_match(created.table, table_name):
            items.append(("note", f"undone by dropping table {table_name}: "
                                  f"{statement_head(statement)}"))
        else:
            items.append(("review", statement_head(statement)))
    return tuple(items)


def _condition(autogen_context: Any, dialects: tuple[str, ...]) -> str:
    name = f"{module_prefix(autogen_context)}get_context().dialect.name"
    if len(dialects) == 1:
        return f"if {name} == {dialects[0]!r}:"
    return f"if {name} in {dialects!r}:"


def _guarded(autogen_context: Any,
             bodies: list[tuple[tuple[str, ...] | None, list[str]]]) -> list[str]:
    """Each body under the dialect condition of its listener, one ``if`` for neighbours
    with the same condition; a blank line ends each block."""
    lines: list[str] = []
    index = 0
    while index < len(bodies):
        dialects, body = bodies[index]
        index += 1
        while index < len(bodies) and bodies[index][0] == dialects and dialects is not None:
            body = body + bodies[index][1]
            index += 1
        if dialects is None:
            lines += body
            continue
        if all(line.startswith("#") for line in body):
            body = [*body, "pass"]
        lines += [_condition(autogen_context, dialects), *body, ""]
    return lines


def _where(schema: str | None, table_name: str) -> str:
    return f"{schema}.{table_name}" if schema else table_name


class _TableDDL(MigrateOperation):
    def __init__(self, table_name: str, schema: str | None, event: str,
                 steps: tuple[DDLStep, ...], python_listeners: tuple[str, ...] = ()) -> None:
        self.table_name = table_name
        self.schema = schema
        self.event = event
        self.steps = steps
        self.python_listeners = python_listeners

    def _key(self) -> tuple[Any, ...]:
        return (self.event, self.schema, self.table_name, tuple(s.sql for s in self.steps))


class TableDDLOp(_TableDDL):
    """Run a table's ``event`` DDL listeners (``before_create`` / ``after_create``); the
    names of its Python listeners, which no script can reproduce, become a comment."""

    def reverse(self) -> UndoTableDDLOp:
        return UndoTableDDLOp(self.table_name, self.schema, self.event, self.steps,
                              self.python_listeners)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("table_ddl", *self._key())

    def describe(self) -> str:
        count = len(self.steps)
        return (f"run the {self.event} DDL of table {_where(self.schema, self.table_name)} "
                f"({count} statement{'s' if count != 1 else ''})")


class UndoTableDDLOp(_TableDDL):
    """Drop what a table's DDL listeners created (the reverse of :class:`TableDDLOp`)."""

    def reverse(self) -> TableDDLOp:
        return TableDDLOp(self.table_name, self.schema, self.event, self.steps,
                          self.python_listeners)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("undo_table_ddl", *self._key())

    def describe(self) -> str:
        return f"undo the {self.event} DDL of table {_where(self.schema, self.table_name)}"


def render_table_ddl(autogen_context: Any, op: TableDDLOp) -> list[str]:
    when = "before" if op.event == "before_create" else "after"
    where = _where(op.schema, op.table_name)
    lines = comment_lines(f"{op.event} DDL of table {where}: create_all runs it {when} "
                          f"creating the table")
    for listener in op.python_listeners:
        lines += comment_lines(f"review: create_all also runs the Python function {listener}, "
                               f"which no script can reproduce")
    bodies = [
        (step.dialects, execute_lines(autogen_context, step.sql) if step.unwritable is None
         else comment_lines(f"review: {step.unwritable}:\n{step.sql}"))
        for step in op.steps
    ]
    return lines + _guarded(autogen_context, bodies)


def render_undo_table_ddl(autogen_context: Any, op: UndoTableDDLOp) -> list[str]:
    where = _where(op.schema, op.table_name)
    bodies = []
    for step in reversed(op.steps):
        body: list[str] = []
        for kind, text in step.undo:
            if kind == "sql" and step.unwritable is None:
                body.append(execute_line(autogen_context, text))
            elif kind == "sql":
                body += comment_lines(f"review: {text}")
            elif kind == "note":
                body += comment_lines(text)
            else:
                body += comment_lines(f"review: no reverse derived for: {text}")
        bodies.append((step.dialects, body))
    return comment_lines(f"undoes the {op.event} DDL of table {where}") + _guarded(
        autogen_context, bodies
    )


RENDERERS = {TableDDLOp: render_table_ddl, UndoTableDDLOp: render_undo_table_ddl}
