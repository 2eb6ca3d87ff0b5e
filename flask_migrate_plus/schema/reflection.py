"""The reflection records Alembic already read in this run, for steps that need them again.

Alembic reflects every compared table in batches and keeps the records in its inspector's
cache (``_InspectorConv``). Reading them from there costs no query; a step that asks the
inspector directly would send one per table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


def reflected_index_records(
    autogen_context: AutogenContext, table_name: str, schema: str | None
) -> list[dict[str, Any]]:
    """``Inspector.get_indexes`` records of one table, as Alembic compared them."""
    from alembic.autogenerate.compare.util import _InspectorConv

    records = _InspectorConv(autogen_context.inspector).get_indexes(table_name, schema=schema)
    return list(records)  # type: ignore[arg-type]


def reflected_primary_key_columns(
    autogen_context: AutogenContext, table_name: str, schema: str | None
) -> tuple[str, ...]:
    """The columns of one table's primary key, in key order, as Alembic reflected them."""
    from alembic.autogenerate.compare.util import _InspectorConv

    inspector = autogen_context.inspector
    record = _InspectorConv(inspector)._return_from_cache(
        table_name, schema, "alembic_pk_constraint", inspector.get_pk_constraint
    )
    return tuple(str(name) for name in (record or {}).get("constrained_columns") or ())
