"""Rendering of ``CastingAlterColumnOp``: Alembic's ``alter_column`` plus ``postgresql_using``.

Alembic's ``alter_column`` renderer writes only the arguments it knows; the cast would be lost.
We let it write the call and append the keyword, so the script stays plain ``op.*`` code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..comparators.type_casts import CastingAlterColumnOp

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

_INDENT = " " * 11


def render_casting_alter_column(
    autogen_context: AutogenContext, op: CastingAlterColumnOp
) -> str:
    """``op.alter_column(...)`` as Alembic writes it, with the ``postgresql_using`` cast."""
    from alembic.autogenerate.render import renderers
    from alembic.operations.ops import AlterColumnOp

    plain = renderers.dispatch(AlterColumnOp)(autogen_context, op)
    using = op.kw.get("postgresql_using")
    if not using or not plain.endswith(")"):
        return str(plain)
    return f"{plain[:-1]},\n{_INDENT}postgresql_using={using!r})"


def register_renderer() -> None:
    """Tell Alembic how to write the op (process-wide; safe to call again)."""
    from alembic.autogenerate.render import renderers

    renderers.dispatch_for(CastingAlterColumnOp, replace=True)(render_casting_alter_column)
