"""Comparator plugin ``flask_migrate_plus.catalog``: the catalog read once per kind, not per table.

Alembic reflects the compared tables through the inspector's ``get_multi_*`` methods and
keeps the records in the inspector's cache (``alembic_<kind>`` entries), where its own
comparison and ours read them. Where a dialect reads those slowly, this plugin fills the
same entries first with the records the dialect would have made, and Alembic finds them
cached:

- SQLite: every kind, from four statements whatever the number of tables, where the dialect
  reads eleven per table (``schema.sqlite_catalog``);
- PostgreSQL: the columns, by the dialect's own query with a cheaper identity-sequence
  lookup (``schema.postgresql_catalog``);
- MySQL/MariaDB: no cache entry, but each table's ``SHOW CREATE TABLE`` text, read by the
  statements the dialect would run and parsed into the dialect's own per-table cache, is
  kept for the run, so that our comparators query ``information_schema`` only when a text
  says there is something to find (``schema.mysql_catalog``).

It detects nothing and changes no result; switch it off with ``~flask_migrate_plus.catalog``
to have the dialect reflect every table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..rewrite import install
from ..schema import mysql_catalog

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


Reader = Callable[[Any, "str | None", list[str], dict[Any, Any]], dict[str, dict[Any, Any]]]


def catalog_reader(dialect: Any) -> Reader | None:
    """The bulk reader for this dialect, None where the dialect's own reflection is kept."""
    # Imported here: ``import alembic`` loads this plugin in every environment, and each
    # reader loads its SQLAlchemy dialect, which an application on another server never needs.
    if dialect.name == "sqlite":
        from ..schema import sqlite_catalog

        if sqlite_catalog.supported(dialect):
            return lambda connection, schema, names, _cache: sqlite_catalog.read_catalog(
                connection, schema, names)
    elif dialect.name == "postgresql":
        from ..schema import postgresql_catalog

        if postgresql_catalog.supported(dialect):
            return postgresql_catalog.read_catalog
    return None


def fill_reflection_cache(
    autogen_context: AutogenContext, upgrade_ops: Any, schemas: Collection[str | None]
) -> PriorityDispatchResult:
    """Before Alembic reflects: its cache entries filled from the catalog read in bulk."""
    try:
        from alembic.autogenerate.compare.util import _INSP_KEYS
    except ImportError:  # Alembic's cache changed shape: let it reflect as it does
        return PriorityDispatchResult.CONTINUE
    connection = autogen_context.connection
    if connection is None:
        return PriorityDispatchResult.CONTINUE
    cache = autogen_context.inspector.info_cache
    if mysql_catalog.supported(connection.dialect):
        for schema in schemas:
            texts = mysql_catalog.read_create_texts(
                connection, schema, compared_tables(autogen_context, schema), cache)
            mysql_catalog.keep_for_run(autogen_context, schema, texts)
        return PriorityDispatchResult.CONTINUE
    read = catalog_reader(connection.dialect)
    if read is None:
        return PriorityDispatchResult.CONTINUE
    kinds = [kind for kind in _INSP_KEYS if f"alembic_{kind}" not in cache]
    merged: dict[str, dict[Any, Any]] = {kind: {} for kind in kinds}
    for schema in schemas:
        catalog = read(connection, schema, compared_tables(autogen_context, schema), cache)
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
    for dialect in ("sqlite", "postgresql", "mysql", "mariadb"):
        plugin.add_autogenerate_comparator(
            fill_reflection_cache, "schema", qualifier=dialect, priority=DispatchPriority.FIRST
        )
