"""``alter_column`` with a PostgreSQL cast (``postgresql_using``) that knows its way back.

PostgreSQL changes a column's type in place only along an implicit cast; across type
families it needs ``USING <column>::<type>``. Alembic's reverse of such an op would copy the
forward cast into the downgrade, and its renderer writes only the arguments it knows, so the
cast would be lost. :class:`CastingAlterColumnOp` carries both casts; it renders as Alembic's
``op.alter_column(...)`` plus the keyword, plain ``op.*`` code.
"""

from __future__ import annotations

from typing import Any

from alembic.operations.ops import AlterColumnOp

_INDENT = " " * 11


class CastingAlterColumnOp(AlterColumnOp):
    """An ``alter_column`` with a ``postgresql_using`` cast, and the cast back for its reverse."""

    reverse_using: str | None = None

    @classmethod
    def from_op(cls, op: AlterColumnOp, using: str, reverse_using: str) -> CastingAlterColumnOp:
        casting = cls.__new__(cls)
        casting.__dict__.update(op.__dict__)
        casting.kw = {**op.kw, "postgresql_using": using}
        casting.reverse_using = reverse_using
        return casting

    def reverse(self) -> AlterColumnOp:
        reverse = super().reverse()
        reverse.kw["postgresql_using"] = self.reverse_using
        if isinstance(reverse, CastingAlterColumnOp):
            reverse.reverse_using = self.kw["postgresql_using"]
        return reverse


def render_casting_alter_column(autogen_context: Any, op: CastingAlterColumnOp) -> str:
    """``op.alter_column(...)`` as Alembic writes it, with the ``postgresql_using`` cast."""
    from alembic.autogenerate.render import renderers

    plain = renderers.dispatch(AlterColumnOp)(autogen_context, op)
    using = op.kw.get("postgresql_using")
    if not using or not plain.endswith(")"):
        return str(plain)
    return f"{plain[:-1]},\n{_INDENT}postgresql_using={using!r})"


RENDERERS = {CastingAlterColumnOp: render_casting_alter_column}
