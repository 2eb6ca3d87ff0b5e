"""Batch blocks: a block that names SQLite's unnamed constraints, and which ops stay out.

A batch block queues its ops and runs them when it ends (on SQLite, as one table rebuild);
an op rendered as ``op.execute(...)`` runs at once. So an op that renders as raw SQL on a
dialect (its class says so in ``raw_sql_dialects``: None for all) must never sit inside a
batch block there; the ``raw_sql`` rewrite pass takes it out.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops


def renders_as_raw_sql(op: Any, dialect_name: str) -> bool:
    """Whether ``op`` renders as ``op.execute`` on this dialect (so runs at once)."""
    if not hasattr(type(op), "raw_sql_dialects"):
        return False
    dialects = type(op).raw_sql_dialects
    return dialects is None or dialect_name in dialects


class ConventionBatchOps(ops.ModifyTableOps):
    """A table's batch block that names the database's unnamed constraints while it works.

    SQLite keeps foreign keys and unique constraints without a name; batch mode can only
    drop one by name, and its ``naming_convention`` argument gives the reflected ones
    names (Alembic's documented recipe) that ``drop_constraint`` then uses.
    """

    naming_convention: dict[str, str] = {}

    @classmethod
    def from_container(
        cls, container: ops.ModifyTableOps, convention: dict[str, str]
    ) -> ConventionBatchOps:
        made = cls(container.table_name, container.ops, schema=container.schema)
        made.naming_convention = dict(convention)
        return made


def render_convention_batch(autogen_context: Any, op: ConventionBatchOps) -> list[str]:
    """Alembic's batch block, with ``naming_convention=`` passed to ``batch_alter_table``."""
    from alembic.autogenerate.render import render_op

    if not autogen_context.opts.get("render_as_batch", False):
        return [line for child in op.ops for line in render_op(autogen_context, child)]
    with autogen_context._within_batch():
        lines = [
            f"with op.batch_alter_table({op.table_name!r}, schema={op.schema!r}, "
            f"naming_convention={op.naming_convention!r}) as batch_op:"
        ]
        for child in op.ops:
            lines += render_op(autogen_context, child)
    return [*lines, ""]


RENDERERS = {ConventionBatchOps: render_convention_batch}
