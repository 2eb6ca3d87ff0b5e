"""Check each rendered type by running it: evaluate the text, build its column, compare.

A render that evaluates but builds different DDL is the worst kind of bug: the migration
runs, creates the wrong column, and the next autogenerate proposes a change forever
(sqlalchemy-utils' ColorType(max_length=50) rendered as ``ColorType(length=50)``). So every
type we write is evaluated with the script's imports, put in a column of a table the way the
script's ``create_table`` / ``add_column`` will (the type's events run: an
``after_parent_attach`` listener that fails would fail the migration), compiled for the
target dialect and compared with the model type's DDL; a mismatch is logged as a warning on
the "flask_migrate_plus" logger naming the table and column (``flask db migrate`` shows it).

Table and column names are not passed to ``render_item``; ``record_type_owners`` (a script
rewriter, run before rendering) maps each type object in the script's ops to its column.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from alembic.operations import ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, Table
from sqlalchemy.engine import Dialect

from ..schema.run_state import context_run_state

log = logging.getLogger("flask_migrate_plus")

def context_state(migration_context: Any) -> dict[str, Any]:
    """The renderers' part of the run state: type owners, and warnings given once."""
    state = context_run_state(migration_context, __name__)
    state.setdefault("owners", {})
    state.setdefault("warned", set())
    return state


def _column_types(op: Any, table: str | None = None) -> Iterator[tuple[str, Any]]:
    if isinstance(op, ops.OpContainer):
        table = getattr(op, "table_name", table)
        for child in op.ops:
            yield from _column_types(child, table)
    elif isinstance(op, ops.CreateTableOp):
        for column in op.columns:
            if isinstance(column, Column):
                yield f"{op.table_name}.{column.name}", column.type
    elif isinstance(op, ops.AddColumnOp):
        yield f"{op.table_name}.{op.column.name}", op.column.type
    elif isinstance(op, ops.DropColumnOp) and op._reverse is not None:
        yield f"{op.table_name}.{op.column_name}", op._reverse.column.type
    elif isinstance(op, ops.AlterColumnOp):
        for type_ in (op.modify_type, op.existing_type):
            if type_ is not None:
                yield f"{op.table_name}.{op.column_name}", type_


def record_type_owners(
    context: MigrationContext, revision: Any, directives: list[ops.MigrationScript]
) -> None:
    """Remember which column each type object belongs to, for the verification message."""
    owners = context_state(context)["owners"]
    for script in directives:
        for container in [*script.upgrade_ops_list, *script.downgrade_ops_list]:
            for owner, type_ in _column_types(container):
                owners.setdefault(id(type_), owner)


def _ddl(type_: Any, dialect: Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except Exception as error:  # reported as the DDL, so the warning says what went wrong
        return f"<does not compile: {type(error).__name__}: {error}>"


def rebuild(text: str, imports: set[str]) -> Any:
    """Evaluate a rendered type the way the script will: with its imports, and ``sa``."""
    namespace: dict[str, Any] = {}
    for line in ["import sqlalchemy as sa", *sorted(imports)]:
        try:
            exec(line, namespace)
        except ImportError:  # an extra import of the user's, irrelevant to this type
            continue
    return eval(text, namespace)


def column_name(type_: Any, autogen_context: Any) -> str:
    """The name of the model column ``type_`` belongs to ("c" when not known)."""
    owner = context_state(autogen_context.migration_context)["owners"].get(id(type_))
    return str(owner).rsplit(".", 1)[-1] if owner else "c"


def build_in_table(type_: Any, name: str) -> Table:
    """A table with one column of ``type_``, built as a script's ``create_table`` builds it:
    the type's own events run, and whatever they raise is raised here."""
    return Table("verify", MetaData(), Column(name, type_))


def added_by_events(table: Table) -> list[Any]:
    """What a column's type added to its table: constraints that are not bound to the type
    (Alembic writes those itself, from the model's table) and indexes."""
    constraints = [
        constraint for constraint in table.constraints
        if not isinstance(constraint, PrimaryKeyConstraint)
        and not getattr(constraint, "_type_bound", False)
    ]
    return [*constraints, *table.indexes]


def verify_render(text: str, model_type: Any, autogen_context: Any) -> bool:
    """Warn (once per column and text) when ``text`` does not build the model's DDL."""
    dialect = autogen_context.dialect
    expected = _ddl(model_type, dialect)
    name = column_name(model_type, autogen_context)
    try:
        rebuilt = rebuild(text, set(autogen_context.imports))
    except Exception as error:
        got = f"<does not evaluate: {type(error).__name__}: {error}>"
    else:
        try:
            got = _ddl(build_in_table(rebuilt, name).c[name].type, dialect)
        except Exception as error:
            got = f"<does not build a column: {type(error).__name__}: {error}>"
    if got == expected:
        return True
    state = context_state(autogen_context.migration_context)
    owner = state["owners"].get(id(model_type), "a column")
    if (owner, text) not in state["warned"]:
        state["warned"].add((owner, text))
        log.warning(
            "Rendered type for %s does not match the model on %s: %s gives %s, the model %s "
            "(edit the migration script)",
            owner, dialect.name, text.split("#")[0].strip(), got, expected,
        )
    return False
