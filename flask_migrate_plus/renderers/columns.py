"""A column's own CHECK constraints, written inside the column as ``create_all`` has them.

``Column("port", Integer, CheckConstraint("port > 0"))`` puts the CHECK in the column's
definition (``port INTEGER CHECK (port > 0)``), and the database names it by its own rule
(PostgreSQL ``<table>_port_check``, MariaDB ``port``, SQLite no name). Alembic writes a
column without its constraints, so ``create_table`` and ``add_column`` would build the column
without the CHECK. Here the column is written as Alembic writes it, with its CHECKs added as
positional arguments: the script then sends the same DDL as ``create_all``, and the CHECK
gets the same name there.
"""

from __future__ import annotations

import ast
import logging
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Column

from .verify import context_state

log = logging.getLogger("flask_migrate_plus")


def render_column_checks(column: Column[Any], autogen_context: Any) -> str | Literal[False]:
    """Alembic's text for ``column`` with the column's own CHECKs in it; False if it has none."""
    from alembic.autogenerate import render

    checks = [constraint for constraint in column.constraints
              if isinstance(constraint, CheckConstraint)]
    busy = context_state(autogen_context.migration_context).setdefault("columns", set())
    if not checks or id(column) in busy:
        return False
    busy.add(id(column))  # Alembic's renderer calls render_item("column") again: answer False
    try:
        text = render._render_column(column, autogen_context)
        arguments = [render._render_check_constraint(check, autogen_context, None)
                     for check in checks]
    finally:
        busy.discard(id(column))
    return _with_arguments(text, sorted(filter(None, arguments)), column)


def _with_arguments(call: str, arguments: list[str], column: Column[Any]) -> str:
    """``call`` (a ``Column(...)`` expression) with ``arguments`` after its last positional
    argument, which is where SQLAlchemy takes constraints."""
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        node = None
    last = node.args[-1] if isinstance(node, ast.Call) and node.args else None
    if last is None or last.end_lineno is None or last.end_col_offset is None:
        log.warning("Could not write the CHECK constraints of column %r into %s; add them "
                    "to the migration script by hand", column.name, call)
        return call
    lines = call.encode().split(b"\n")  # ast offsets count UTF-8 bytes
    end = sum(len(line) + 1 for line in lines[:last.end_lineno - 1]) + last.end_col_offset
    raw = call.encode()
    return (raw[:end] + "".join(f", {text}" for text in arguments).encode() + raw[end:]).decode()
