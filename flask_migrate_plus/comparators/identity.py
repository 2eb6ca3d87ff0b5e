"""Comparator plugin ``flask_migrate_plus.identity``: ``Identity()`` columns.

Two things Alembic gets wrong:

- SQLite and MariaDB have no identity columns; SQLAlchemy renders ``Identity()`` there as
  plain autoincrement. Alembic still sees "no default -> Identity()" on every run and emits an
  ``alter_column`` that fails. Here ``Identity()`` counts as "no server default" on them.
- On PostgreSQL Alembic renders any identity change as ``alter_column(server_default=
  sa.Identity(...))``, which the server rejects ("already an identity column"), and it
  misses options going back to their defaults. Here both sides are resolved to the values
  PostgreSQL really uses and compared; a difference becomes an ``AlterIdentityOp``, rendered
  as ``ALTER TABLE .. ALTER COLUMN .. ADD GENERATED / SET ... / DROP IDENTITY``.

A SERIAL column (what ``create_all`` makes of a plain integer key on PostgreSQL) that becomes
an identity, or back, is converted in place: its sequence goes or comes, and numbering goes on
after the existing rows. Nullability is carried by the op, since Alembic ignores it on
identity columns and PostgreSQL needs NOT NULL before ADD IDENTITY.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.identity import (
    SERIAL,
    AlterIdentityOp,
    IdentityState,
    Numbering,
    describe_numbering,
)
from ..rewrite import install
from ..schema.sequence_options import pg_implied_options, resolve_pg_sequence_options

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import AlterColumnOp, ModifyTableOps
    from alembic.runtime.environment import NameFilterParentNames

log = logging.getLogger("alembic.autogenerate.compare")

#: Dialects where ``Identity()`` compiles to AUTOINCREMENT / AUTO_INCREMENT, not a default.
AUTOINCREMENT_DIALECTS = ("sqlite", "mysql", "mariadb")


def pg_identity_state(identity: Any, type_name: str) -> IdentityState | None:
    """What PostgreSQL stores for ``identity`` on a column of ``type_name`` (None: no identity).

    So ``Identity()`` and a reflected ``Identity(start=1, ..., maxvalue=2147483647)`` are the
    same state, and ``Identity(start=100)`` -> ``Identity()`` is a real change (Alembic reads it
    as "back to default, ignore").
    """
    if not isinstance(identity, sa.Identity):
        return None
    options = resolve_pg_sequence_options(identity, type_name)
    return IdentityState(
        always=bool(identity.always),
        options=options,
        defaults=pg_implied_options(type_name, options["increment"]),
    )


def reflected_numbering(conn_col: sa.Column[Any], type_name: str) -> Numbering:
    """Identity, SERIAL or nothing, as reflected.

    Alembic hides the ``nextval`` default of a SERIAL column (one whose sequence the column
    owns) but keeps ``autoincrement=True``, which is how SERIAL shows here.
    """
    if isinstance(conn_col.server_default, sa.Identity):
        return pg_identity_state(conn_col.server_default, type_name)
    if conn_col.autoincrement is True and conn_col.server_default is None:
        return SERIAL
    return None


def model_numbering(metadata_col: sa.Column[Any], type_name: str) -> Numbering:
    """Identity, SERIAL (what ``create_all`` makes of a plain autoincrement key) or nothing."""
    if isinstance(metadata_col.server_default, sa.Identity):
        return pg_identity_state(metadata_col.server_default, type_name)
    plain = metadata_col.server_default is None and metadata_col.default is None
    if plain and metadata_col.table._autoincrement_column is metadata_col:
        return SERIAL
    return None


def _pg_type_name(column: sa.Column[Any], autogen_context: AutogenContext) -> str:
    """The type as PostgreSQL names it; "" for a type that does not compile (a reflected
    type SQLAlchemy does not know, such as a composite: never an identity column)."""
    try:
        return str(column.type.compile(dialect=autogen_context.dialect)).upper()
    except sa.exc.CompileError:
        return ""


# -- comparators ----------------------------------------------------------------------------


def compare_identity_as_autoincrement(
    autogen_context: AutogenContext,
    alter_column_op: AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> PriorityDispatchResult:
    """SQLite / MariaDB: ``Identity()`` is autoincrement, i.e. no server default at all."""
    if not isinstance(metadata_col.server_default, sa.Identity):
        return PriorityDispatchResult.CONTINUE
    if conn_col.server_default is None:
        return PriorityDispatchResult.STOP
    # The database has a real default that the identity column must not keep.
    alter_column_op.existing_server_default = conn_col.server_default
    alter_column_op.modify_server_default = None
    log.info("Detected removed server default on identity column '%s.%s'", tname, cname)
    return PriorityDispatchResult.STOP


def stop_builtin_identity_compare(
    autogen_context: AutogenContext,
    alter_column_op: AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: sa.Column[Any],
    metadata_col: sa.Column[Any],
) -> PriorityDispatchResult:
    """PostgreSQL: identity columns are ours (see ``compare_identity_columns``).

    A plain server default replacing an identity is still set here, as a normal
    ``alter_column``; the identity itself is dropped by our op, after it.
    """
    conn_default, metadata_default = conn_col.server_default, metadata_col.server_default
    if not isinstance(conn_default, sa.Identity) and not isinstance(
        metadata_default, sa.Identity
    ):
        return PriorityDispatchResult.CONTINUE
    if isinstance(conn_default, sa.Identity) and isinstance(metadata_default, sa.DefaultClause):
        alter_column_op.existing_server_default = None
        alter_column_op.modify_server_default = metadata_default
        log.info("Detected server default replacing identity on '%s.%s'", tname, cname)
    elif isinstance(metadata_default, sa.Identity) and isinstance(conn_default, sa.DefaultClause):
        alter_column_op.existing_server_default = conn_default
        alter_column_op.modify_server_default = None
        log.info("Detected identity replacing server default on '%s.%s'", tname, cname)
    return PriorityDispatchResult.STOP


def compare_identity_columns(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """PostgreSQL: one ``AlterIdentityOp`` per column whose resolved identity differs."""
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    parents: NameFilterParentNames = {"table_name": tname, "schema_name": schema}
    for metadata_col in metadata_table.c:
        conn_col = conn_table.c.get(metadata_col.name)
        if conn_col is None:
            continue
        # Only changes that involve an identity are ours; SERIAL vs plain stays Alembic's.
        if not isinstance(conn_col.server_default, sa.Identity) and not isinstance(
            metadata_col.server_default, sa.Identity
        ):
            continue
        if not autogen_context.run_name_filters(conn_col.name, "column", dict(parents)):
            continue
        if not autogen_context.run_object_filters(
            metadata_col, metadata_col.name, "column", False, conn_col
        ):
            continue
        type_name = _pg_type_name(metadata_col, autogen_context)
        before = reflected_numbering(conn_col, _pg_type_name(conn_col, autogen_context))
        after = model_numbering(metadata_col, type_name)
        if _same(before, after):
            continue
        modify_table_ops.ops.append(AlterIdentityOp(
            tname, metadata_col.name, schema, before, after, type_name,
            before_nullable=bool(conn_col.nullable), after_nullable=bool(metadata_col.nullable),
        ))
        log.info("Detected identity change on column '%s.%s': %s -> %s",
                 tname, metadata_col.name, describe_numbering(before), describe_numbering(after))
    return PriorityDispatchResult.CONTINUE


def _same(before: Numbering, after: Numbering) -> bool:
    if not isinstance(before, IdentityState) or not isinstance(after, IdentityState):
        return before == after
    return (before.always, before.options) == (after.always, after.options)


def setup(plugin: Plugin) -> None:
    """Register the comparators; ``AlterIdentityOp`` leaves batch blocks in the
    ``raw_sql_out_of_batch`` rewrite pass."""
    register_renderers()
    install(plugin)
    for dialect in AUTOINCREMENT_DIALECTS:
        plugin.add_autogenerate_comparator(
            compare_identity_as_autoincrement, "column", "server_default",
            qualifier=dialect, priority=DispatchPriority.FIRST,
        )
    plugin.add_autogenerate_comparator(
        stop_builtin_identity_compare, "column", "server_default",
        qualifier="postgresql", priority=DispatchPriority.FIRST,
    )
    plugin.add_autogenerate_comparator(
        compare_identity_columns, "table", "identity", qualifier="postgresql"
    )
