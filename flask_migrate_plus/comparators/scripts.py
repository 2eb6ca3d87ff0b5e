"""Comparator plugin ``flask_migrate_plus.scripts``: scripts that run and lose no data unseen.

It runs once per autogenerate, after every other comparator (target "autogenerate",
priority LAST), and rewrites the finished ``UpgradeOps``; the downgrade is Alembic's reverse
of the result, so every change below holds in both directions:

1. New and dropped tables are ordered by their foreign keys. A key that closes a cycle
   (``a.b_id -> b``, ``b.a_id -> a``) is left out of ``create_table`` and added afterwards
   under an explicit name; on a drop it is dropped first, by its database name. A kept
   table that drops its key to a dropped table does so before the drop.
2. The indexes of a table created or dropped by the script go with the table: the downgrade
   does not drop them one by one (MariaDB refuses to drop an index backing a foreign key),
   and wherever a foreign key and an index both go, the key goes first. On MySQL/MariaDB
   the index the server makes for a new key is dropped after it on downgrade.
3. New constraints without a name get one (batch mode and ``drop_constraint`` need it):
   the naming convention's when there is one, else a deterministic ``fk_/uq_/ck_`` name.
   SQLite's unnamed constraints are dropped under the name a batch ``naming_convention``
   gives them.
4. A NOT NULL column added to an existing table gets its scalar Python ``default=`` as a
   temporary server default, so existing rows are filled; otherwise a warning and a comment.
5. PostgreSQL enum types follow their tables: dropped with the last table created with
   them, and dropped with the last table using them (recreated on downgrade). They follow
   columns too: a column changed into an enum type the database lacks creates it first; a
   column changed out of one that nothing else uses drops it after (both reversed on
   downgrade).
6. Every ``drop_table`` / ``drop_column`` gets a comment above it and one warning line.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.dialects import postgresql

from ..renderers.safe_ops import (
    ConventionBatchOps,
    EnumTypeOp,
    ImpliedOp,
    TemporaryDefaultOp,
    goes_with_table,
    with_notes,
)
from .enums import TypeKey as EnumKey
from .enums import column_reusing_type, enum_catalog, native_enum, type_key

log = logging.getLogger("alembic.autogenerate.compare")
console = logging.getLogger("flask_migrate_plus")

TableKey = tuple[str | None, str]  # (schema, name); schema None = the default schema

#: Longest constraint name we write: PostgreSQL cuts at 63 characters, MySQL refuses 65+.
MAX_NAME_LENGTH = 60
_NAME_PREFIXES = {
    ops.CreateForeignKeyOp: "fk",
    ops.CreateUniqueConstraintOp: "uq",
    ops.CreateCheckConstraintOp: "ck",
}

def _qualified(key: TableKey) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


def _key(op: Any) -> TableKey:
    return (op.schema, op.table_name)


def _referred_key(fkc: sa.ForeignKeyConstraint) -> TableKey:
    """The table a foreign key points at, without resolving it (it may not exist yet)."""
    *table_parts, _column = fkc.elements[0].target_fullname.split(".")
    return (".".join(table_parts[:-1]) or None, table_parts[-1])


def _foreign_keys(items: Iterable[Any]) -> list[sa.ForeignKeyConstraint]:
    return [item for item in items if isinstance(item, sa.ForeignKeyConstraint)]


# -- 1. and 2.: tables in foreign-key order, indexes with their tables ------------------------


def creation_order(
    keys: list[TableKey], refs: dict[TableKey, list[tuple[sa.ForeignKeyConstraint, TableKey]]]
) -> tuple[list[TableKey], list[tuple[TableKey, sa.ForeignKeyConstraint]]]:
    """An order in which ``keys`` can be created, and the keys that must wait for it.

    Each step takes the first table whose referred tables already exist; when none can go
    (a cycle), the first remaining table goes and its keys to missing tables wait.
    """
    wanted, placed = set(keys), set()
    order: list[TableKey] = []
    deferred: list[tuple[TableKey, sa.ForeignKeyConstraint]] = []

    def missing(key: TableKey) -> list[sa.ForeignKeyConstraint]:
        return [
            fkc for fkc, target in refs.get(key, [])
            if target in wanted and target != key and target not in placed
        ]

    remaining = list(keys)
    while remaining:
        key = next((k for k in remaining if not missing(k)), remaining[0])
        deferred += [(key, fkc) for fkc in missing(key)]
        placed.add(key)
        order.append(key)
        remaining.remove(key)
    return order, deferred


def _groups(top: list[Any]) -> list[tuple[str, TableKey | None, list[Any]]]:
    """Split top-level ops into ("create"|"drop"|"other", table, ops) runs.

    Alembic writes a new table as ``create_table`` followed by its ``ModifyTableOps``
    (indexes), and a removed one as its ``ModifyTableOps`` followed by ``drop_table``.
    """
    groups: list[tuple[str, TableKey | None, list[Any]]] = []
    i = 0
    while i < len(top):
        op = top[i]
        run: list[Any]
        if isinstance(op, ops.CreateTableOp):
            run = [op]
            while (i + len(run) < len(top) and isinstance(top[i + len(run)], ops.ModifyTableOps)
                   and _key(top[i + len(run)]) == _key(op)):
                run.append(top[i + len(run)])
            groups.append(("create", _key(op), run))
        elif (isinstance(op, ops.ModifyTableOps) and i + 1 < len(top)
              and isinstance(top[i + 1], ops.DropTableOp) and _key(top[i + 1]) == _key(op)):
            run = [op, top[i + 1]]
            groups.append(("drop", _key(op), run))
        elif isinstance(op, ops.DropTableOp):
            run = [op]
            groups.append(("drop", _key(op), run))
        else:
            run = [op]
            groups.append(("other", None, run))
        i += len(run)
    return groups


def _name_of(fkc: sa.ForeignKeyConstraint, table: TableKey) -> str:
    if isinstance(fkc.name, str) and fkc.name:  # a conv() of the naming convention too
        return str(fkc.name)
    columns = [element.parent.name for element in fkc.elements]
    return made_up_name("fk", table[1], columns, _referred_key(fkc)[1])


def _new_tables(groups: list[tuple[str, TableKey | None, list[Any]]]) -> list[Any]:
    """The create groups in foreign-key order, then the keys that closed a cycle."""
    creates = {key: run for kind, key, run in groups if kind == "create" and key}
    refs = {
        key: [(fkc, _referred_key(fkc)) for fkc in _foreign_keys(run[0].columns)]
        for key, run in creates.items()
    }
    order, deferred = creation_order(list(creates), refs)
    result: list[Any] = []
    for key in order:
        create, *modify = creates[key]
        waiting = {id(fkc) for owner, fkc in deferred if owner == key}
        create.columns = [item for item in create.columns if id(item) not in waiting]
        result.append(create)
        result += _hoist_indexes(modify, key, created=True)
    for owner, fkc in deferred:
        add = ops.CreateForeignKeyOp.from_constraint(fkc)
        add.constraint_name = _name_of(fkc, owner)
        log.info("Detected foreign key cycle: %s.%s added after both tables",
                 _qualified(owner), add.constraint_name)
        result.append(ops.ModifyTableOps(owner[1], [add], schema=owner[0]))
    return result


def _dropped_tables(groups: list[tuple[str, TableKey | None, list[Any]]]) -> list[Any]:
    """Keys closing a cycle dropped first, then the tables, referring ones before referred."""
    drops = {key: run for kind, key, run in groups if kind == "drop" and key}
    refs = {
        key: [(fkc, _referred_key(fkc)) for fkc in _foreign_keys(run[-1].to_table().constraints)]
        for key, run in drops.items()
    }
    order, deferred = creation_order(sorted(drops, key=lambda k: (k[0] or "", k[1])), refs)
    first: list[Any] = []
    for owner, fkc in deferred:
        if fkc.name is None:
            continue  # only SQLite has unnamed keys, and it does not check them on DROP
        reverse = drops[owner][-1]._reverse
        if reverse is not None:
            reverse.columns = [
                item for item in reverse.columns
                if not (isinstance(item, sa.ForeignKeyConstraint) and item.name == fkc.name)
            ]
        first.append(ops.ModifyTableOps(
            owner[1], [ops.DropConstraintOp.from_constraint(fkc)], schema=owner[0]
        ))
    result = first
    for key in reversed(order):
        *modify, drop = drops[key]
        result += _hoist_indexes(modify, key, created=False)
        result.append(drop)
    return result


def _hoist_indexes(modify: list[Any], key: TableKey, created: bool) -> list[Any]:
    """Index ops of a table the script creates or drops, taken out of its batch block.

    Created: real ``create_index`` calls whose reverse is a comment (the table's drop takes
    them). Dropped: comments whose reverse is the real ``create_index``.
    """
    hoisted: list[Any] = []
    wanted = ops.CreateIndexOp if created else ops.DropIndexOp
    for container in modify:
        indexes = [op for op in container.ops if isinstance(op, wanted)]
        container.ops = [op for op in container.ops if not isinstance(op, wanted)]
        for op in indexes:
            note = f"index {op.index_name} is dropped with table {_qualified(key)}"
            hoisted.append(goes_with_table(op, note) if created else ImpliedOp(op, note))
    kept = [container for container in modify if not container.is_empty()]
    return hoisted + kept if created else kept + hoisted


def _drops_key_to(op: Any, tables: set[TableKey]) -> bool:
    """A table block that drops a foreign key pointing at one of ``tables``."""
    if not isinstance(op, ops.ModifyTableOps):
        return False
    for child in op.ops:
        if isinstance(child, ops.DropConstraintOp) and _is_fk_drop(child):
            constraint = child.to_constraint()
            if isinstance(constraint, sa.ForeignKeyConstraint) and (
                _referred_key(constraint) in tables
            ):
                return True
    return False


def order_tables(upgrade_ops: ops.UpgradeOps) -> None:
    """Rewrite the top level: creates in key order, then drops in reverse key order.

    A kept table that drops its key to a dropped table does so before the drops.
    """
    groups = _groups(upgrade_ops.ops)
    if not any(kind != "other" for kind, _, _ in groups):
        return
    dropped = {key for kind, key, _ in groups if kind == "drop" and key}
    early = [run[0] for kind, _, run in groups
             if kind == "other" and _drops_key_to(run[0], dropped)]
    new_ops: list[Any] = []
    placed: set[str] = set()
    for kind, _, run in groups:
        if kind == "other":
            new_ops += [op for op in run if not any(op is e for e in early)]
        elif kind not in placed:
            placed.add(kind)
            new_ops += _new_tables(groups) if kind == "create" else early + _dropped_tables(groups)
    upgrade_ops.ops = new_ops


def foreign_keys_first(upgrade_ops: ops.UpgradeOps) -> None:
    """In each table's block, drop foreign keys before anything else (indexes backing them)."""
    for container in upgrade_ops.ops:
        if isinstance(container, ops.ModifyTableOps):
            keys = [op for op in container.ops if _is_fk_drop(op)]
            container.ops = keys + [op for op in container.ops if not _is_fk_drop(op)]


def _is_fk_drop(op: Any) -> bool:
    return isinstance(op, ops.DropConstraintOp) and op.constraint_type == "foreignkey"


def _leading_columns(index: Any) -> tuple[str, ...]:
    names = index.get("column_names") if isinstance(index, dict) else index.columns
    return tuple(str(name) for name in names or ())


def mysql_key_indexes(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """MySQL/MariaDB make an index for a new foreign key whose columns no index leads with;
    the downgrade must drop it after the key, or the next autogenerate finds it left over.

    The index is written as a comment before the key (the server makes it), whose reverse
    is the real ``drop_index``. Indexes are read from Alembic's reflection cache.
    """
    from alembic.autogenerate.compare.util import _InspectorConv  # the records Alembic read

    reflected = _InspectorConv(autogen_context.inspector)
    created = {_key(op) for op in upgrade_ops.ops if isinstance(op, ops.CreateTableOp)}
    for container in upgrade_ops.ops:
        if not isinstance(container, ops.ModifyTableOps) or _key(container) in created:
            continue
        dropped = {op.index_name for op in container.ops if isinstance(op, ops.DropIndexOp)}
        leading = [
            _leading_columns(index)
            for index in reflected.get_indexes(container.table_name, container.schema)
            if index["name"] not in dropped
        ]
        leading += [tuple(str(c) for c in op.columns) for op in container.ops
                    if isinstance(op, ops.CreateIndexOp)]
        new_ops: list[Any] = []
        for op in container.ops:
            if isinstance(op, ops.CreateForeignKeyOp) and op.constraint_name and not any(
                lead[: len(op.local_cols)] == tuple(op.local_cols) for lead in leading
            ):
                columns = tuple(op.local_cols)
                index = ops.CreateIndexOp(str(op.constraint_name), op.source_table, list(columns),
                                          schema=container.schema)
                name = str(op.constraint_name)
                new_ops.append(ImpliedOp(
                    index, f"the server makes index {name} for the key below",
                    f"the server makes index {name} on {_qualified(_key(container))} "
                    f"for foreign key {name}",
                ))
                leading.append(columns)
            new_ops.append(op)
        container.ops = new_ops


# -- 3. names for new constraints --------------------------------------------------------------


def made_up_name(prefix: str, table: str, columns: Iterable[str], extra: str = "") -> str:
    """``prefix_table_col1_col2[_extra]``, cut with a stable hash when too long."""
    name = "_".join([prefix, table, *columns, *([extra] if extra else [])])
    if len(name) <= MAX_NAME_LENGTH:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:MAX_NAME_LENGTH - 9]}_{digest}"


def _walk(container: Any) -> Iterator[Any]:
    for op in container.ops:
        if isinstance(op, ops.OpContainer):
            yield from _walk(op)
        else:
            yield op


def name_constraints(upgrade_ops: ops.UpgradeOps) -> list[str]:
    """Give every new unnamed constraint a deterministic name; return the names made up."""
    made: list[str] = []
    for op in _walk(upgrade_ops):
        prefix = next((p for cls, p in _NAME_PREFIXES.items() if isinstance(op, cls)), None)
        if prefix is None or op.constraint_name is not None:
            continue
        if isinstance(op, ops.CreateForeignKeyOp):
            op.constraint_name = made_up_name("fk", op.source_table, op.local_cols,
                                              op.referent_table)
        elif isinstance(op, ops.CreateUniqueConstraintOp):
            op.constraint_name = made_up_name("uq", op.table_name, op.columns)
        else:
            text = str(op.condition)
            op.constraint_name = made_up_name(
                "ck", op.table_name, [hashlib.sha1(text.encode()).hexdigest()[:8]]
            )
        made.append(op.constraint_name)
    return made


#: What batch mode calls the database's unnamed constraints while dropping one of them.
BATCH_CONVENTION = {
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
}


def name_unnamed_drops(upgrade_ops: ops.UpgradeOps) -> list[str]:
    """``drop_constraint(None)`` cannot run: name the constraint as the batch block will."""
    named: list[str] = []
    for index, container in enumerate(upgrade_ops.ops):
        if not isinstance(container, ops.ModifyTableOps):
            continue
        unnamed = [
            op for op in container.ops
            if isinstance(op, ops.DropConstraintOp) and op.constraint_name is None
            and op.constraint_type in ("foreignkey", "unique")
        ]
        for op in unnamed:
            constraint = op.to_constraint()
            columns = [str(key) for key in getattr(constraint, "column_keys", None)
                       or [c.name for c in constraint.columns]]  # type: ignore[attr-defined]
            if isinstance(constraint, sa.ForeignKeyConstraint):
                target = _referred_key(constraint)[1]
                op.constraint_name = "_".join(["fk", container.table_name, *columns, target])
            else:
                op.constraint_name = "_".join(["uq", container.table_name, *columns])
            named.append(op.constraint_name)
        if unnamed:
            upgrade_ops.ops[index] = ConventionBatchOps.from_container(
                container, BATCH_CONVENTION
            )
    return named


# -- 4. NOT NULL columns added to tables that may hold rows --------------------------------------


def _scalar_default(column: sa.Column[Any]) -> Any:
    default: Any = column.default
    if default is None or not getattr(default, "is_scalar", False) or callable(default.arg):
        return None
    return default.arg


def _literal_sql(value: Any, column: sa.Column[Any], dialect: Any) -> str | None:
    """``value`` as SQL for this dialect, or None when the type has no literal form."""
    try:
        literal = sa.literal(value, type_=column.type)
        return str(literal.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    except Exception:  # a type without a literal renderer: fall back to the warning
        return None


def _needs_value(column: sa.Column[Any]) -> bool:
    return (
        not column.nullable
        and column.server_default is None
        and column.computed is None
        and column.identity is None
    )


def fill_not_null_columns(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Existing rows need a value for a new NOT NULL column, or the ALTER fails.

    The default goes away in a second block of its own: SQLite's batch mode rebuilds the
    table for it, and that copy must already find the column filled.
    """
    top: list[Any] = []
    for container in upgrade_ops.ops:
        top.append(container)
        if not isinstance(container, ops.ModifyTableOps):
            continue
        new_ops: list[Any] = []
        temporary: list[Any] = []
        for op in container.ops:
            if not (isinstance(op, ops.AddColumnOp) and _needs_value(op.column)):
                new_ops.append(op)
                continue
            where = f"{_qualified(_key(container))}.{op.column.name}"
            value = _scalar_default(op.column)
            sql = None if value is None else _literal_sql(
                value, op.column, autogen_context.dialect
            )
            if sql is None:
                console.warning(
                    "Column %s is added NOT NULL without a server default: the upgrade fails "
                    "if the table has rows; see the comment in the script", where
                )
                new_ops.append(with_notes(
                    op,
                    f"NOT NULL column {where} has no value for existing rows: give it a\n"
                    "server_default here, or add it nullable, fill it, then make it NOT NULL.",
                ))
                continue
            column = op.column._copy()
            sa.DefaultClause(sa.text(sql))._set_parent(column)
            filled = copy.copy(op)
            filled.column = column
            new_ops.append(filled)
            temporary.append(TemporaryDefaultOp(
                op.table_name, column.name, schema=op.schema, existing_type=column.type,
                existing_nullable=False, existing_server_default=column.server_default,
                modify_server_default=None,
            ))
            log.info("Detected NOT NULL column %s: existing rows get %s", where, sql)
        container.ops = new_ops
        if temporary:
            top.append(ops.ModifyTableOps(container.table_name, temporary,
                                          schema=container.schema))
    upgrade_ops.ops = top


# -- 5. PostgreSQL enum types follow their tables ---------------------------------------------


def _enum_of(type_: Any, dialect: Any) -> tuple[str | None, str, tuple[str, ...]] | None:
    enum, _ = native_enum(type_, dialect)
    if enum is None or not enum.name:
        return None
    return (enum.schema, str(enum.name), tuple(enum.enums))


def _creates_its_type(type_: Any) -> bool:
    """False when the column's enum is declared ``create_type=False`` (someone else makes it)."""
    for _ in range(8):
        if getattr(type_, "create_type", True) is False:
            return False
        inner = getattr(type_, "impl_instance", None) or getattr(type_, "item_type", None)
        if inner is None:
            return True
        type_ = inner
    return True


def _columns(items: Iterable[Any]) -> list[sa.Column[Any]]:
    return [item for item in items if isinstance(item, sa.Column)]


def _model_enum_names(autogen_context: Any) -> set[str]:
    dialect = autogen_context.dialect
    names = set()
    for table in autogen_context.sorted_tables:
        for column in table.columns:
            found = _enum_of(column.type, dialect)
            if found:
                names.add(found[1])
    return names


def _enum_users(autogen_context: Any) -> dict[str, set[TableKey]]:
    """Type name -> tables with a column of it now, from the enums plugin's catalog read."""
    default = autogen_context.dialect.default_schema_name
    users: dict[str, set[TableKey]] = {}
    for (_, type_name), columns in enum_catalog(autogen_context)[1].items():
        for column in columns:
            schema = None if column.table_schema == default else column.table_schema
            users.setdefault(type_name, set()).add((schema, column.table_name))
    return users


def _stop_create_type(type_: Any) -> None:
    for _ in range(8):
        if isinstance(type_, postgresql.ENUM):
            type_.create_type = False
        type_ = getattr(type_, "item_type", None)
        if type_ is None:
            return


def follow_enum_types(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """Insert :class:`EnumTypeOp` next to the tables that bring or take an enum type."""
    dialect = autogen_context.dialect
    top: list[Any] = []
    created: set[tuple[str | None, str, tuple[str, ...]]] = set()
    for op in upgrade_ops.ops:
        for column in _columns(op.columns) if isinstance(op, ops.CreateTableOp) else []:
            found = _enum_of(column.type, dialect)
            if found and found not in created and _creates_its_type(column.type):
                # Before the first table creating it: on downgrade, after the last drop.
                created.add(found)
                top.append(EnumTypeOp(found[1], found[0], found[2], create=True, implicit=True))
        top.append(op)
    upgrade_ops.ops = top
    drops = [op for op in top if isinstance(op, ops.DropTableOp)]
    dropped_keys = {_key(op) for op in drops}
    candidates = {
        found[1]: (op, found, column)
        for op in drops
        for column in op.to_table().columns
        if (found := _enum_of(column.type, dialect))
    }
    if not candidates:
        return
    in_models = _model_enum_names(autogen_context)
    users = _enum_users(autogen_context)
    for name, (_, found, _) in candidates.items():
        if name in in_models or users.get(name, set()) - dropped_keys:
            continue
        last = max(i for i, op in enumerate(top) if isinstance(op, ops.DropTableOp)
                   and any(_enum_of(c.type, dialect) == found for c in op.to_table().columns))
        for op in drops:
            if op._reverse is not None:
                for column in _columns(op._reverse.columns):
                    if _enum_of(column.type, dialect) == found:
                        _stop_create_type(column.type)
        top.insert(last + 1, EnumTypeOp(found[1], found[0], found[2], create=False))
        log.info("Detected enum type %r no longer used", name)


def _altered_enum_columns(
    upgrade_ops: ops.UpgradeOps, dialect: Any, default: str | None
) -> list[tuple[ops.AlterColumnOp, EnumKey | None, EnumKey | None]]:
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


def _enum_key(type_: Any, dialect: Any, default: str | None) -> EnumKey | None:
    enum, _ = native_enum(type_, dialect)
    return type_key(enum, default) if enum is not None and enum.name else None


def _container(top: list[Any], op: ops.AlterColumnOp) -> int:
    """The index of the table's ops that hold ``op``."""
    return next(index for index, item in enumerate(top)
                if isinstance(item, ops.ModifyTableOps) and op in item.ops)


def _enum_type_op(top: list[Any], key: EnumKey, *, create: bool) -> EnumTypeOp | None:
    return next((item for item in top if isinstance(item, EnumTypeOp)
                 and (item.schema, item.name) == key and item.create == create), None)


def _create_type_before(
    top: list[Any], index: int, key: EnumKey, values: tuple[str, ...], dialect: Any,
    default: str | None,
) -> None:
    """An explicit ``EnumTypeOp`` before ``top[index]``. A ``create_table`` of this script
    that would create the type too is told not to: its CREATE TYPE has no checkfirst."""
    implicit = _enum_type_op(top, key, create=True)
    if implicit is not None:
        index = min(index, top.index(implicit))
        top.remove(implicit)
    for op in top:
        if isinstance(op, ops.CreateTableOp):
            op.columns = [column_reusing_type(item, dialect, default, {key})
                          for item in op.columns]
    top.insert(index, EnumTypeOp(key[1], key[0], values, create=True))


def follow_enum_columns(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """A column that becomes a native enum creates its type first if the database lacks it
    (dropped after the cast back on downgrade); a column that leaves one drops the type after
    it when nothing else uses it (recreated before the cast back on downgrade)."""
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    changes = _altered_enum_columns(upgrade_ops, dialect, default)
    if not changes:
        return
    existing, users = enum_catalog(autogen_context)
    top = upgrade_ops.ops
    for op, _, new in changes:
        planned = _enum_type_op(top, new, create=True) if new is not None else None
        if new is None or new in existing or (planned is not None and not planned.implicit):
            continue
        enum, _ = native_enum(op.modify_type, dialect)
        values = tuple(enum.enums) if enum is not None else ()
        _create_type_before(top, _container(top, op), new, values, dialect, default)
        log.info("Detected enum type %r needed by %s.%s", _qualified(new), op.table_name,
                 op.column_name)
    in_models = _model_enum_names(autogen_context)
    dropped = {_key(op): op for op in top if isinstance(op, ops.DropTableOp)}
    leaving = {(op.schema, op.table_name, op.column_name) for op, old, _ in changes if old}
    for old in sorted({old for _, old, _ in changes if old is not None}, key=str):
        rows = [(None if row.table_schema == default else row.table_schema, row)
                for row in users.get(old, [])]
        still_used = [row for schema, row in rows if (schema, row.table_name) not in dropped
                      and (schema, row.table_name, row.column_name) not in leaving]
        if old[1] in in_models or still_used or old not in existing:
            continue
        if _enum_type_op(top, old, create=False) is not None:
            continue  # follow_enum_types drops it already
        last = max(_container(top, op) for op, key, _ in changes if key == old)
        for drop in dropped.values():
            for column in _columns(drop._reverse.columns if drop._reverse is not None else []):
                if _enum_key(column.type, dialect, default) == old:
                    _stop_create_type(column.type)
                    last = max(last, top.index(drop))
        top.insert(last + 1, EnumTypeOp(old[1], old[0], tuple(existing[old]), create=False))
        log.info("Detected enum type %r no longer used", _qualified(old))


# -- 6. drops are said out loud ---------------------------------------------------------------


def note_drops(upgrade_ops: ops.UpgradeOps) -> None:
    """A comment above each drop_table / drop_column, and one warning line each."""
    top = upgrade_ops.ops
    for index, op in enumerate(top):
        if isinstance(op, ops.DropTableOp):
            name = _qualified(_key(op))
            console.warning("The script drops table %s and every row in it", name)
            top[index] = with_notes(op, f"drops table {name} and every row in it")
        elif isinstance(op, ops.ModifyTableOps):
            for child_index, child in enumerate(op.ops):
                if isinstance(child, ops.DropColumnOp):
                    name = f"{_qualified(_key(op))}.{child.column_name}"
                    console.warning("The script drops column %s and the data in it", name)
                    op.ops[child_index] = with_notes(child, f"drops column {name} and its data")


# -- the comparator --------------------------------------------------------------------------


def make_script_safe(
    autogen_context: Any, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    """Rewrite the complete set of operations so that the script runs and says what it drops."""
    order_tables(upgrade_ops)
    foreign_keys_first(upgrade_ops)
    made = name_constraints(upgrade_ops) + name_unnamed_drops(upgrade_ops)
    if made:
        console.warning(
            "Unnamed constraints got names in the script (%s); set a naming_convention on the "
            "models' MetaData so that names are predictable", ", ".join(made)
        )
    if autogen_context.dialect.name in ("mysql", "mariadb"):
        mysql_key_indexes(autogen_context, upgrade_ops)
    fill_not_null_columns(autogen_context, upgrade_ops)
    if autogen_context.dialect.name == "postgresql":
        follow_enum_types(autogen_context, upgrade_ops)
        follow_enum_columns(autogen_context, upgrade_ops)
    note_drops(upgrade_ops)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Register the rewriter: once per run, after every other comparator (LAST)."""
    from ..renderers.safe_ops import register_renderers

    register_renderers()
    # A subgroup of its own: a STOP from another "autogenerate" comparator (the schemas
    # plugin replaces Alembic's schema selection that way) must not skip this one.
    plugin.add_autogenerate_comparator(
        make_script_safe, "autogenerate", "scripts", priority=DispatchPriority.LAST
    )
