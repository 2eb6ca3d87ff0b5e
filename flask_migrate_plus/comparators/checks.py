"""Comparator plugin ``flask_migrate_plus.checks``: CHECK constraints added, dropped, changed.

Alembic compares no CHECK constraints by default, and its opt-in ``checkconstraint_byname``
matches by name only. Here the two sides are matched by their normalised SQL text first
(``sql.expressions.normalize_sql``, after taking off any qualifier naming the CHECK's own table:
PostgreSQL and MariaDB store ``item.a_id`` as ``a_id``), so an unnamed model CHECK equals the
constraint the database named for it (``t_a_check``, ``CONSTRAINT_1``); what is left is
matched by name (a changed text: drop + create), then dropped or created.

The model side is what ``CREATE TABLE`` would emit: CHECKs on the table and its columns,
including those a type adds (``Boolean(create_constraint=True)``, non-native ``Enum``) but
only where the type's own rule creates them on this dialect (never on PostgreSQL's native
BOOLEAN). The database side reuses the constraints Alembic already reflected into
``conn_table`` (one ``get_multi_check_constraints`` per run). The one query of our own, once
per run and schema, is on MariaDB: its catalog holds the CHECKs reflection misses there
(column-level ones, names with a line break).

SQLite names no unnamed CHECK, and Alembic's batch recreate leaves such CHECKs out: on a table
whose CHECKs change, the unnamed ones are first given a name (``ops.checks.RestateCheckOp``).

A column added in the same run brings its CHECKs: those declared on it (written inside the
column, ``renderers.columns``) and those its type makes. ``add_column`` creates them, so they
are not added again; a named one is written as a comment whose reverse drops it.

When the dialect cannot reflect CHECKs at all, nothing is compared (an empty reflection would
otherwise re-add every CHECK on every run). Alembic's own opt-in plugin
(``alembic.ext.checkconstraint_byname``) stands aside while this one is on, so that each CHECK
is compared once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.sql.elements import conv

from ..ops import register_renderers
from ..ops.checks import RestateCheckOp
from ..ops.notes import ImpliedOp
from ..ops.verbatim import VerbatimSQL
from ..rewrite import install
from ..schema import mysql_catalog
from ..schema.batch import batch_rebuilds
from ..schema.names import check_name, columns_named_in, model_name, server_given_name
from ..schema.run_state import once_per_run, run_state
from ..sql.dialects import dialect_family
from ..sql.expressions import compile_sql, ddl_compiler, normalize_sql

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import MigrateOperation, ModifyTableOps

log = logging.getLogger("alembic.autogenerate.compare")

#: CHECKs a server adds by itself, per dialect family: never proposed for removal.
#: MariaDB guards every JSON column with ``json_valid(col)``.
_SERVER_ADDED = {
    "mysql": re.compile(r"^json_valid \( [^ ]+ \)$"),
}

#: Reflection (which parses SHOW CREATE TABLE) misses MariaDB's column-level CHECKs, named
#: after their column, and CHECKs whose name holds a line break; the catalog has them all.
_MARIADB_CHECKS = (
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL = 'Column'"
    " FROM information_schema.CHECK_CONSTRAINTS"
    " WHERE CONSTRAINT_SCHEMA = COALESCE(:schema, DATABASE())"
)

#: Dialects whose batch recreate (Alembic's) leaves out reflected CHECKs that have no name:
#: SQLite stores none for an unnamed CHECK. Such CHECKs are restated under a name.
_UNNAMED_LOST_ON_RECREATE = {"sqlite"}

@dataclass
class _Check:
    """One CHECK constraint on one side, with the text it is compared by."""

    name: str | None
    text: str  # as the side states it: valid SQL for this dialect
    normalized: str
    constraint: sa.CheckConstraint
    column_level: bool = False  # declared on a column; MariaDB's are out of DROP CONSTRAINT
    column: str | None = None  # model side: the column it comes with (declared on, or its type)


def _normalized(text: str, table_name: str, dialect_name: str) -> str:
    """The text a CHECK is compared by: without its own table's qualifier, normalised."""
    return normalize_sql(text, dialect_name, table=table_name)


def _model_checks(table: sa.Table, dialect: sa.Dialect) -> list[_Check]:
    """The CHECKs ``CREATE TABLE`` would emit for ``table`` on ``dialect``."""
    declared_on = {constraint: column.name
                   for column in table.columns for constraint in column.constraints}
    checks = []
    compiler = None  # made for the first CHECK that has a rule: most tables have none
    for constraint in [*table.constraints, *declared_on]:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        rule = constraint._create_rule
        if rule is not None:
            compiler = compiler or ddl_compiler(dialect)
            if not rule(compiler):
                continue  # e.g. the Boolean CHECK on a dialect with a native BOOLEAN
        text = compile_sql(constraint.sqltext, dialect)
        checks.append(_Check(_model_name(constraint, dialect), text,
                             _normalized(text, table.name, dialect.name), constraint,
                             constraint in declared_on, _owner(constraint, declared_on)))
    return checks


def _owner(constraint: sa.CheckConstraint, declared_on: dict[Any, str]) -> str | None:
    """The column whose ``add_column`` creates this CHECK: the column it is declared on
    (written inside the column), or the one whose type makes it (``Boolean``, ``Enum``)."""
    if constraint in declared_on:
        return declared_on[constraint]
    columns = list(constraint.columns) if constraint._type_bound else []
    return columns[0].name if len(columns) == 1 else None


def _model_name(constraint: sa.CheckConstraint, dialect: sa.Dialect) -> str | None:
    """The name the model gives, after the metadata naming convention; None if it gives none."""
    if constraint.name is None:
        return None
    try:
        name = model_name(constraint, dialect)
    except sa.exc.InvalidRequestError:
        return None  # a convention that needs a name the constraint does not have
    return name if isinstance(name, str) else None


def _database_checks(
    autogen_context: AutogenContext, table: sa.Table, schema: str | None
) -> list[_Check]:
    """The reflected CHECKs of ``table`` that the user's ``include_name`` keeps."""
    dialect = autogen_context.dialect
    assert dialect is not None
    server_added = _SERVER_ADDED.get(dialect_family(dialect.name))
    parents: dict[Any, str | None] = {"table_name": table.name, "schema_name": schema}
    reflected = [c for c in table.constraints if isinstance(c, sa.CheckConstraint)]
    names = {constraint.name for constraint in reflected}
    missed = [constraint for constraint in
              (_catalog_checks(autogen_context, schema) or {}).get(table.name, [])
              if constraint.name not in names]
    checks = []
    for constraint in [*reflected, *missed]:
        if not isinstance(constraint, sa.CheckConstraint):
            continue
        text = str(constraint.sqltext)
        normalized = _normalized(text, table.name, dialect.name)
        if server_added is not None and server_added.match(normalized):
            continue
        name = constraint.name if isinstance(constraint.name, str) else None
        if name is not None and not autogen_context.run_name_filters(
            name, "check_constraint", parents
        ):
            continue
        column_level = constraint.info.get("column_level", False)
        checks.append(_Check(name, text, normalized, constraint, column_level))
    return checks


def _catalog_checks(
    autogen_context: AutogenContext, schema: str | None
) -> dict[str, list[sa.CheckConstraint]] | None:
    """MariaDB's CHECKs by table, from its catalog: those reflection misses are among them
    (column-level ones, as SQLAlchemy emits a Column's CheckConstraint: ``a INT CHECK (a >
    0)``). One query per schema and run, kept on the migration context; None when the
    server cannot tell, {} on other dialects."""
    dialect = autogen_context.dialect
    if not getattr(dialect, "is_mariadb", False) or autogen_context.connection is None:
        return {}
    if not mysql_catalog.may_have_checks(autogen_context, schema):
        return {}  # no table's text says CHECK
    cache = run_state(autogen_context, __name__)
    if schema not in cache:
        try:
            rows = autogen_context.connection.execute(
                sa.text(_MARIADB_CHECKS), {"schema": schema}
            ).all()
        except sa.exc.DBAPIError:  # before 10.5.10 the catalog has no LEVEL column
            log.warning("Column-level CHECK constraints cannot be read on this MariaDB "
                        "version; those of the models are not compared")
            cache[schema] = None
            return None
        found: dict[str, list[sa.CheckConstraint]] = {}
        for table_name, name, clause, column_level in rows:
            table = sa.Table(table_name, sa.MetaData(), schema=schema)
            found.setdefault(table_name, []).append(sa.CheckConstraint(
                sa.text(clause), name=conv(name), table=table,
                info={"column_level": bool(column_level)},
            ))
        cache[schema] = found
    return cache[schema]


def _same_name_and_text(model: _Check, database: _Check) -> bool:
    return model.name is not None and model.name == database.name and (
        model.normalized == database.normalized
    )


def _same_text(model: _Check, database: _Check) -> bool:
    """Equal text, and no two different names (a missing name matches any)."""
    return model.normalized == database.normalized and (
        model.name is None or database.name is None or model.name == database.name
    )


def _same_name(model: _Check, database: _Check) -> bool:
    return model.name is not None and model.name == database.name


def _pop_match(
    checks: list[_Check], wanted: _Check, rule: Callable[[_Check, _Check], bool]
) -> _Check | None:
    """Remove and return the first of ``checks`` that ``rule`` pairs with ``wanted``."""
    for check in checks:
        if rule(wanted, check):
            checks.remove(check)
            return check
    return None


def _new_constraint(
    table_name: str, schema: str | None, name: str, text: str
) -> sa.CheckConstraint:
    """A detached CHECK to hand to Alembic's ops (the user's model is never modified), its
    text rendered into the script as it is."""
    table = sa.Table(table_name, sa.MetaData(), schema=schema)
    return sa.CheckConstraint(VerbatimSQL(text), name=name, table=table)


def _as_op_constraint(check: _Check, spelled: str | None = None) -> sa.CheckConstraint:
    """A reflected CHECK as ops take it: same name, text as reflected. ``spelled`` is the
    name object the replacing CHECK is written with, so that both ops write the name the
    same way (``op.f('ck_x')`` on both sides, or ``'ck_x'`` on both)."""
    table, name = check.constraint.table, check.constraint.name
    assert isinstance(name, str)  # only named ones are dropped this way
    if spelled is not None and str(spelled) == str(name):
        name = spelled
    return _new_constraint(table.name, table.schema, name, check.text)


def _name_for_new(
    table_name: str, check: _Check, dialect_name: str = "", taken: set[str] | None = None
) -> str:
    """A name for a model CHECK that has none: its own, the one the server would give it
    (PostgreSQL), or one derived from its text.

    Written into the script (as ``op.f(...)``) so the downgrade can drop it by name.
    """
    if check.name is not None:
        return check.name
    table = getattr(check.constraint, "parent", None)
    if isinstance(table, sa.Table):
        columns = columns_named_in(check.text, table.columns.keys(), dialect_name)
        given = server_given_name("ck", table_name, columns, dialect_name, taken or set())
        if given is not None:
            return conv(given)
    return conv(check_name(table_name, check.normalized))


def _pair(
    in_model: list[_Check], in_database: list[_Check]
) -> tuple[list[_Check], list[tuple[_Check, _Check]]]:
    """Take equal CHECKs out of ``in_database``; return the model's unmatched ones and the
    (model, database) pairs. Exact pairs first, so that an unnamed model CHECK cannot take
    the partner of a named one."""
    pairs: list[tuple[_Check, _Check]] = []
    for rule in (_same_name_and_text, _same_text):
        unmatched: list[_Check] = []
        for check in in_model:
            match = _pop_match(in_database, check, rule)
            if match is None:
                unmatched.append(check)
            else:
                pairs.append((check, match))
        in_model = unmatched
    return in_model, pairs


def _compare_check_constraints(
    autogen_context: AutogenContext,
    modify_table_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """Emit drop/create ops for CHECKs that differ between the database and the model."""
    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE  # create_table / drop_table carry their CHECKs
    dialect = autogen_context.dialect
    assert dialect is not None
    in_database = _database_checks(autogen_context, conn_table, schema)
    added = _added_columns(modify_table_ops)
    in_model = []
    for check in _model_checks(metadata_table, dialect):
        if check.column not in added:
            in_model.append(check)
        elif check.name is not None:  # add_column creates it; the downgrade drops it by name
            modify_table_ops.ops.append(_created_with_column(schema, tname, check))
    if not in_database and not in_model:
        return PriorityDispatchResult.CONTINUE  # most tables: nothing to pair or restate
    if not in_database and not _reflects_checks(autogen_context, tname, schema):
        return PriorityDispatchResult.CONTINUE  # "none found" would only mean "cannot tell"
    if _catalog_checks(autogen_context, schema) is None:  # unknown: no guess either way
        in_model = [check for check in in_model if not check.column_level]
    # Every CHECK name the table has or keeps: a name the server would choose must not be one.
    taken = {str(c.name) for c in in_database if c.name} | {str(c.name) for c in in_model if c.name}
    in_model, pairs = _pair(in_model, in_database)
    table_ops = _add_ops(autogen_context, schema, tname, in_model, in_database, taken)
    # Only batch mode recreates tables (without it SQLite can change no CHECK at all).
    batch = bool(autogen_context.opts.get("render_as_batch"))
    unnamed_lost = batch and dialect.name in _UNNAMED_LOST_ON_RECREATE
    table_ops += _drop_ops(autogen_context, schema, tname, in_database, unnamed_lost)
    if unnamed_lost and (table_ops or _recreates(modify_table_ops, conn_table, metadata_table)):
        table_ops[:0] = _restate_ops(schema, tname, pairs)
    modify_table_ops.ops.extend(table_ops)
    return PriorityDispatchResult.CONTINUE


def _added_columns(modify_table_ops: ModifyTableOps) -> set[str]:
    """Columns this run adds to the table (Alembic compares columns before tables)."""
    from alembic.operations import ops

    return {op.column.name for op in modify_table_ops.ops if isinstance(op, ops.AddColumnOp)}


def _created_with_column(schema: str | None, tname: str, check: _Check) -> ImpliedOp:
    """A named CHECK that ``add_column`` creates, written as a comment.

    Its reverse drops it by name before the column goes: a SQLite batch rebuild would
    otherwise keep the reflected CHECK, on a column that no longer exists.
    """
    from alembic.operations import ops

    assert check.name is not None
    new = _new_constraint(tname, schema, check.name, check.text)
    return ImpliedOp(ops.AddConstraintOp.from_constraint(new),
                     f"check constraint {check.name} is created with column {check.column}")


def _reflects_checks(autogen_context: AutogenContext, tname: str, schema: str | None) -> bool:
    """Whether the dialect reflects CHECK constraints at all.

    Table reflection reads a dialect's NotImplementedError as "no CHECKs", and every model
    CHECK would then be added again on every run. So a table that shows none is asked once
    more, directly; the answer holds for the run.
    """
    def ask() -> bool:
        try:
            autogen_context.inspector.get_check_constraints(tname, schema=schema)
        except NotImplementedError:
            dialect = autogen_context.dialect
            log.warning("CHECK constraints cannot be reflected on this database (dialect "
                        "%r); they are not compared", dialect.name if dialect else None)
            return False
        return True

    return once_per_run(autogen_context, f"{__name__}.reflection", "checks", ask)


def _add_ops(
    autogen_context: AutogenContext, schema: str | None, tname: str,
    in_model: list[_Check], in_database: list[_Check], taken: set[str] | None = None,
) -> list[MigrateOperation]:
    """Create each model CHECK left unmatched; first drop the database's one of that name."""
    taken = set() if taken is None else taken
    from alembic.operations import ops

    table_ops: list[MigrateOperation] = []
    for check in in_model:
        old = _pop_match(in_database, check, _same_name)
        compare_to = old.constraint if old is not None else None
        if not autogen_context.run_object_filters(
            check.constraint, check.name, "check_constraint", False, compare_to
        ):
            continue
        name = _name_for_new(tname, check, autogen_context.dialect.name, taken)
        taken.add(str(name))
        if old is not None:
            table_ops.append(ops.DropConstraintOp.from_constraint(_as_op_constraint(old, name)))
            log.info("Detected changed check constraint %r on table %r: %r -> %r",
                     name, tname, old.text, check.text)
        else:
            log.info("Detected added check constraint %r on table %r", name, tname)
        new = _new_constraint(tname, schema, name, check.text)
        table_ops.append(ops.AddConstraintOp.from_constraint(new))
    return table_ops


def _drop_ops(
    autogen_context: AutogenContext, schema: str | None, tname: str,
    in_database: list[_Check], unnamed_lost: bool,
) -> list[MigrateOperation]:
    """Drop each database CHECK left unmatched, by its name (one we give it on SQLite)."""
    from alembic.operations import ops

    table_ops: list[MigrateOperation] = []
    for old in in_database:
        if not autogen_context.run_object_filters(
            old.constraint, old.name, "check_constraint", True, None
        ):
            continue
        if old.column_level:
            log.warning("Cannot drop column-level check constraint %r on %r.%r: MariaDB "
                        "removes it only with the column's definition; remove it by hand",
                        old.text, tname, old.name)
            continue
        if old.name is not None:
            table_ops.append(ops.DropConstraintOp.from_constraint(_as_op_constraint(old)))
        elif unnamed_lost:
            # Named first, so that the drop (and the downgrade's re-create) has a name.
            named = _new_constraint(tname, schema, _name_for_new(tname, old), old.text)
            table_ops.append(RestateCheckOp.from_constraint(named))
            table_ops.append(ops.DropConstraintOp.from_constraint(named))
        else:
            log.warning("Cannot drop unnamed check constraint %r on table %r: the database "
                        "gives it no name", old.text, tname)
            continue
        log.info("Detected removed check constraint %r on table %r", old.name or old.text,
                 tname)
    return table_ops


def _recreates(
    modify_table_ops: ModifyTableOps, conn_table: sa.Table, metadata_table: sa.Table
) -> bool:
    """Whether the batch block for this table will recreate it on SQLite anyway: an op
    already found (Alembic compares columns first) or a column about to be dropped."""
    if batch_rebuilds(modify_table_ops.ops):
        return True
    return bool(set(conn_table.columns.keys()) - set(metadata_table.columns.keys()))


def _restate_ops(
    schema: str | None, tname: str, pairs: list[tuple[_Check, _Check]]
) -> list[MigrateOperation]:
    """Name the unnamed database CHECKs the model keeps, before a batch recreate drops them;
    under the model's name when it has one."""
    table_ops: list[MigrateOperation] = []
    for model, database in pairs:
        if database.name is not None:
            continue
        name = _name_for_new(tname, model)
        log.info("Naming unnamed check constraint %r on table %r as %r, so that the batch "
                 "recreate keeps it", database.text, tname, str(name))
        named = _new_constraint(tname, schema, name, database.text)
        table_ops.append(RestateCheckOp.from_constraint(named))
    return table_ops


def _instead_of_alembic_plugin(*args: Any) -> PriorityDispatchResult:
    """Stop Alembic's opt-in ``alembic.ext.checkconstraint_byname`` for this table.

    It compares CHECKs in the subgroup ``checkconstraints``, by name; this module compares
    them all, so with both on every CHECK op would come twice. STOP in that subgroup, before
    it runs, leaves each CHECK to one comparison: ours, while this plugin is on.
    """
    return PriorityDispatchResult.STOP


def setup(plugin: Plugin) -> None:
    """Compare CHECK constraints of every table that exists on both sides."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        _compare_check_constraints, "table", "check_constraints",
        priority=DispatchPriority.MEDIUM,
    )
    plugin.add_autogenerate_comparator(
        _instead_of_alembic_plugin, "table", "checkconstraints",
        priority=DispatchPriority.FIRST,
    )
