"""Comparator plugin ``flask_migrate_plus.catalog``: the catalog read once per kind, not per table.

Alembic reflects the compared tables through the inspector's ``get_multi_*`` methods and
keeps the records in the inspector's cache (``alembic_<kind>`` entries), where its own
comparison and ours read them. Where a dialect reads those one table at a time, this plugin
fills the same entries first, from a few statements whatever the number of tables, with the
records the dialect would have made (``schema.sqlite_catalog``). Alembic then finds them
cached and reads nothing more. It detects nothing and changes no result; switch it off with
``~flask_migrate_plus.catalog`` to have the dialect reflect every table itself.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..rewrite import install

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


def compared_tables(autogen_context: AutogenContext, schema: str | None) -> list[str]:
    """The tables of ``schema`` that Alembic reflects in this run: its name filters applied,
    its version table left out."""
    context = autogen_context.migration_context
    names = autogen_context.inspector.get_table_names(schema=schema)
    if schema == context.version_table_schema:
        names = [name for name in names if name != context.version_table]
    return [name for name in names
            if autogen_context.run_name_filters(name, "table", {"schema_name": schema})]


def fill_reflection_cache(
    autogen_context: AutogenContext, upgrade_ops: Any, schemas: Collection[str | None]
) -> PriorityDispatchResult:
    """Before Alembic reflects: its cache entries filled from the catalog read in bulk."""
    try:
        from alembic.autogenerate.compare.util import _INSP_KEYS
    except ImportError:  # Alembic's cache changed shape: let it reflect as it does
        return PriorityDispatchResult.CONTINUE
    connection = autogen_context.connection
    if connection is None or connection.dialect.name != "sqlite":
        return PriorityDispatchResult.CONTINUE
    # Imported here: ``import alembic`` loads this plugin in every environment, and the
    # reader loads SQLAlchemy's SQLite dialect, which an application on another server
    # never needs.
    from ..schema import sqlite_catalog

    if not sqlite_catalog.supported(connection.dialect):
        return PriorityDispatchResult.CONTINUE
    cache = autogen_context.inspector.info_cache
    kinds = [kind for kind in _INSP_KEYS if f"alembic_{kind}" not in cache]
    merged: dict[str, dict[Any, Any]] = {kind: {} for kind in kinds}
    for schema in schemas:
        catalog = sqlite_catalog.read_catalog(
            connection, schema, compared_tables(autogen_context, schema))
        for kind in kinds:
            if kind in catalog:
                merged[kind].update(catalog[kind])
    for kind, records in merged.items():
        if records:
            cache[f"alembic_{kind}"] = records
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """First in the "schema" target, before Alembic's table comparison reflects anything."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        fill_reflection_cache, "schema", qualifier="sqlite", priority=DispatchPriority.FIRST
    )
