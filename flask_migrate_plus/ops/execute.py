"""How an op writes raw SQL into a script: ``op.execute('<sql>')``, escaped one way.

``op.execute`` wraps a string in ``text()``, which reads ``:word`` as a bind parameter; a name
or literal holding such a colon must not become one, and ``\\:`` is ``text()``'s escape for a
literal colon. Only what ``text()`` would take for a parameter is escaped, so ``::`` casts and
everything else stay as written. Literals use standard SQL quoting (quotes doubled).
"""

from __future__ import annotations

import re
from typing import Any

#: What ``text()`` takes for a bind parameter: a colon and a word, no colon or word before it
#: (``::int`` is a cast) and no colon after it.
BIND_LIKE = re.compile(r"(?<![:\w\\]):\w+(?![:\w])")


def module_prefix(autogen_context: Any) -> str:
    """``op.`` (or the project's ``alembic_module_prefix``)."""
    return str(autogen_context.opts.get("alembic_module_prefix") or "op.")


def op_prefix(autogen_context: Any) -> str:
    """``batch_op.`` inside a batch block (Alembic's own flag), else ``op.``."""
    if getattr(autogen_context, "_has_batch", False):
        return "batch_op."
    return module_prefix(autogen_context)


def escape_binds(sql: str) -> str:
    """``sql`` with every would-be bind parameter escaped for ``text()``."""
    return BIND_LIKE.sub(lambda match: "\\" + match.group(0), sql)


def execute_line(autogen_context: Any, sql: str) -> str:
    """``op.execute('<sql>')``: the one way our ops write raw SQL into a script."""
    return f"{module_prefix(autogen_context)}execute({escape_binds(sql)!r})"


def execute_lines(autogen_context: Any, sql: str) -> list[str]:
    """``op.execute(...)`` for SQL of several lines: one string literal per line, so the
    script shows the statement as it was written (one line gives :func:`execute_line`)."""
    parts = escape_binds(sql).splitlines(keepends=True)
    if len(parts) <= 1:
        return [execute_line(autogen_context, sql)]
    return [f"{module_prefix(autogen_context)}execute(", *[f"    {part!r}" for part in parts], ")"]


def sql_literal(value: str) -> str:
    """A standard SQL string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


#: A PostgreSQL session setting that collects the WARNINGs our SQL raises, one per line: a
#: driver keeps a server's WARNING from the user, so ``wiring.relay_server_warnings`` reads
#: them from here after each migration step and prints them.
SERVER_WARNINGS = "migrate_plus.warnings"


def pg_post_warning(message_expression: str) -> str:
    """A PL/pgSQL statement adding the text ``message_expression`` to :data:`SERVER_WARNINGS`."""
    setting = sql_literal(SERVER_WARNINGS)
    return (
        f"PERFORM pg_catalog.set_config({setting}, concat_ws(chr(10), nullif("
        f"pg_catalog.current_setting({setting}, true), ''), {message_expression}), false);"
    )


def do_block(body: str) -> str:
    """A PostgreSQL ``DO`` block whose dollar-quote tag cannot occur in ``body``."""
    tag, n = "$fmp$", 0
    while tag in body:
        n += 1
        tag = f"$fmp{n}$"
    return f"DO {tag}{body}{tag}"


def comment_lines(text: str) -> list[str]:
    """``text`` as Python comment lines, one per line."""
    return [f"# {line}".rstrip() for line in text.splitlines()]
