"""Renames: a dropped and an added table or column that are one object become a rename.

Autogenerate compares by name, so a renamed column is an ``add_column`` plus a ``drop_column``
and its data is gone once the upgrade ran. This pass, first in the pipeline, turns such a
pair into a rename when the rename is *known*:

- from the models: ``info={"renamed_from": "old"}`` on the column or on the table;
- from the run: :data:`RENAMES_OPTION`, a list of :class:`Rename` (``flask db migrate
  --rename``);
- from the user: :data:`QUESTION_OPTION`, a callable asked about each *likely* rename (a
  dropped and an added column of one table that compare equal, names of their indexes and
  constraints read with the old name swapped for the new; a dropped and an added table with
  equal columns), which says yes or no.

A known rename whose old name the database does not have is ignored, so a hint can stay in
the models after its migration ran. A likely rename nobody confirmed stays a drop plus an
add, with a note in the script and a warning naming both ways to write it as a rename.

The renamed table or column is then compared again, old against new, by every column and
table comparator of the run, so a rename with a type change is the rename then the change.
Indexes, constraints and PostgreSQL sequences named after the old name follow
(:mod:`.rename_names`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.notes import with_notes
from ..ops.renames import RenameColumnOp, RenameTableOp, SetTableSchemaOp
from ..schema.reflection import note_renamed_table
from .op_tree import TableKey, qualified, table_key
from .rename_names import Follow, column_renamed_in_drops, follow_names, names_pair_up

console = logging.getLogger("flask_migrate_plus")

#: The key of a table's or column's ``info`` naming what it was called before.
RENAMED_FROM = "renamed_from"
#: Alembic option: the renames the caller knows for this run (an iterable of Rename).
RENAMES_OPTION = "migrate_plus_renames"
#: Alembic option: ``question(rename) -> bool``, asked about each likely rename.
QUESTION_OPTION = "migrate_plus_rename_question"
#: Alembic option: how the calling tool's command line spells a rename (``--rename``).
FLAG_OPTION = "migrate_plus_rename_flag"


#: Dialects that move a table to another schema in place (``SET SCHEMA``).
MOVES_TABLES = frozenset({"postgresql"})
#: Dialects whose column rename restates the whole column, AUTO_INCREMENT included.
RESTATES_AUTO_INCREMENT = frozenset({"mysql", "mariadb"})


@dataclass(frozen=True)
class Rename:
    """A table (``table`` None) or a column of ``table`` called ``old`` before, ``new`` now.

    For a column, ``table`` is the table's name in the models.
    """

    old: str
    new: str
    table: str | None = None

    def spelled(self, schema: str | None = None) -> str:
        """``orders.adress to orders.address`` / ``orders to customer_orders``."""
        if self.table is None:
            return f"{qualified((schema, self.old))} to {self.new}"
        where = qualified((schema, self.table))
        return f"{where}.{self.old} to {where}.{self.new}"

    def flag_value(self) -> str:
        """The value of a ``--rename`` option: ``orders.adress=address`` / ``old=new``."""
        if self.table is None:
            return f"{self.old}={self.new}"
        return f"{self.table}.{self.old}={self.new}"

    def hint(self) -> str:
        """The model hint that writes this rename: ``info={"renamed_from": "adress"}``."""
        return f'info={{"{RENAMED_FROM}": "{self.old}"}}'


def parse_rename(text: str) -> Rename:
    """``table.old=new`` (a column) or ``old_table=new_table`` (a table); ValueError else."""
    left, equals, new = text.partition("=")
    left, new = left.strip(), new.strip()
    parts = left.split(".")
    if not equals or not new or "." in new or not all(parts) or len(parts) > 2:
        raise ValueError(
            f"{text!r} is not a rename: write table.old_column=new_column or "
            "old_table=new_table"
        )
    if len(parts) == 2:
        return Rename(parts[1], new, parts[0])
    return Rename(parts[0], new)


@contextmanager
def _quiet() -> Iterator[None]:
    """No log lines while a pair is only being tried out (``Detected ...`` would mislead)."""
    before = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(before)


class _Run:
    """One run of the pass: the options, the models' tables and the decisions taken."""

    def __init__(self, autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
        self.context = autogen_context
        self.upgrade_ops = upgrade_ops
        opts = autogen_context.opts
        self.given: list[Rename] = list(opts.get(RENAMES_OPTION) or ())
        self.question: Callable[[Rename], bool] | None = opts.get(QUESTION_OPTION)
        self.flag: str | None = opts.get(FLAG_OPTION)
        default_schema = autogen_context.dialect.default_schema_name
        self.tables: dict[TableKey, sa.Table] = {
            (None if t.schema == default_schema else t.schema, t.name): t
            for t in autogen_context.sorted_tables
        }
        #: new table key -> its name in the database (renamed by this script)
        self.renamed_tables: dict[TableKey, str] = {}
        #: id of a drop op -> the note saying which rename it may be
        self.notes: dict[int, str] = {}
        #: the renames whose named objects follow (``rename_names.follow_names``)
        self.follow: list[Follow] = []
        self.column_renames: list[RenameColumnOp] = []

    # -- comparing ----------------------------------------------------------------------
    def compare_column(self, schema: str | None, db_table: str, db_column: str,
                       conn_col: sa.Column[Any], metadata_col: sa.Column[Any]
                       ) -> ops.AlterColumnOp:
        """What every column comparator of the run finds between the two columns."""
        alter = ops.AlterColumnOp(db_table, db_column, schema=schema)
        self.context.comparators.dispatch("column", qualifier=self.context.dialect.name)(
            self.context, alter, schema, db_table, db_column, conn_col, metadata_col
        )
        return alter

    def same_column(self, schema: str | None, db_table: str, conn_col: sa.Column[Any],
                    metadata_col: sa.Column[Any]) -> bool:
        with _quiet():
            alter = self.compare_column(schema, db_table, conn_col.name, conn_col, metadata_col)
        return not alter.has_changes()

    # -- what is known ------------------------------------------------------------------
    def known_table_old_key(self, table: sa.Table, key: TableKey) -> TableKey | None:
        """Where the table was: ``renamed_from`` may name a schema (``"public.orders"``)."""
        hint = table.info.get(RENAMED_FROM)
        if isinstance(hint, str):
            schema, _, name = hint.rpartition(".")
            if not schema:
                return (key[0], name)
            default = self.context.dialect.default_schema_name
            return (None if schema == default else schema, name)
        for rename in self.given:
            if rename.table is None and rename.new == table.name:
                return (key[0], rename.old)
        return None

    def known_column_old_name(self, table: sa.Table, column: sa.Column[Any]) -> str | None:
        hint = column.info.get(RENAMED_FROM)
        if isinstance(hint, str):
            return hint
        names = {table.name, self.renamed_tables.get((table.schema, table.name))}
        for rename in self.given:
            if rename.table in names and rename.new == column.name:
                return rename.old
        return None

    def confirmed(self, rename: Rename, schema: str | None, drop: Any) -> bool:
        """Ask about a likely rename; without a yes, the drop says what it may be."""
        if self.question is not None and self.question(rename):
            return True
        spelled = rename.spelled(schema)
        where = "table" if rename.table is None else "column"
        ways = f"{rename.hint()} on the {where} in the models"
        if self.flag:
            ways += f", or {self.flag} {rename.flag_value()}"
        console.warning("Did you rename %s? The script drops and adds; to keep the data "
                        "write %s", spelled, ways)
        self.notes.setdefault(id(drop), f"looks like a rename of {spelled}: to keep the "
                                        f"data, write {ways}")
        return False


def _reflected_table(drop: ops.DropTableOp) -> sa.Table | None:
    """The reflected table a ``drop_table`` was made from."""
    reverse = drop._reverse
    for item in reverse.columns if reverse is not None else ():
        if isinstance(item, sa.Column) and item.table is not None:
            return item.table
    return None


def _retarget(op: Any, old: str, new: str) -> None:
    """Point an op (and the op its reverse is built from) at the table's new name."""
    for attribute in ("table_name", "source_table"):
        if getattr(op, attribute, None) == old:
            setattr(op, attribute, new)
    reverse = getattr(op, "_reverse", None)
    if reverse is not None:
        _retarget(reverse, old, new)
    if isinstance(op, ops.OpContainer):
        for child in op.ops:
            _retarget(child, old, new)


def _compare_table(run: _Run, conn_table: sa.Table, metadata_table: sa.Table,
                   schema: str | None) -> ops.ModifyTableOps:
    """The renamed table compared as Alembic compares a kept one, under its database name,
    then pointed at its new name."""
    db_name = conn_table.name
    modify = ops.ModifyTableOps(db_name, [], schema=schema)
    conn_columns = {c.name: c for c in conn_table.c}
    model_columns = [c for c in metadata_table.c if not c.system]
    for column in model_columns:
        conn_col = conn_columns.get(column.name)
        if conn_col is None:
            modify.ops.append(ops.AddColumnOp.from_column_and_tablename(schema, db_name, column))
            continue
        alter = run.compare_column(schema, db_name, column.name, conn_col, column)
        if alter.has_changes():
            modify.ops.append(alter)
    run.context.comparators.dispatch("table", qualifier=run.context.dialect.name)(
        run.context, modify, schema, db_name, conn_table, metadata_table
    )
    kept = {c.name for c in model_columns}
    for name, conn_col in conn_columns.items():
        if name not in kept:
            modify.ops.append(ops.DropColumnOp.from_column_and_tablename(schema, db_name,
                                                                         conn_col))
    _retarget(modify, db_name, metadata_table.name)
    return modify


def _rename_tables(run: _Run) -> list[Any]:
    """Known (or confirmed) table renames: the drop and create pair becomes a rename."""
    top = run.upgrade_ops.ops
    dropped = {table_key(op): op for op in top if isinstance(op, ops.DropTableOp)}
    created = [op for op in top if isinstance(op, ops.CreateTableOp)]
    renames: list[Any] = []
    for create in created:
        key = table_key(create)
        metadata_table = run.tables.get(key)
        if metadata_table is None:
            continue
        old = run.known_table_old_key(metadata_table, key)
        drop = dropped.get(old) if old is not None else None
        if drop is not None and old is not None and old[0] != key[0] \
                and run.context.dialect.name not in MOVES_TABLES:
            drop = None  # no way to move it there: it stays a drop and a create
        if drop is None:
            drop = _likely_table(run, key, metadata_table, dropped)
        if drop is None:
            continue
        conn_table = _reflected_table(drop)
        if conn_table is None:
            continue
        del dropped[table_key(drop)]
        renames += _apply_table_rename(run, drop, create, conn_table, metadata_table)
    return renames


def _likely_table(run: _Run, key: TableKey, metadata_table: sa.Table,
                  dropped: dict[TableKey, ops.DropTableOp]) -> ops.DropTableOp | None:
    names = [c.name for c in metadata_table.c if not c.system]
    for old_key, drop in dropped.items():
        if old_key[0] != key[0]:
            continue
        conn_table = _reflected_table(drop)
        if conn_table is None or sorted(c.name for c in conn_table.c) != sorted(names):
            continue
        if not all(run.same_column(key[0], conn_table.name, conn_table.c[name],
                                   metadata_table.c[name]) for name in names):
            continue
        if run.confirmed(Rename(old_key[1], key[1]), key[0], drop):
            return drop
    return None


def _apply_table_rename(run: _Run, drop: ops.DropTableOp, create: ops.CreateTableOp,
                        conn_table: sa.Table, metadata_table: sa.Table) -> list[Any]:
    top = run.upgrade_ops.ops
    old_key, new_key = table_key(drop), table_key(create)
    console.info("Detected renamed table %r (was %r)", qualified(new_key), qualified(old_key))
    # The ops of the dropped and of the created table go; one comparison replaces them.
    for key in (old_key, new_key):
        for op in [op for op in top if isinstance(op, ops.ModifyTableOps)
                   and table_key(op) == key]:
            top.remove(op)
    top.remove(drop)
    place = top.index(create)
    run.renamed_tables[new_key] = old_key[1]
    note_renamed_table(run.context, new_key, old_key)
    modify = _compare_table(run, conn_table, metadata_table, old_key[0])
    _retarget_schema(modify, old_key[0], new_key[0])
    top[place:place + 1] = [modify] if modify.ops else []
    run.follow.append(("table", new_key, old_key[1], new_key[1], conn_table, metadata_table))
    renames: list[Any] = []
    if old_key[1] != new_key[1]:
        renames.append(RenameTableOp(old_key[1], new_key[1], schema=old_key[0]))
    if old_key[0] != new_key[0]:
        renames.append(SetTableSchemaOp(new_key[1], old_key[0], new_key[0]))
    return renames


def _retarget_schema(op: Any, old: str | None, new: str | None) -> None:
    """Point an op (and its reverse) at the schema the table moved to."""
    if old == new:
        return
    if getattr(op, "schema", None) == old and hasattr(op, "table_name"):
        op.schema = new
    reverse = getattr(op, "_reverse", None)
    if reverse is not None:
        _retarget_schema(reverse, old, new)
    if isinstance(op, ops.OpContainer):
        for child in op.ops:
            _retarget_schema(child, old, new)


def _conn_column(drop: ops.DropColumnOp) -> sa.Column[Any]:
    """The reflected column a ``drop_column`` was made from."""
    assert drop._reverse is not None
    return drop._reverse.column


def _rename_columns(run: _Run) -> None:
    """Known (or confirmed) column renames in every table's block."""
    for modify in [op for op in run.upgrade_ops.ops if isinstance(op, ops.ModifyTableOps)]:
        key = table_key(modify)
        metadata_table = run.tables.get(key)
        if metadata_table is None:
            continue
        adds = [op for op in modify.ops if isinstance(op, ops.AddColumnOp)]
        drops = {op.column_name: op for op in modify.ops if isinstance(op, ops.DropColumnOp)
                 and op._reverse is not None}
        for add in adds:
            column = metadata_table.c.get(add.column.name)
            if column is None:
                continue
            old = run.known_column_old_name(metadata_table, column)
            drop = drops.get(old) if old is not None else None
            if drop is None:
                drop = _likely_column(run, modify, key, add, column, drops)
            if drop is None:
                continue
            del drops[drop.column_name]
            _apply_column_rename(run, modify, key, add, drop, column, metadata_table)


def _likely_column(run: _Run, modify: ops.ModifyTableOps, key: TableKey, add: ops.AddColumnOp,
                   column: sa.Column[Any], drops: dict[str, ops.DropColumnOp]
                   ) -> ops.DropColumnOp | None:
    db_table = run.renamed_tables.get(key, key[1])
    for name, drop in drops.items():
        conn_col = _conn_column(drop)
        if not run.same_column(key[0], db_table, conn_col, column):
            continue
        if not names_pair_up(modify, name, column.name):
            continue
        table = run.tables[key]
        if run.confirmed(Rename(name, column.name, table.name), key[0], drop):
            return drop
    return None


def _apply_column_rename(run: _Run, modify: ops.ModifyTableOps, key: TableKey,
                         add: ops.AddColumnOp, drop: ops.DropColumnOp, column: sa.Column[Any],
                         metadata_table: sa.Table) -> None:
    conn_col = _conn_column(drop)
    db_table = run.renamed_tables.get(key, key[1])
    console.info("Detected renamed column '%s.%s' (was '%s')", qualified(key), column.name,
                 conn_col.name)
    changes = run.compare_column(key[0], db_table, conn_col.name, conn_col, column)
    # The rename runs on its own, before the table's block: SQLite then renames in place
    # (``ALTER TABLE ... RENAME COLUMN``, which keeps other tables' keys to the column
    # right) instead of rebuilding, and the block's changes see the column's new name.
    restated: dict[str, Any] = {}
    if run.context.dialect.name in RESTATES_AUTO_INCREMENT and conn_col.autoincrement is True:
        restated["autoincrement"] = True  # CHANGE COLUMN would drop AUTO_INCREMENT
    run.column_renames.append(RenameColumnOp(
        key[1], conn_col.name, schema=key[0], modify_name=column.name,
        existing_type=conn_col.type, existing_nullable=conn_col.nullable,
        existing_server_default=conn_col.server_default or False,
        existing_comment=conn_col.comment, **restated,
    ))
    changes.table_name, changes.column_name = key[1], column.name
    place = modify.ops.index(add)
    modify.ops[place:place + 1] = [changes] if changes.has_changes() else []
    column_renamed_in_drops(modify, conn_col.name, column.name)
    modify.ops.remove(drop)
    run.follow.append(("column", key, conn_col.name, column.name, conn_col.table,
                       metadata_table))


def _note_likely_renames(container: ops.OpContainer, notes: dict[int, str]) -> None:
    for index, op in enumerate(container.ops):
        if id(op) in notes:
            container.ops[index] = with_notes(op, notes[id(op)])
        elif isinstance(op, ops.ModifyTableOps):
            _note_likely_renames(op, notes)


def _say_unused(run: _Run) -> None:
    """A rename the caller gave that found no dropped and added pair: said, not guessed."""
    done = {(what, old, new) for what, _key, old, new, _conn, _model in run.follow}
    for rename in run.given:
        what = "table" if rename.table is None else "column"
        if (what, rename.old, rename.new) not in done:
            console.warning(
                "Rename %s not written: the database has no %s %s, or the models no %s %s",
                rename.flag_value(), what,
                rename.old if rename.table is None else f"{rename.table}.{rename.old}",
                what, rename.new if rename.table is None else f"{rename.table}.{rename.new}",
            )


def rename_pass(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc)."""
    run = _Run(autogen_context, upgrade_ops)
    table_renames = _rename_tables(run)
    _rename_columns(run)
    object_renames = follow_names(autogen_context, upgrade_ops, run.follow)
    upgrade_ops.ops[0:0] = [*table_renames, *object_renames, *run.column_renames]
    for container in [op for op in upgrade_ops.ops if isinstance(op, ops.ModifyTableOps)]:
        if not container.ops:
            upgrade_ops.ops.remove(container)
    _note_likely_renames(upgrade_ops, run.notes)
    _say_unused(run)

