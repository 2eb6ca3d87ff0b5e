"""CHECK constraints that a SQLite batch rebuild would otherwise lose.

SQLite keeps no name for an unnamed CHECK, and Alembic's batch recreate leaves such reflected
CHECKs out of the new table (it cannot tell them from the ones a type generates). So when
CHECKs change on such a table, each unnamed CHECK the model keeps is restated under a name
(:class:`RestateCheckOp`: a plain ``create_check_constraint``). Its reverse needs no code,
since the downgrade's own recreate keeps a named CHECK: :class:`KeptCheckOp` writes a
comment saying so.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops


class RestateCheckOp(ops.CreateCheckConstraintOp):
    """Create, under a name, a CHECK that exists unnamed and that the recreate would drop."""

    def reverse(self) -> KeptCheckOp:  # type: ignore[override]  # not a drop: it stays
        return KeptCheckOp(self.constraint_name, self.table_name, self.condition, self.schema)


class KeptCheckOp(ops.MigrateOperation):
    """The downgrade side of :class:`RestateCheckOp`: the named CHECK simply stays."""

    def __init__(self, constraint_name: Any, table_name: str, condition: Any,
                 schema: str | None = None) -> None:
        self.constraint_name = constraint_name
        self.table_name = table_name
        self.condition = condition
        self.schema = schema

    def reverse(self) -> RestateCheckOp:
        return RestateCheckOp(self.constraint_name, self.table_name, self.condition,
                              schema=self.schema)

    def describe(self) -> str:
        return f"keep check constraint {self.constraint_name} on {self.table_name}"


def render_kept_check(autogen_context: Any, op: KeptCheckOp) -> str:
    """A comment only: nothing has to run for the CHECK to stay."""
    return f"# CHECK {str(op.constraint_name)!r} stays: named, it survives the recreate"


RENDERERS = {KeptCheckOp: render_kept_check}
