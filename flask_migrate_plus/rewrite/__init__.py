"""Rewrite passes: the finished list of ops, reordered and completed so the script runs.

Comparators only detect; everything that reorders or rewrites ops found by others lives
here, as small passes run by one pipeline, once per autogenerate run, after every comparator
and before Alembic builds the downgrade (the reverse of the result, so every pass holds in
both directions). The order is written in :data:`PIPELINE` and matters:

1. ``renames``: a dropped and an added table or column known to be one (model hint,
   the run's list, the user's answer) become a rename, and what is named after the old
   name follows; first, so that every later pass sees the rename, not a drop.
2. ``keep_ddl_objects``: indexes and constraints a table's DDL listeners create are not
   dropped (before the passes that act on drops).
3. ``postgresql_casts``: type changes across families get ``USING`` casts, both ways.
4. ``enum_default_changes``: default changes on an enum type's columns move into the type's
   values change, which must drop and set defaults around its own work.
5. ``enum_dependents``: drops of indexes and CHECKs that an enum type's rebuild must drop
   and make again anyway move into that values change.
6. ``reuse_enum_types``: ``create_table`` does not re-create enum types the database has.
7. ``keep_indexes_through_rebuilds``: SQLite rebuilds do not lose expression/DESC indexes.
8. ``primary_key_first``: a changed primary key lets go of its columns before they become
   nullable; before ``raw_sql_out_of_batch``, which splits a block where the key op stands.
9. ``raw_sql_out_of_batch``: ops written as ``op.execute`` leave batch blocks.
10. ``server_names``: every model name as the server stores it, before any pass writes a
   name into a note or derives one from it.
11. ``table_order``: tables in foreign-key order, cycles closed after, indexes with tables.
12. ``constraint_names``: names for unnamed constraints the script creates or drops.
13. ``mysql_fk_indexes``: the index MariaDB makes for a new key is dropped after it.
14. ``not_null_backfill``: existing rows get a value for a new NOT NULL column.
15. ``enum_types``: enum types follow the tables and columns that use them.
16. ``type_objects``: extensions and composite types that new columns need.
17. ``table_ddl``: a new table's DDL listeners run next to its ``create_table`` (after the
    table's final place and its indexes are settled).
18. ``prerequisites``: every object created before its first user, dropped after its last.
19. ``online``: with ``migrate_plus_online``, each op on an existing table in its
    non-blocking form (concurrent indexes, NOT VALID then VALIDATE, ...); after every name
    and place is final, since its steps are SQL text that no later pass can read.
20. ``online_mariadb``: the same switch on MariaDB: ALGORITHM/LOCK clauses.
21. ``drop_notes``: every drop gets a comment and a warning line.

Each pass belongs to the plugins named with it and runs only when one of them is switched on
(``~flask_migrate_plus.<name>`` in ``autogenerate_plugins`` switches a plugin off), and only
on the dialects named with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from alembic.util import DispatchPriority, PriorityDispatchResult

from ..schema.gc_pause import gc_paused
from ..schema.run_scope import during_schema_comparison
from ..schema.run_state import run_state
from . import (
    constraint_names,
    drop_notes,
    enum_types,
    mysql_fk_indexes,
    not_null,
    online,
    online_mariadb,
    prerequisites,
    primary_key_order,
    raw_sql,
    renames,
    server_names,
    sqlite_rebuilds,
    table_ddl,
    table_order,
    type_casts,
    type_objects,
)

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import UpgradeOps
    from alembic.runtime.plugins import Plugin

PLUGIN_PREFIX = "flask_migrate_plus."
_ACTIVE = "flask_migrate_plus.active_plugins"
MYSQL = frozenset({"mysql", "mariadb"})
POSTGRESQL = frozenset({"postgresql"})


@dataclass(frozen=True)
class Pass:
    """One rewrite pass: its name, the plugins it belongs to, where it applies, what it does."""

    name: str
    plugins: tuple[str, ...]
    run: Callable[[Any, Any], None]
    dialects: frozenset[str] | None = None  # None: every dialect


#: Every pass, in the order it runs (see the module docstring for why).
PIPELINE: tuple[Pass, ...] = (
    Pass("renames", ("scripts",), renames.rename_pass),
    Pass("keep_ddl_objects", ("scripts", "indexes"), table_ddl.keep_ddl_objects),
    Pass("postgresql_casts", ("types",), type_casts.add_postgresql_casts, POSTGRESQL),
    Pass("enum_default_changes", ("enums",), enum_types.take_default_changes, POSTGRESQL),
    Pass("enum_dependents", ("enums",), enum_types.take_dependent_drops, POSTGRESQL),
    Pass("reuse_enum_types", ("enums",), enum_types.reuse_existing_types, POSTGRESQL),
    Pass("keep_indexes_through_rebuilds", ("indexes",),
         sqlite_rebuilds.keep_indexes_through_rebuilds, frozenset({"sqlite"})),
    Pass("primary_key_first", ("primary_keys",), primary_key_order.order_primary_key_changes),
    Pass("raw_sql_out_of_batch", ("identity", "primary_keys", "computed"),
         raw_sql.hoist_raw_sql_ops),
    Pass("server_names", ("scripts",), server_names.store_names),
    Pass("table_order", ("scripts",), table_order.order_tables_and_keys),
    Pass("constraint_names", ("scripts",), constraint_names.name_constraints_pass),
    Pass("mysql_fk_indexes", ("scripts",), mysql_fk_indexes.mysql_key_indexes, MYSQL),
    Pass("not_null_backfill", ("scripts",), not_null.fill_not_null_columns),
    Pass("enum_types", ("scripts",), enum_types.follow_enum_types, POSTGRESQL),
    Pass("type_objects", ("scripts",), type_objects.create_type_objects, POSTGRESQL),
    Pass("table_ddl", ("scripts",), table_ddl.write_table_ddl),
    Pass("prerequisites", ("scripts", "schemas", "sequences"), prerequisites.place_prerequisites),
    Pass("online", ("scripts",), online.write_online, POSTGRESQL),
    Pass("online_mariadb", ("scripts",), online_mariadb.write_online_mariadb, MYSQL),
    Pass("drop_notes", ("scripts",), drop_notes.note_drops),
)


def active_plugins(autogen_context: AutogenContext) -> set[str]:
    """Short names of our plugins that take part in this run."""
    return run_state(autogen_context, _ACTIVE).setdefault("names", set())


def run_pipeline(
    autogen_context: AutogenContext, upgrade_ops: UpgradeOps
) -> PriorityDispatchResult:
    """Run every pass whose plugin is on, in order.

    Every plugin registers this same function in one subgroup; returning STOP makes Alembic
    skip the other registrations, so the pipeline runs once per run.
    """
    active = active_plugins(autogen_context)
    dialect = autogen_context.dialect
    assert dialect is not None
    for step in PIPELINE:
        if not active.intersection(step.plugins):
            continue
        if step.dialects is not None and dialect.name not in step.dialects:
            continue
        step.run(autogen_context, upgrade_ops)
    return PriorityDispatchResult.STOP


def _gc_paused_scope(autogen_context: AutogenContext, schemas: Any) -> Any:
    return gc_paused()


def pause_gc(autogen_context: AutogenContext, upgrade_ops: Any) -> PriorityDispatchResult:
    """The run's schemas are reflected and compared with full garbage collections held
    back (``schema.gc_pause``). Registered by every plugin in one subgroup: once per run."""
    during_schema_comparison(autogen_context, _gc_paused_scope)
    return PriorityDispatchResult.STOP


def install(plugin: Plugin) -> None:
    """Called by each plugin's ``setup()``: it takes part in the pipeline of every run, and
    its run compares with the garbage collector paused. Registered before the plugin's own
    comparators, so the pause is in place before any of them starts comparing."""
    short = plugin.name[len(PLUGIN_PREFIX):] if plugin.name.startswith(PLUGIN_PREFIX) else (
        plugin.name
    )

    def mark_active(autogen_context: AutogenContext, upgrade_ops: Any) -> PriorityDispatchResult:
        active_plugins(autogen_context).add(short)
        return PriorityDispatchResult.CONTINUE

    plugin.add_autogenerate_comparator(
        mark_active, "autogenerate", f"{PLUGIN_PREFIX}active.{short}",
        priority=DispatchPriority.FIRST,
    )
    plugin.add_autogenerate_comparator(
        pause_gc, "autogenerate", f"{PLUGIN_PREFIX}gc_pause", priority=DispatchPriority.FIRST
    )
    plugin.add_autogenerate_comparator(
        run_pipeline, "autogenerate", f"{PLUGIN_PREFIX}rewrite", priority=DispatchPriority.LAST
    )
