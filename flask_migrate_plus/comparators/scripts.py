"""Plugin ``flask_migrate_plus.scripts``: scripts that run, and lose no data unseen.

This plugin detects nothing by itself: its work is done by rewrite passes over the finished
list of ops (``flask_migrate_plus.rewrite``, in the order written there), which run while it
is switched on:

- every index and constraint name written as the server stores it (``server_names``);
- new and dropped tables in foreign-key order, cycles closed and ``use_alter`` keys added
  afterwards, the indexes of new and dropped tables going with them (``table_order``);
- names for constraints the script creates or drops without one (``constraint_names``);
- on MySQL/MariaDB, the index the server makes for a new foreign key dropped after it on
  downgrade (``mysql_fk_indexes``);
- existing rows filled for a new NOT NULL column (``not_null_backfill``);
- PostgreSQL enum types, extensions and composite types created before the tables that use
  them and dropped after (``enum_types``, ``type_objects``, ``prerequisites``);
- the DDL listeners of a new table run next to its ``create_table``, and an index or
  constraint such DDL made is never dropped (``table_ddl``, ``keep_ddl_objects``);
- a comment and a warning line for every drop (``drop_notes``).
"""

from __future__ import annotations

from alembic.runtime.plugins import Plugin

from ..ops import register_renderers
from ..rewrite import install


def setup(plugin: Plugin) -> None:
    """Take part in the rewrite pipeline of every run (its passes are listed above)."""
    register_renderers()
    install(plugin)
