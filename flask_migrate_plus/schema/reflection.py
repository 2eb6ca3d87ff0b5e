"""The reflection records Alembic already read in this run, for steps that need them again.

Alembic reflects every compared table in batches and keeps the records in its inspector's
cache (``_InspectorConv``). Reading them from there costs no query; a step that asks the
inspector directly would send one per table.

A table the script renames is in the database (and the cache) under its old name while the
run lasts; the renames pass notes it with :func:`note_renamed_table`, and every read here
asks for the table under the name the database has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .run_state import run_state

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

_RENAMED = "flask_migrate_plus.renamed_tables"


TableKey = tuple[str | None, str]


def note_renamed_table(autogen_context: AutogenContext, new: TableKey, old: TableKey) -> None:
    """The script renames (or moves) table ``old`` to ``new``: reflection of ``new`` reads
    ``old``. Keys are ``(schema, name)``."""
    run_state(autogen_context, _RENAMED)[new] = old


def database_table(autogen_context: AutogenContext, table_name: str,
                   schema: str | None) -> TableKey:
    """``(schema, name)`` the database has for the table while the run compares."""
    key = (schema, table_name)
    found: TableKey = run_state(autogen_context, _RENAMED).get(key, key)
    return found


def reflected_index_records(
    autogen_context: AutogenContext, table_name: str, schema: str | None
) -> list[dict[str, Any]]:
    """``Inspector.get_indexes`` records of one table, as Alembic compared them."""
    from alembic.autogenerate.compare.util import _InspectorConv

    schema, table_name = database_table(autogen_context, table_name, schema)
    records = _InspectorConv(autogen_context.inspector).get_indexes(table_name, schema=schema)
    return list(records)  # type: ignore[arg-type]


def reflected_primary_key_columns(
    autogen_context: AutogenContext, table_name: str, schema: str | None
) -> tuple[str, ...]:
    """The columns of one table's primary key, in key order, as Alembic reflected them."""
    from alembic.autogenerate.compare.util import _InspectorConv

    inspector = autogen_context.inspector
    schema, table_name = database_table(autogen_context, table_name, schema)
    record = _InspectorConv(inspector)._return_from_cache(
        table_name, schema, "alembic_pk_constraint", inspector.get_pk_constraint
    )
    return tuple(str(name) for name in (record or {}).get("constrained_columns") or ())
