"""SQL text that a migration script must show exactly as the database stores it.

Alembic renders a CHECK's or a ``Computed`` column's text by compiling it for the dialect,
which doubles every ``%`` for the DBAPI (``LIKE 'x%%'``, ``a %% 3``); run from the script,
that text is escaped once more, so the server stores ``%%`` or rejects the statement.
``VerbatimSQL`` is text that compiles to itself: the script shows it as is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import TextClause


class VerbatimSQL(TextClause):
    """SQL text rendered into a script exactly as given (no ``%`` escaping)."""

    inherit_cache = True


@compiles(VerbatimSQL)
def _compile_verbatim(element: VerbatimSQL, compiler: Any, **kw: Any) -> str:
    return element.text
