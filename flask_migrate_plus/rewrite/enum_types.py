"""PostgreSQL enum types follow the tables and columns that use them.

Alembic's ``create_table`` creates a table's enum types without checking first, and
``drop_table`` leaves them behind. So:

- a ``create_table`` (or the one a ``drop_table`` reverses into) does not create a type the
  database has already (its columns are told ``create_type=False``);
- a type a new table brings is recorded as created by that ``create_table`` (a comment in the
  upgrade; the downgrade drops it after the table);
- a type no column uses any more once the script's tables are dropped is dropped after them
  (and created again before them on downgrade);
- a column changed into an enum type the database lacks creates the type first; a column
  changed out of one that nothing else uses drops it after (both mirrored on downgrade);
- a default change on a column of a type whose values change moves into that type's
  :class:`SyncEnumValuesOp`, which must drop and set defaults around its own work anyway;
- so does the drop of an index or constraint that holds a constant of such a type: the op
  drops it before its rebuild anyway, and a separate ``drop_index`` would find it gone (or,
  on downgrade, create it before the type has its old values back).

The create and drop ops are :class:`CreateObjectOp` / :class:`DropObjectOp`; the
``prerequisites`` pass puts them before the type's first user and after its last.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.dialects import postgresql

from ..ops.enums import EnumColumn, EnumDependent, SyncEnumValuesOp
from ..ops.objects import CreateObjectOp, DropObjectOp, EnumType
from ..schema.enums import TypeKey, enum_catalog, schema_key, type_key
from ..schema.types import native_enum, wrapped_types
from .op_tree import TableKey, columns_of, dropped_table_columns, qualified, table_key

log = logging.getLogger("alembic.autogenerate.compare")


def _enum_key(type_: Any, dialect: Any, default: str | None) -> TypeKey | None:
    enum, _ = native_enum(type_, dialect)
    return type_key(enum, default) if enum is not None and enum.name else None


def _enum_object(type_: Any, dialect: Any) -> EnumType | None:
    enum, _ = native_enum(type_, dialect)
    if enum is None or not enum.name:
        return None
    return EnumType(str(enum.name), enum.schema, tuple(enum.enums))


def _creates_its_type(type_: Any) -> bool:
    """False when the column's enum is declared ``create_type=False`` (someone else makes it)."""
    return all(getattr(inner, "create_type", True) is not False for inner in wrapped_types(type_))


def _stop_create_type(type_: Any) -> None:
    for inner in wrapped_types(type_):
        if isinstance(inner, postgresql.ENUM):
            inner.create_type = False


def column_reusing_type(
    column: Any, dialect: Any, default_schema: str | None, existing: Any
) -> Any:
    """A copy of ``column`` whose enum type will not be created again, if its type exists."""
    if not isinstance(column, sa.Column):
        return column
    enum, is_array = native_enum(column.type, dialect)
    if enum is None or (schema_key(enum.schema, default_schema), enum.name) not in existing:
        return column
    type_: Any = postgresql.ENUM(
        *enum.enums, name=enum.name, schema=enum.schema, create_type=False
    )
    if is_array:
        type_ = postgresql.ARRAY(type_, dimensions=getattr(column.type, "dimensions", None))
    copy = column._copy()
    copy.type = type_
    return copy


def _creates(op: Any) -> ops.CreateTableOp | None:
    """The ``create_table`` an op runs: its own, or the one its downgrade runs."""
    create = op if isinstance(op, ops.CreateTableOp) else getattr(op, "_reverse", None)
    ok = isinstance(op, (ops.CreateTableOp, ops.DropTableOp)) and create is not None
    return create if ok else None


def reuse_existing_types(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Keep ``create_table`` (and the one a ``drop_table`` reverses into) from issuing
    ``CREATE TYPE`` for an enum type the database already has: it does not check first."""
    dialect = autogen_context.dialect
    creates = [create for op in upgrade_ops.ops if (create := _creates(op)) is not None]
    if not any(native_enum(column.type, dialect)[0] is not None
               for create in creates for column in columns_of(create.columns)):
        return  # no native enum involved: no catalog query at all
    existing, _ = enum_catalog(autogen_context)
    default = dialect.default_schema_name
    for create in creates:
        create.columns = [column_reusing_type(item, dialect, default, existing)
                          for item in create.columns]


def take_default_changes(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Move server-default changes of an enum type's columns from ``alter_column`` into the
    type's :class:`SyncEnumValuesOp` (see :class:`EnumColumn`); an ``alter_column`` left with
    nothing to do is dropped."""
    for sync in [op for op in upgrade_ops.ops if isinstance(op, SyncEnumValuesOp)]:
        sync.columns = tuple(_taken(upgrade_ops, list(sync.columns)))
    upgrade_ops.ops[:] = [
        op for op in upgrade_ops.ops if not isinstance(op, ops.ModifyTableOps) or op.ops
    ]


def _taken(upgrade_ops: ops.UpgradeOps, columns: list[EnumColumn]) -> list[EnumColumn]:
    wanted = {(column.schema, column.table, column.column): column for column in columns}
    for table_ops in upgrade_ops.ops:
        if not isinstance(table_ops, ops.ModifyTableOps):
            continue
        for alter in list(table_ops.ops):
            key = (table_ops.schema, table_ops.table_name, getattr(alter, "column_name", None))
            if (
                key not in wanted
                or not isinstance(alter, ops.AlterColumnOp)
                or alter.modify_type is not None  # the column leaves the enum: not ours
                or alter.modify_server_default is False
            ):
                continue
            wanted[key] = wanted[key]._replace(
                new_default=alter.modify_server_default, default_changes=True
            )
            alter.modify_server_default = False
            if not alter.has_changes():
                table_ops.ops.remove(alter)
    return list(wanted.values())


def _dependent_key(dependent: EnumDependent) -> tuple[Any, ...]:
    if dependent.kind == "index":  # index names are unique per schema
        return ("index", dependent.schema, dependent.name)
    return ("constraint", dependent.schema, dependent.table, dependent.name)


def _drop_key(op: Any, default: str | None) -> tuple[Any, ...] | None:
    """The key of the index or constraint a drop op removes; None for any other op."""
    schema = schema_key(op.schema, default) if hasattr(op, "schema") else None
    if isinstance(op, ops.DropIndexOp):
        return ("index", schema, str(op.index_name))
    if isinstance(op, ops.DropConstraintOp) and op.constraint_name is not None:
        return ("constraint", schema, op.table_name, str(op.constraint_name))
    return None


def take_dependent_drops(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Move the drop of each index or constraint that holds a constant of a rebuilt enum
    type into the type's :class:`SyncEnumValuesOp` (module doc); an emptied table group is
    dropped. One that holds constants of several such types goes to the first type's op,
    and the later ones leave it alone: it is gone by then."""
    syncs = [op for op in upgrade_ops.ops
             if isinstance(op, SyncEnumValuesOp) and op.dependents]
    if not syncs:
        return
    default = autogen_context.dialect.default_schema_name
    drops = {
        key: (container, op)
        for container in [upgrade_ops, *upgrade_ops.ops]
        if isinstance(container, (ops.UpgradeOps, ops.ModifyTableOps))
        for op in container.ops
        if (key := _drop_key(op, default)) is not None
    }
    claimed: set[tuple[Any, ...]] = set()
    for sync in syncs:
        kept, dropped = [], []
        for dependent in sync.dependents:
            key = _dependent_key(dependent)
            if key in claimed:
                continue
            if key not in drops:
                kept.append(dependent)
                continue
            claimed.add(key)
            dropped.append(dependent)
            container, op = drops[key]
            container.ops.remove(op)
        sync.dependents = tuple(kept)
        sync.dropped_dependents += tuple(dropped)
    upgrade_ops.ops[:] = [
        op for op in upgrade_ops.ops if not isinstance(op, ops.ModifyTableOps) or op.ops
    ]


def _model_enum_keys(autogen_context: Any) -> set[TypeKey]:
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    return {
        key
        for table in autogen_context.sorted_tables
        for column in table.columns
        if (key := _enum_key(column.type, dialect, default)) is not None
    }


def _users(autogen_context: Any) -> dict[TypeKey, list[tuple[TableKey, str]]]:
    """Type -> the (table, column) pairs using it in the database."""
    default = autogen_context.dialect.default_schema_name
    return {
        key: [((schema_key(row.table_schema, default), row.table_name), row.column_name)
              for row in rows]
        for key, rows in enum_catalog(autogen_context)[1].items()
    }


def follow_tables(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Types created by new tables, and types left unused by dropped tables (module doc)."""
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    created: set[TypeKey] = set()
    for op in list(upgrade_ops.ops):
        for column in columns_of(op.columns) if isinstance(op, ops.CreateTableOp) else []:
            obj = _enum_object(column.type, dialect)
            key = _enum_key(column.type, dialect, default)
            if obj is not None and key not in created and _creates_its_type(column.type):
                created.add(key)  # type: ignore[arg-type]
                upgrade_ops.ops.append(CreateObjectOp(obj, implicit=True))
    drops = [op for op in upgrade_ops.ops if isinstance(op, ops.DropTableOp)]
    candidates: dict[TypeKey, EnumType] = {}
    for drop in drops:
        for column in dropped_table_columns(drop):
            key = _enum_key(column.type, dialect, default)
            obj = _enum_object(column.type, dialect)
            if key is not None and obj is not None:
                candidates.setdefault(key, obj)
    if not candidates:
        return
    dropped = {table_key(op) for op in drops}
    in_models = _model_enum_keys(autogen_context)
    users = _users(autogen_context)
    for key, obj in candidates.items():
        if key in in_models or any(table not in dropped for table, _ in users.get(key, [])):
            continue
        for drop in drops:
            for column in dropped_table_columns(drop):
                if _enum_key(column.type, dialect, default) == key:
                    _stop_create_type(column.type)
        upgrade_ops.ops.append(DropObjectOp(obj))
        log.info("Detected enum type %r no longer used", qualified(key))


def _altered_enum_columns(
    upgrade_ops: ops.UpgradeOps, dialect: Any, default: str | None
) -> list[tuple[ops.AlterColumnOp, TypeKey | None, TypeKey | None]]:
    """(op, enum type before, enum type after) of each type change that enters or leaves
    a native enum type."""
    changes = []
    for container in upgrade_ops.ops:
        for op in container.ops if isinstance(container, ops.ModifyTableOps) else []:
            if isinstance(op, ops.AlterColumnOp) and op.modify_type is not None:
                old = _enum_key(op.existing_type, dialect, default)
                new = _enum_key(op.modify_type, dialect, default)
                if old != new:
                    changes.append((op, old, new))
    return changes


def _object_op(top: list[Any], key: TypeKey, default: str | None, cls: type) -> Any:
    """The create (or drop) op of enum type ``key`` already in ``top``, if any."""
    for item in top:
        obj = getattr(item, "obj", None)
        if isinstance(item, cls) and isinstance(obj, EnumType) and (
            schema_key(obj.schema, default), obj.name
        ) == key:
            return item
    return None


def follow_columns(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Types entered or left by altered columns (module doc)."""
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    changes = _altered_enum_columns(upgrade_ops, dialect, default)
    if not changes:
        return
    existing, _ = enum_catalog(autogen_context)
    top = upgrade_ops.ops
    for op, _, new in changes:
        if new is None or new in existing:
            continue
        planned = _object_op(top, new, default, CreateObjectOp)
        if planned is not None and not planned.implicit:
            continue
        if planned is not None:  # an explicit create instead; no create_table may make it too
            top.remove(planned)
        for create in top:
            if isinstance(create, ops.CreateTableOp):
                create.columns = [column_reusing_type(item, dialect, default, {new})
                                  for item in create.columns]
        obj = _enum_object(op.modify_type, dialect)
        assert obj is not None
        top.append(CreateObjectOp(obj))
        log.info("Detected enum type %r needed by %s.%s", qualified(new), op.table_name,
                 op.column_name)
    in_models = _model_enum_keys(autogen_context)
    users = _users(autogen_context)
    dropped = {table_key(op): op for op in top if isinstance(op, ops.DropTableOp)}
    leaving = {((op.schema, op.table_name), op.column_name) for op, old, _ in changes if old}
    for old in sorted({old for _, old, _ in changes if old is not None}, key=str):
        still_used = [user for user in users.get(old, [])
                      if user[0] not in dropped and user not in leaving]
        if old in in_models or still_used or old not in existing:
            continue
        if _object_op(top, old, default, DropObjectOp) is not None:
            continue  # follow_tables drops it already
        for drop in dropped.values():
            for column in dropped_table_columns(drop):
                if _enum_key(column.type, dialect, default) == old:
                    _stop_create_type(column.type)
        schema = old[0]
        top.append(DropObjectOp(EnumType(old[1], schema, tuple(existing[old]))))
        log.info("Detected enum type %r no longer used", qualified(old))


def follow_enum_types(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass: enum types follow their tables, then their altered columns."""
    follow_tables(autogen_context, upgrade_ops)
    follow_columns(autogen_context, upgrade_ops)
