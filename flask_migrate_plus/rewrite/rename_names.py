"""Names that follow a rename: indexes, constraints and sequences called after the old name.

After ``orders`` becomes ``customer_orders`` (or ``orders.adress`` becomes
``orders.address``), every object whose name was made from the old name is read with the old
name swapped for the new one:

- a drop and a create of the same kind and definition whose names differ by exactly that
  swap (``ix_orders_adress`` / ``ix_orders_address``, the models' naming convention at work)
  become one in-place rename where the server has one (PostgreSQL: every kind; MariaDB:
  indexes and unique constraints); elsewhere they stay a drop and a create (SQLite rebuilds
  the table in batch mode; MariaDB cannot rename a foreign key or a CHECK);
- a name the server made itself (PostgreSQL's ``orders_pkey``, ``orders_code_key``,
  ``orders_id_seq``), which the models leave unnamed, is renamed the same way so that
  nothing is left under the old name (PostgreSQL; MariaDB indexes);
- in other tables, a foreign key to the renamed table or column that the comparison wrote
  as a drop and a create is the same key once the server has followed the rename itself:
  both go, or become a rename of its name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.primary_keys import PrimaryKeyState, ReplacePrimaryKeyOp
from ..ops.renames import RenameObjectOp, can_rename
from ..schema.names import model_name
from ..schema.reflection import reflected_index_records
from .op_tree import TableKey, table_key

Follow = tuple[str, TableKey, str, str, sa.Table, sa.Table]

#: The objects a PostgreSQL table owns sequences for (SERIAL, identity): name, column.
OWNED_SEQUENCES = sa.text(
    "SELECT s.relname FROM pg_catalog.pg_depend d "
    "JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
    "WHERE d.classid = 'pg_catalog.pg_class'::regclass "
    "AND d.refclassid = 'pg_catalog.pg_class'::regclass "
    "AND d.deptype IN ('a', 'i') AND d.refobjid = CAST(:table AS regclass)"
)

_DROPS = (ops.DropIndexOp, ops.DropConstraintOp)
_CREATES = (ops.CreateIndexOp, ops.AddConstraintOp)


def _name(op: Any) -> str | None:
    name = getattr(op, "index_name", None) or getattr(op, "constraint_name", None)
    return None if name is None else str(name)


def _column_names(columns: Iterable[Any]) -> tuple[str, ...]:
    return tuple(str(getattr(column, "name", None) or column) for column in columns)


def definition(op: Any) -> tuple[Any, ...] | None:
    """What an index or constraint op makes or drops, names of the object itself left out."""
    if isinstance(op, ops.DropIndexOp | ops.DropConstraintOp):
        reverse = op._reverse
        return definition(reverse) if reverse is not None else None
    if isinstance(op, ops.CreateIndexOp):
        # A unique index is what MariaDB reflects for a unique constraint.
        return ("unique" if op.unique else "index", _column_names(op.columns))
    if isinstance(op, ops.CreateForeignKeyOp):
        return ("foreignkey", tuple(op.local_cols), op.referent_table, tuple(op.remote_cols))
    if isinstance(op, ops.CreateUniqueConstraintOp | ops.CreatePrimaryKeyOp):
        return (op.constraint_type, tuple(op.columns))
    if isinstance(op, ops.CreateCheckConstraintOp):
        return ("check",)
    return None


def _mapped(found: tuple[Any, ...] | None, mapping: dict[str, str]) -> tuple[Any, ...] | None:
    """``found`` with each old table or column name (a whole name) swapped for the new."""
    if found is None:
        return None
    return tuple(_mapped(item, mapping) if isinstance(item, tuple)
                 else mapping.get(item, item) if isinstance(item, str) else item
                 for item in found)


def rename_kind(dialect: str, op: Any) -> str | None:
    """The kind of in-place rename the server has for the object of ``op``; None: none."""
    if isinstance(op, ops.DropIndexOp | ops.CreateIndexOp):
        kind = "index"
    elif getattr(op, "constraint_type", None) == "unique" and dialect in ("mysql", "mariadb"):
        kind = "index"
    else:
        kind = "constraint"
    return kind if can_rename(dialect, kind) else None


def _pairs(container: ops.ModifyTableOps, swap: Callable[[str], str],
           mapping: dict[str, str]) -> list[tuple[Any, Any]]:
    """(drop, create) pairs of one object whose name and definition differ by the swap."""
    creates = [op for op in container.ops if isinstance(op, _CREATES)]
    found = []
    for drop in [op for op in container.ops if isinstance(op, _DROPS)]:
        name = _name(drop)
        if name is None or swap(name) == name:
            continue
        wanted = _mapped(definition(drop), mapping)
        for create in creates:
            if _name(create) == swap(name) and wanted is not None \
                    and definition(create) == wanted:
                found.append((drop, create))
                creates.remove(create)
                break
    return found


def names_pair_up(container: ops.ModifyTableOps, old: str, new: str) -> bool:
    """Whether every index and constraint op about column ``old`` (dropped) or ``new``
    (added) in ``container`` is one of a pair differing by the swap of the two names."""
    mapping = {old: new}
    paired = {id(op) for pair in _pairs(container, lambda n: n.replace(old, new), mapping)
              for op in pair}
    for op in container.ops:
        if not isinstance(op, _DROPS + _CREATES) or id(op) in paired:
            continue
        found = definition(op) or ()
        mentioned = {name for part in found if isinstance(part, tuple) for name in part}
        if old in mentioned or new in mentioned:
            return False
    return True


def column_renamed_in_drops(container: ops.ModifyTableOps, old: str, new: str) -> None:
    """The drops of ``container`` run after column ``old`` became ``new``; so does their
    reverse (the downgrade makes the object again before renaming the column back)."""
    def renamed(columns: Iterable[Any]) -> list[Any]:
        names = [str(getattr(column, "name", None) or column) for column in columns]
        if old not in names:
            return list(columns)
        return [new if name == old else name for name in names]

    for op in container.ops:
        reverse = getattr(op, "_reverse", None) if isinstance(op, _DROPS) else None
        if reverse is None:
            continue
        if isinstance(reverse, ops.CreateForeignKeyOp):
            reverse.local_cols = renamed(reverse.local_cols)
            if reverse.referent_table == container.table_name:
                reverse.remote_cols = renamed(reverse.remote_cols)
        elif isinstance(reverse, ops.CreateIndexOp | ops.CreateUniqueConstraintOp
                        | ops.CreatePrimaryKeyOp):
            reverse.columns = renamed(reverse.columns)


def _modify_ops(upgrade_ops: ops.UpgradeOps) -> list[ops.ModifyTableOps]:
    return [op for op in upgrade_ops.ops if isinstance(op, ops.ModifyTableOps)]


def reflected_definitions(conn_table: sa.Table) -> list[tuple[Any, ...]]:
    """What :func:`definition` says of each index and constraint the database has."""
    found: list[tuple[Any, ...]] = []
    for index in conn_table.indexes:
        found.append(("unique" if index.unique else "index", _column_names(index.expressions)))
    for constraint in conn_table.constraints:
        columns = tuple(column.name for column in getattr(constraint, "columns", ()))
        if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint):
            kind = "unique" if isinstance(constraint, sa.UniqueConstraint) else "primarykey"
            found.append((kind, columns))
        elif isinstance(constraint, sa.ForeignKeyConstraint):
            remote = tuple(element.target_fullname.split(".")[-1]
                           for element in constraint.elements)
            target = constraint.elements[0].target_fullname.split(".")[-2]
            found.append(("foreignkey", columns, target, remote))
    return found


def _followed_by_server(container: ops.ModifyTableOps, conn_table: sa.Table,
                        mapping: dict[str, str]) -> None:
    """An object the models leave unnamed is the database's own once names are swapped: the
    server renamed its columns with the column, so its drop and create both go."""
    for op in [op for op in container.ops if isinstance(op, ReplacePrimaryKeyOp)]:
        if op.before is not None and op.after is not None and op.after.columns == tuple(
                mapping.get(name, name) for name in op.before.columns):
            container.ops.remove(op)  # the key's columns were renamed, nothing else
    reflected = [_mapped(found, mapping) for found in reflected_definitions(conn_table)]
    drops = [op for op in container.ops if isinstance(op, _DROPS)]
    for create in [op for op in container.ops if isinstance(op, _CREATES)]:
        wanted = definition(create)
        if _name(create) is not None or wanted is None or wanted not in reflected:
            continue
        container.ops.remove(create)
        drop = next((d for d in drops if _mapped(definition(d), mapping) == wanted), None)
        if drop is not None:
            drops.remove(drop)
            container.ops.remove(drop)


def _own_pairs(dialect: str, container: ops.ModifyTableOps, swap: Callable[[str], str],
               mapping: dict[str, str], handled: set[str]) -> list[RenameObjectOp]:
    """Pairs in the renamed table's own block become renames where the server can."""
    renames = []
    for drop, create in _pairs(container, swap, mapping):
        name = _name(drop)
        assert name is not None
        handled.add(name)
        kind = rename_kind(dialect, drop)
        if kind is None:
            continue
        container.ops.remove(drop)
        container.ops.remove(create)
        renames.append(RenameObjectOp(kind, container.table_name, name, swap(name),
                                      schema=container.schema))
    return renames


def _backing_index(autogen_context: Any, container: ops.ModifyTableOps, old: str,
                   new: str) -> list[RenameObjectOp]:
    """MariaDB names the index it makes for a key after the key, and keeps it when the key
    is dropped; renamed with the key, it serves the new one."""
    dialect = autogen_context.dialect.name
    if not can_rename(dialect, "index"):
        return []
    records = reflected_index_records(autogen_context, container.table_name, container.schema)
    if not any(record["name"] == old for record in records):
        return []
    return [RenameObjectOp("index", container.table_name, old, new, schema=container.schema)]


def _foreign_keys_elsewhere(autogen_context: Any, upgrade_ops: ops.UpgradeOps, key: TableKey,
                            swap: Callable[[str], str], mapping: dict[str, str],
                            handled: set[str]) -> list[RenameObjectOp]:
    """Keys in other tables pointing at the renamed table or column: the server followed."""
    dialect = autogen_context.dialect.name
    renames = []
    for container in _modify_ops(upgrade_ops):
        creates = [op for op in container.ops if isinstance(op, ops.CreateForeignKeyOp)
                   and op.referent_table == key[1]]
        drops = [op for op in container.ops if isinstance(op, ops.DropConstraintOp)
                 and op.constraint_type == "foreignkey" and op._reverse is not None]
        for drop in drops:
            wanted = _mapped(definition(drop), mapping)
            create = next((c for c in creates if definition(c) == wanted), None)
            if create is None:
                continue
            creates.remove(create)
            old_name, new_name = _name(drop), _name(create)
            if old_name is not None:
                handled.add(old_name)
            if new_name is None or old_name is None or new_name == old_name:
                container.ops.remove(drop)  # the server followed; nothing to do
                container.ops.remove(create)
                continue
            if new_name != swap(old_name):
                continue  # another name: the drop and create stay
            if rename_kind(dialect, drop) is not None:
                container.ops.remove(drop)
                container.ops.remove(create)
                renames.append(RenameObjectOp("constraint", container.table_name, old_name,
                                              new_name, schema=container.schema))
                continue
            # Dropped and made again (MariaDB): the downgrade makes the old key while the
            # table still has its new name, and the key's own index follows its name.
            if isinstance(drop._reverse, ops.CreateForeignKeyOp):
                drop._reverse.referent_table = key[1]
            renames += _backing_index(autogen_context, container, old_name, new_name)
    return renames


def _model_names(table: sa.Table) -> set[str]:
    names = {str(index.name) for index in table.indexes if index.name}
    names |= {str(c.name) for c in table.constraints if isinstance(c.name, str)}
    return names


def _reflected_names(dialect: str, conn_table: sa.Table) -> list[tuple[str, str]]:
    """(kind, name) of the reflected table's named objects that a rename can follow."""
    found = []
    if can_rename(dialect, "constraint"):
        found += [("constraint", str(c.name)) for c in conn_table.constraints if c.name]
    else:  # a unique constraint is an index there (MariaDB)
        found += [("index", str(c.name)) for c in conn_table.constraints
                  if isinstance(c, sa.UniqueConstraint) and c.name]
    found += [("index", str(index.name)) for index in conn_table.indexes if index.name]
    return [(kind, name) for kind, name in found if can_rename(dialect, kind)]


def _server_names(autogen_context: Any, key: TableKey, conn_table: sa.Table,
                  metadata_table: sa.Table, old: str, swap: Callable[[str], str],
                  handled: set[str]) -> list[RenameObjectOp]:
    """Names the server made from the old name, for objects the models leave unnamed."""
    dialect = autogen_context.dialect
    db_table = conn_table.name  # still its name while the comparison runs
    found = _reflected_names(dialect.name, conn_table)
    connection = autogen_context.connection
    if dialect.name == "postgresql" and connection is not None:
        preparer = dialect.identifier_preparer
        quoted = preparer.quote(db_table)
        if conn_table.schema:
            quoted = f"{preparer.quote_schema(conn_table.schema)}.{quoted}"
        rows = connection.execute(OWNED_SEQUENCES, {"table": quoted})
        found += [("sequence", str(row[0])) for row in rows]
    keep = _model_names(metadata_table)
    renames = []
    for kind, name in found:
        if old not in name or name in handled or name in keep or swap(name) == name:
            continue
        handled.add(name)
        renames.append(RenameObjectOp(kind, key[1], name, swap(name), schema=key[0]))
    return renames


def _primary_key_by_rebuild(autogen_context: Any, upgrade_ops: ops.UpgradeOps, key: TableKey,
                            conn_table: sa.Table, metadata_table: sa.Table,
                            swap: Callable[[str], str], handled: set[str]) -> None:
    """Where no ALTER renames a primary key (SQLite), the models' new name for it is given
    by dropping and adding it in the table's batch block (Alembic compares no key names)."""
    dialect = autogen_context.dialect
    old = conn_table.primary_key.name
    if can_rename(dialect.name, "constraint") or not old or old in handled:
        return
    new = model_name(metadata_table.primary_key, dialect)
    if new is None or str(new) != swap(str(old)) or str(new) == str(old):
        return
    columns = tuple(column.name for column in metadata_table.primary_key.columns)
    replace = ReplacePrimaryKeyOp(key[1], key[0], PrimaryKeyState(str(old), columns),
                                  PrimaryKeyState(str(new), columns))
    own = next((c for c in _modify_ops(upgrade_ops) if table_key(c) == key), None)
    if own is None:
        own = ops.ModifyTableOps(key[1], [], schema=key[0])
        upgrade_ops.ops.append(own)
    own.ops.insert(0, replace)
    handled.add(str(old))


def _enum_types(autogen_context: Any, container: ops.ModifyTableOps, swap: Callable[[str], str],
                metadata_table: sa.Table) -> list[RenameObjectOp]:
    """A PostgreSQL enum type named after the old name, which the models now call by the new
    one with the same values, is renamed: no new type, no cast of the column. Not when
    another table of the models still uses the old type."""
    if not can_rename(autogen_context.dialect.name, "type"):
        return []
    used = {str(getattr(column.type, "name", None))
            for table in metadata_table.metadata.tables.values() if table is not metadata_table
            for column in table.c if isinstance(column.type, sa.Enum)}
    renames = []
    for op in [op for op in container.ops if isinstance(op, ops.AlterColumnOp)]:
        before, after = op.existing_type, op.modify_type
        if not (isinstance(before, sa.Enum) and isinstance(after, sa.Enum)):
            continue
        old, new = str(before.name), str(after.name)
        if new != swap(old) or new == old or old in used or \
                list(before.enums) != list(after.enums):
            continue
        op.modify_type = None
        op.existing_type = after
        if not op.has_changes():
            container.ops.remove(op)
        schema = before.schema or container.schema
        renames.append(RenameObjectOp("type", container.table_name, old, new, schema=schema))
    return renames


def follow_names(autogen_context: Any, upgrade_ops: ops.UpgradeOps,
                 follows: Iterable[Follow]) -> list[RenameObjectOp]:
    """The pass's second half (module doc): renames of the objects named after old names,
    to run right after the table renames; drop/create pairs they replace are removed."""
    dialect = autogen_context.dialect.name
    renames: list[RenameObjectOp] = []
    for _what, key, old, new, conn_table, metadata_table in follows:
        def swap(name: str, old: str = old, new: str = new) -> str:
            return name.replace(old, new)

        mapping = {old: new}
        handled: set[str] = set()
        own = next((c for c in _modify_ops(upgrade_ops) if table_key(c) == key), None)
        if own is not None:
            _followed_by_server(own, conn_table, mapping)
            renames += _own_pairs(dialect, own, swap, mapping, handled)
            renames += _enum_types(autogen_context, own, swap, metadata_table)
            # An object the script drops anyway is not renamed first.
            handled |= {name for op in own.ops if isinstance(op, _DROPS)
                        if (name := _name(op)) is not None}
            if not own.ops:
                upgrade_ops.ops.remove(own)
        renames += _foreign_keys_elsewhere(autogen_context, upgrade_ops, key, swap, mapping,
                                           handled)
        renames += _server_names(autogen_context, key, conn_table, metadata_table, old, swap,
                                 handled)
        _primary_key_by_rebuild(autogen_context, upgrade_ops, key, conn_table, metadata_table,
                                swap, handled)
    for container in [c for c in _modify_ops(upgrade_ops) if not c.ops]:
        upgrade_ops.ops.remove(container)
    return renames
