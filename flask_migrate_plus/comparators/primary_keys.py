"""Comparator plugin ``flask_migrate_plus.primary_keys``: primary-key changes.

Alembic never compares primary keys: a key that gains or
loses a column, a key added to a table that had none, or a key removed all go unnoticed.
Here each side is reduced to its ordered column names and compared; a difference becomes
one ``ReplacePrimaryKeyOp`` (``ops.primary_keys``, rendered per dialect).

Names: the reflected name is kept for the drop (PostgreSQL's real name; MariaDB's is always
``PRIMARY`` and unused; SQLite may have none). A model key without a name gets the naming
convention's name if the metadata has one, else ``<table>_pkey``, PostgreSQL's own choice,
so that the downgrade can drop it by name. Names alone are not compared: the model usually
leaves them to the server.

A unique constraint on exactly the key's columns (``primary_key=True, unique=True``): in
one ``CREATE TABLE``, PostgreSQL keeps the key and drops a ``UNIQUE`` with the same columns
in the same order (not deferrable, no options of its own), giving the key the unique
constraint's name when the key has none. ``create_all`` therefore builds no such
constraint, and Alembic would propose adding it on every run; it is not proposed while the
database's key has those columns. (Added by an ``ALTER TABLE`` of its own, the constraint
exists, and is then compared like any other.)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.primary_keys import PrimaryKeyState, ReplacePrimaryKeyOp
from ..rewrite import install
from ..schema.names import default_primary_key_name, model_name

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import ModifyTableOps
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType
    from sqlalchemy.engine import Dialect

log = logging.getLogger("alembic.autogenerate.compare")

#: The ``type_`` our filters are called with, in the style of Alembic's "unique_constraint".
FILTER_TYPE = "primary_key_constraint"


def reflected_primary_key(table: sa.Table) -> PrimaryKeyState | None:
    """The database's key; None when the table has none."""
    columns = tuple(column.name for column in table.primary_key.columns)
    if not columns:
        return None
    return PrimaryKeyState(_explicit_name(table.primary_key), columns)


def model_primary_key(table: sa.Table, dialect: Dialect) -> PrimaryKeyState | None:
    """The model's key, always named (as the server stores the name), so that the reverse
    operation can drop it."""
    columns = tuple(column.name for column in table.primary_key.columns)
    if not columns:
        return None
    name = model_name(table.primary_key, dialect) or default_primary_key_name(table.name)
    return PrimaryKeyState(str(name), columns)


def _explicit_name(constraint: sa.PrimaryKeyConstraint) -> str | None:
    name = constraint.name
    # None, or SQLAlchemy's non-string "no name yet" sentinel, means unnamed.
    return str(name) if isinstance(name, str) else None


def compare_primary_key(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """Emit a ``ReplacePrimaryKeyOp`` when the key's columns differ (existing tables only)."""
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    before = reflected_primary_key(conn_table)
    after = model_primary_key(metadata_table, autogen_context.dialect)
    if _columns(before) == _columns(after):
        return PriorityDispatchResult.CONTINUE
    if not _included(autogen_context, schema, tname, conn_table, metadata_table, before, after):
        return PriorityDispatchResult.CONTINUE
    modify_table_ops.ops.append(ReplacePrimaryKeyOp(tname, schema, before, after))
    log.info("Detected changed primary key on '%s': %s -> %s",
             tname, _columns(before) or "none", _columns(after) or "none")
    return PriorityDispatchResult.CONTINUE


def _columns(key: PrimaryKeyState | None) -> tuple[str, ...]:
    return key.columns if key is not None else ()


def _included(
    autogen_context: AutogenContext,
    schema: str | None,
    tname: str,
    conn_table: sa.Table,
    metadata_table: sa.Table,
    before: PrimaryKeyState | None,
    after: PrimaryKeyState | None,
) -> bool:
    """The user's include_name / include_object, for each side that exists."""
    type_: NameFilterType = FILTER_TYPE  # type: ignore[assignment]
    parents: NameFilterParentNames = {"table_name": tname, "schema_name": schema}
    if before is not None:
        if not autogen_context.run_name_filters(before.name, type_, dict(parents)):
            return False
        if not autogen_context.run_object_filters(
            conn_table.primary_key, before.name, type_, True, metadata_table.primary_key
        ):
            return False
    if after is not None and not autogen_context.run_object_filters(
        metadata_table.primary_key, after.name, type_, False,
        conn_table.primary_key if before is not None else None,
    ):
        return False
    return True


def _merged_into_key(op: object, key: sa.PrimaryKeyConstraint) -> bool:
    """Whether PostgreSQL's ``CREATE TABLE`` keeps ``key`` instead of unique constraint
    ``op`` (module doc): same columns in the same order, same deferral, no options."""
    from alembic.operations import ops

    if not isinstance(op, ops.CreateUniqueConstraintOp):
        return False
    options = {k: v for k, v in op.kw.items() if k.startswith("postgresql_") and v}
    return (
        tuple(op.columns) == tuple(column.name for column in key.columns)
        and not options
        and bool(op.kw.get("deferrable")) == bool(key.deferrable)
        and str(op.kw.get("initially") or "").upper() == str(key.initially or "").upper()
    )


def keep_unique_in_key(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """PostgreSQL: take back Alembic's ``create_unique_constraint`` of a constraint that
    ``CREATE TABLE`` merges into the primary key (module doc)."""
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    key = metadata_table.primary_key
    columns = tuple(column.name for column in key.columns)
    if not columns or _columns(reflected_primary_key(conn_table)) != columns:
        return PriorityDispatchResult.CONTINUE  # the key changes too: both ALTERs build theirs
    merged: list[Any] = [op for op in modify_table_ops.ops if _merged_into_key(op, key)]
    for op in merged:
        modify_table_ops.ops.remove(op)
        log.info("Unique constraint %r on '%s' has the primary key's columns: PostgreSQL "
                 "keeps the key alone, as create_all builds it; not added",
                 op.constraint_name, tname)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Register the table comparators (the unique-constraint one after Alembic's own). The
    rewrite pass ``primary_key_first`` puts the key op before its columns become nullable;
    where the op is one raw statement it leaves batch blocks in ``raw_sql_out_of_batch``."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(compare_primary_key, "table", "primary_key")
    plugin.add_autogenerate_comparator(
        keep_unique_in_key, "table", "indexes", qualifier="postgresql",
        priority=DispatchPriority.LAST,
    )
