"""Comparator plugin ``flask_migrate_plus.serial``: PostgreSQL SERIAL columns in one query.

Alembic hides the ``nextval(...)`` default of a SERIAL column by asking the catalog, for each
such column, whether the sequence is owned by it (``PostgresqlImpl.autogen_column_reflect``):
one round trip per SERIAL column, 800 for 800 tables. This plugin answers the same question
for every column of the run with one query, and gives the same verdict: the default of an
integer column is dropped from the reflection when it is ``nextval`` of a sequence that the
column owns (``pg_depend`` type ``a``, which ``SERIAL`` and ``OWNED BY`` create).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..rewrite import install

log = logging.getLogger(__name__)

NEXTVAL = re.compile(r"nextval\('(.+?)'::regclass\)")

#: (schema, table, column) -> the owned sequence, spelled as a nextval() default spells it
OWNED_SEQUENCES = sa.text(
    "SELECT tn.nspname, t.relname, a.attname, s.oid::regclass::text "
    "FROM pg_depend d "
    "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
    "JOIN pg_class t ON t.oid = d.refobjid "
    "JOIN pg_namespace tn ON tn.oid = t.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
    "WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass "
    "AND d.deptype = 'a'"
)


class SerialColumns:
    """The owned-sequence map of one autogenerate run, read on first use."""

    def __init__(self, connection: sa.Connection, default_schema: str | None) -> None:
        self.connection = connection
        self.default_schema = default_schema
        self._owned: dict[tuple[str, str, str], str] | None = None

    def owned(self) -> dict[tuple[str, str, str], str]:
        if self._owned is None:
            rows = self.connection.execute(OWNED_SEQUENCES)
            self._owned = {(r[0], r[1], r[2]): r[3] for r in rows}
        return self._owned

    def column_reflect(self, inspector: Any, table: sa.Table, column_info: dict) -> None:
        """Drop the reflected default of a SERIAL column, as Alembic's own hook does."""
        default = column_info.get("default")
        if not default or not isinstance(column_info["type"], sa.Integer):
            return
        match = NEXTVAL.match(default)
        if not match:
            return
        schema = table.schema or self.default_schema or "public"
        sequence = self.owned().get((schema, table.name, column_info["name"]))
        if sequence is not None and sequence == match.group(1):
            del column_info["default"]


def batch_serial_lookups(
    autogen_context: Any, upgrade_ops: Any, schemas: Any
) -> PriorityDispatchResult:
    """Replace the per-column SERIAL lookup of this run's impl by the batched one."""
    context = autogen_context.migration_context
    connection = autogen_context.connection
    if connection is None:
        return PriorityDispatchResult.CONTINUE
    serial = SerialColumns(connection, connection.dialect.default_schema_name)
    # An attribute on this run's impl instance only; Alembic looks the method up per table.
    context.impl.autogen_column_reflect = serial.column_reflect
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Before Alembic's table comparison reflects any column (FIRST, "schema")."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        batch_serial_lookups,
        "schema",
        qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )
