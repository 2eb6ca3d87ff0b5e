"""The DDL an application attaches to its tables: written with the table, never dropped.

Two passes:

- ``keep_ddl_objects`` (first): an index or constraint that a model table's DDL listener
  creates is the application's, though no model declares it. Any comparator that proposes
  dropping it (Alembic's own index comparison does, the indexes plugin on SQLite too) has
  that drop taken out again: by name, whatever dialects the listener is limited to.
- ``table_ddl`` (before ``prerequisites``): each table the script creates gets its
  ``before_create`` DDL just before its ``create_table`` and its ``after_create`` DDL
  after it and its indexes, as ``create_all`` runs them (``ops.table_ddl``). A listener
  that is a plain Python function cannot be written: one warning names the table.

A listener limited to other dialects is written too, under its condition, rendered for the
first dialect it names; one for every dialect is rendered for the script's.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.sql.ddl import ExecutableDDLElement

from ..ops.table_ddl import DDLStep, TableDDLOp, undo_items
from ..schema.enums import schema_key
from ..schema.table_ddl import (
    created_objects,
    listener_name,
    names_match,
    statement_text,
    table_listeners,
)
from .op_tree import qualified, table_key

log = logging.getLogger("alembic.autogenerate.compare")
console = logging.getLogger("flask_migrate_plus")

MYSQL = ("mysql", "mariadb")


def _dialect_named(name: str, current: Any) -> Any:
    """A dialect object for ``name`` (the run's own when it is the one), to render SQL for."""
    if name == current.name:
        return current
    try:
        return sa.engine.URL.create(name).get_dialect()()
    except Exception:  # a dialect this environment does not have: render for ours
        return current


def _condition(element: ExecutableDDLElement) -> tuple[tuple[str, ...] | None, Any]:
    """The dialects an ``execute_if`` names (None: all) and its Python callable, if any."""
    condition = getattr(element, "_ddl_if", None)
    if condition is None:
        return None, None
    dialect = condition.dialect
    if isinstance(dialect, str):
        names: tuple[str, ...] | None = (dialect,)
    elif isinstance(dialect, list | tuple | set | frozenset):
        names = tuple(dialect) if isinstance(dialect, list | tuple) else tuple(sorted(dialect))
    else:
        names = None
    return names, condition.callable_


def ddl_step(element: ExecutableDDLElement, table: sa.Table, current: Any) -> DDLStep:
    """One DDL listener of ``table`` as a step of :class:`TableDDLOp`."""
    names, callable_ = _condition(element)
    target = current if names is None or current.name in names else _dialect_named(
        names[0], current
    )
    sql = statement_text(element, table, target)
    statements = created_objects(sql, backslash_escapes=target.name in MYSQL)
    unwritable = None
    if callable_ is not None:
        unwritable = (f"create_all runs this only when {listener_name(callable_)}() "
                      "allows it, a test no script can repeat")
    return DDLStep(sql, names, undo_items(statements, table.name, target.name), unwritable)


def _model_table(autogen_context: Any, schema: str | None, name: str) -> sa.Table | None:
    key = f"{schema}.{name}" if schema else name
    table: sa.Table | None = autogen_context.table_key_to_table.get(key)
    return table


def _table_ops(autogen_context: Any, op: ops.CreateTableOp) -> tuple[Any, Any]:
    """The ``before_create`` and ``after_create`` ops of a new table (None when it has none)."""
    table = _model_table(autogen_context, op.schema, op.table_name)
    if table is None:
        return None, None
    steps: dict[str, list[DDLStep]] = {"before_create": [], "after_create": []}
    python: dict[str, list[str]] = {"before_create": [], "after_create": []}
    for event, listener in table_listeners(table):
        if isinstance(listener, ExecutableDDLElement):
            steps[event].append(ddl_step(listener, table, autogen_context.dialect))
        else:
            python[event].append(listener_name(listener))
    if python["before_create"] or python["after_create"]:
        console.warning(
            "Table %s has Python %s listeners that create_all runs (%s); the script cannot "
            "reproduce them: review it",
            qualified(table_key(op)), "/".join(e for e in python if python[e]),
            ", ".join(python["before_create"] + python["after_create"]),
        )
    made = [
        TableDDLOp(op.table_name, op.schema, event, tuple(steps[event]), tuple(python[event]))
        if steps[event] or python[event] else None
        for event in ("before_create", "after_create")
    ]
    for item in made:
        if item is not None and item.steps:
            log.info("Detected %s DDL of new table %r", item.event, op.table_name)
    return made[0], made[1]


def _belongs_to(op: Any, key: tuple[str | None, str]) -> bool:
    """An op that goes with a new table's ``create_table``: its indexes, its own block."""
    if isinstance(op, ops.CreateIndexOp | ops.ModifyTableOps):
        return table_key(op) == key
    return False


def write_table_ddl(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The ``table_ddl`` pass (module doc)."""
    result: list[Any] = []
    pending: tuple[tuple[str | None, str], Any] | None = None  # a new table's after_create
    for op in upgrade_ops.ops:
        if pending is not None and not _belongs_to(op, pending[0]):
            result.append(pending[1])
            pending = None
        if isinstance(op, ops.CreateTableOp):
            before, after = _table_ops(autogen_context, op)
            if before is not None:
                result.append(before)
            if after is not None:
                pending = (table_key(op), after)
        result.append(op)
    if pending is not None:
        result.append(pending[1])
    upgrade_ops.ops[:] = result


# -- keep what the DDL made ----------------------------------------------------------------------


def ddl_object_names(table: sa.Table, dialect: Any) -> list[str]:
    """Names (as written) of the indexes and constraints ``table``'s DDL listeners create."""
    names = []
    for _event, listener in table_listeners(table):
        if not isinstance(listener, ExecutableDDLElement):
            continue
        sql = statement_text(listener, table, dialect)
        for statement in created_objects(sql, backslash_escapes=dialect.name in MYSQL):
            created = statement.created
            if created is not None and created.name and created.kind in ("index", "constraint"):
                names.append(created.name)
    return names


def _dropped_name(op: Any) -> str | None:
    if isinstance(op, ops.DropIndexOp):
        return None if op.index_name is None else str(op.index_name)
    if isinstance(op, ops.DropConstraintOp):
        return None if op.constraint_name is None else str(op.constraint_name)
    return None


def _made_by_ddl(op: Any, names: list[str]) -> bool:
    name = _dropped_name(op)
    return name is not None and any(names_match(written, name) for written in names)


def keep_ddl_objects(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The ``keep_ddl_objects`` pass (module doc)."""
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    made: dict[tuple[str | None, str], list[str]] = {}
    for table in autogen_context.sorted_tables:
        names = ddl_object_names(table, dialect)
        if names:
            made[(schema_key(table.schema, default), table.name)] = names
    if not made:
        return
    emptied: set[int] = set()
    for container in upgrade_ops.ops:
        if not isinstance(container, ops.ModifyTableOps):
            continue
        names = made.get((schema_key(container.schema, default), container.table_name), [])
        kept = [op for op in container.ops if _made_by_ddl(op, names)]
        if not kept:
            continue
        for op in kept:
            log.info("Kept %r on %r: the table's DDL listener creates it",
                     _dropped_name(op), container.table_name)
        container.ops = [op for op in container.ops if not _made_by_ddl(op, names)]
        if container.is_empty():
            emptied.add(id(container))
    upgrade_ops.ops[:] = [op for op in upgrade_ops.ops if id(op) not in emptied]
