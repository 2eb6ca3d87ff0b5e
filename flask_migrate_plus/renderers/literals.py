"""Values taken from the models or the schema are written with ``repr()``, never pasted.

Alembic writes a string server default as ``repr()`` of the string *after stripping one
leading and one trailing quote* (render.py ``_render_server_default``), so
``server_default="'quoted'"`` becomes ``'quoted'`` in the script: the migration creates a
different default and the next autogenerate proposes it again. We write the string exactly.
Text and expression defaults are already written by Alembic as ``sa.text(<repr>)``; names,
comments and CHECK texts as ``repr()``: those we leave to it.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.schema import DefaultClause


def render_server_default(default: Any, autogen_context: Any) -> str | Literal[False]:
    """The exact literal for a plain string server default; False for everything else."""
    if isinstance(default, DefaultClause) and isinstance(default.arg, str):
        return repr(default.arg)
    return False
