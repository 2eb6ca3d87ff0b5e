"""New and dropped tables in foreign-key order, with their indexes; foreign keys dropped first.

- New tables are created in an order in which every table a key points at exists already. A
  key that closes a cycle (``a.b_id -> b``, ``b.a_id -> a``) is left out of ``create_table``
  and added afterwards under an explicit name; on a drop it is dropped first, by its
  database name. A kept table that drops its key to a dropped table does so before the drop.
- A ``use_alter=True`` key is added after the tables the same way, on servers that can
  ALTER: ``CREATE TABLE`` leaves such a key out by design, so written inside
  ``create_table`` it would never exist (SQLite, which cannot ALTER, keeps it inline).
- The indexes of a table created or dropped by the script go with the table: the downgrade
  does not drop them one by one (MariaDB refuses to drop an index backing a foreign key).
- In each table's block, foreign keys are dropped before anything else (an index may back
  one).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.notes import ImpliedOp, goes_with_table
from ..schema.names import made_up_name, stored_name
from .op_tree import TableKey, foreign_keys_of, qualified, referred_key, table_key

log = logging.getLogger("alembic.autogenerate.compare")

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
                   and table_key(top[i + len(run)]) == table_key(op)):
                run.append(top[i + len(run)])
            groups.append(("create", table_key(op), run))
        elif (isinstance(op, ops.ModifyTableOps) and i + 1 < len(top)
              and isinstance(top[i + 1], ops.DropTableOp)
              and table_key(top[i + 1]) == table_key(op)):
            run = [op, top[i + 1]]
            groups.append(("drop", table_key(op), run))
        elif isinstance(op, ops.DropTableOp):
            run = [op]
            groups.append(("drop", table_key(op), run))
        else:
            run = [op]
            groups.append(("other", None, run))
        i += len(run)
    return groups


def _name_of(fkc: sa.ForeignKeyConstraint, table: TableKey, dialect: Any) -> str:
    if isinstance(fkc.name, str) and fkc.name:
        # As the server stores it; a naming convention's conv() stays one (written op.f()).
        name: str = stored_name(fkc.name, dialect)
        return name
    columns = [element.parent.name for element in fkc.elements]
    return made_up_name("fk", table[1], [*columns, referred_key(fkc)[1]])


def _added_later(fkc: sa.ForeignKeyConstraint, dialect: Any) -> bool:
    """A key ``CREATE TABLE`` leaves out: ``use_alter``, where the server can ALTER."""
    return bool(fkc.use_alter) and bool(dialect.supports_alter)


def _new_tables(groups: list[tuple[str, TableKey | None, list[Any]]], dialect: Any) -> list[Any]:
    """The create groups in foreign-key order, then the keys that closed a cycle and the
    ``use_alter`` keys."""
    creates = {key: run for kind, key, run in groups if kind == "create" and key}
    keys = {key: foreign_keys_of(run[0].columns) for key, run in creates.items()}
    later = [(key, fkc) for key, fkcs in keys.items() for fkc in fkcs if _added_later(fkc, dialect)]
    refs = {
        key: [(fkc, referred_key(fkc)) for fkc in fkcs if not _added_later(fkc, dialect)]
        for key, fkcs in keys.items()
    }
    order, deferred = creation_order(list(creates), refs)
    result: list[Any] = []
    for key in order:
        create, *modify = creates[key]
        waiting = {id(fkc) for owner, fkc in [*deferred, *later] if owner == key}
        create.columns = [item for item in create.columns if id(item) not in waiting]
        result.append(create)
        result += _hoist_indexes(modify, key, created=True)
    for owner, fkc in [*deferred, *later]:
        add = ops.CreateForeignKeyOp.from_constraint(fkc)
        add.constraint_name = _name_of(fkc, owner, dialect)
        why = "use_alter key" if fkc.use_alter else "foreign key cycle"
        log.info("Detected %s: %s.%s added after the tables",
                 why, qualified(owner), add.constraint_name)
        result.append(ops.ModifyTableOps(owner[1], [add], schema=owner[0]))
    return result


def _dropped_tables(groups: list[tuple[str, TableKey | None, list[Any]]]) -> list[Any]:
    """Keys closing a cycle dropped first, then the tables, referring ones before referred."""
    drops = {key: run for kind, key, run in groups if kind == "drop" and key}
    refs = {
        key: [(fkc, referred_key(fkc)) for fkc in foreign_keys_of(run[-1].to_table().constraints)]
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
            note = f"index {op.index_name} is dropped with table {qualified(key)}"
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
                referred_key(constraint) in tables
            ):
                return True
    return False


def order_tables(upgrade_ops: ops.UpgradeOps, dialect: Any) -> None:
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
            new_ops += (
                _new_tables(groups, dialect) if kind == "create"
                else early + _dropped_tables(groups)
            )
    upgrade_ops.ops = new_ops


def foreign_keys_first(upgrade_ops: ops.UpgradeOps) -> None:
    """In each table's block, drop foreign keys before anything else (indexes backing them)."""
    for container in upgrade_ops.ops:
        if isinstance(container, ops.ModifyTableOps):
            keys = [op for op in container.ops if _is_fk_drop(op)]
            container.ops = keys + [op for op in container.ops if not _is_fk_drop(op)]


def _is_fk_drop(op: Any) -> bool:
    return isinstance(op, ops.DropConstraintOp) and op.constraint_type == "foreignkey"


def order_tables_and_keys(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass: tables in key order, then each table's foreign-key drops first."""
    order_tables(upgrade_ops, autogen_context.dialect)
    foreign_keys_first(upgrade_ops)


