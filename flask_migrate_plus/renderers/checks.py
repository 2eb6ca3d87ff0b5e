"""Ops for CHECK constraints that a batch table recreate would otherwise lose, and their text.

SQLite keeps no name for an unnamed CHECK, and Alembic's batch recreate leaves such reflected
CHECKs out of the new table (it cannot tell them from the ones a type generates). So when
``comparators.checks`` changes CHECKs on such a table, each unnamed CHECK the model keeps is
restated under a name (``RestateCheckOp``: a plain ``create_check_constraint``). Its reverse
needs no code, since the downgrade's own recreate keeps a named CHECK: ``KeptCheckOp`` renders
a comment saying so.

Imported lazily (from ``comparators.checks``), never by ``import alembic`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic.operations import ops

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


class RestateCheckOp(ops.CreateCheckConstraintOp):
    """Create, under a name, a CHECK that exists unnamed and that the recreate would drop."""

    def reverse(self) -> KeptCheckOp:  # type: ignore[override]  # not a drop: it stays
        return KeptCheckOp(self.constraint_name, self.table_name, self.condition, self.schema)


class KeptCheckOp(ops.MigrateOperation):
    """The downgrade side of ``RestateCheckOp``: the named CHECK simply stays."""

    def __init__(self, constraint_name: Any, table_name: str, condition: Any,
                 schema: str | None = None) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition
        self.schema = schema

    def reverse(self) -> RestateCheckOp:
        return RestateCheckOp(self.constraint_name, self.table_name, self.condition,
                              schema=self.schema)


def render_kept_check(autogen_context: AutogenContext, op: KeptCheckOp) -> str:
    """A comment only: nothing has to run for the CHECK to stay."""
    return f"# CHECK {str(op.constraint_name)!r} stays: named, it survives the recreate"


def register() -> None:
    """Install the renderer (process-wide, like every Alembic renderer); idempotent."""
    from alembic.autogenerate.render import renderers

    renderers.dispatch_for(KeptCheckOp, replace=True)(render_kept_check)
