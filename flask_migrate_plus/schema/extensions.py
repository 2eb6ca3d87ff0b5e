"""What PostgreSQL extensions own: tables and sequences that are never the application's.

``CREATE EXTENSION postgis`` makes the table ``spatial_ref_sys``; other extensions make
tables, views and sequences too. The server records each as a member of its extension
(``pg_depend`` type ``e``), whatever its name, and refuses to drop it on its own. Such an
object is never compared, so never dropped, whatever the name filters or the user's
patterns say: one catalog query per run finds them all.

Their other members, functions and types, are never compared by any plugin to begin with:
autogenerate only ever looks at the types the models name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from .enums import schema_key
from .run_state import once_per_run

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: (kind, schema, name); kind as Alembic's filters name it ("table", "sequence"), schema
#: None for the connection's default schema.
MemberKey = tuple[str, str | None, str]

PG_EXTENSION_RELATIONS = sa.text(
    """
    SELECT n.nspname AS schema_name, c.relname AS name, c.relkind AS relkind
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_class c ON c.oid = d.objid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
    """
)

#: pg_class kinds -> the name the filters use for them.
RELATION_KINDS = {"r": "table", "p": "table", "f": "table", "v": "table", "m": "table",
                  "S": "sequence"}


def extension_members(autogen_context: AutogenContext) -> frozenset[MemberKey]:
    """The tables and sequences extensions own, on PostgreSQL; read once per run."""
    dialect = autogen_context.dialect
    if dialect is None or dialect.name != "postgresql" or autogen_context.connection is None:
        return frozenset()
    connection = autogen_context.connection
    default_schema = dialect.default_schema_name

    def read() -> frozenset[MemberKey]:
        return frozenset(
            (RELATION_KINDS[row.relkind], schema_key(row.schema_name, default_schema), row.name)
            for row in connection.execute(PG_EXTENSION_RELATIONS)
            if row.relkind in RELATION_KINDS
        )

    return once_per_run(autogen_context, __name__, "members", read)
