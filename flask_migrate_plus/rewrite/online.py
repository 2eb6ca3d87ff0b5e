"""Online scripts on PostgreSQL (``migrate_plus_online``): every op in its non-blocking form.

What each op becomes (both ways: the downgrade is the reverse, online too):

- an index on an existing table: built and dropped ``CONCURRENTLY``;
- a foreign key or CHECK on an existing table: added ``NOT VALID`` (a short lock, no scan),
  then ``VALIDATE CONSTRAINT`` in a transaction of its own (scans, but lets writes through);
- NOT NULL on an existing column: ``CHECK (col IS NOT NULL) NOT VALID``, ``VALIDATE``, then
  ``SET NOT NULL``, which PostgreSQL 12+ proves from the valid CHECK without a scan, and the
  CHECK dropped;
- a UNIQUE constraint: its unique index built concurrently, then ``ADD CONSTRAINT ... UNIQUE
  USING INDEX`` (a short lock only); a primary key the same way, after its columns are made
  NOT NULL as above;
- a new column whose server default is volatile (``gen_random_uuid()``: such a default on
  ``ADD COLUMN`` rewrites the whole table, even for a nullable column): added nullable
  without a default, the default set (new rows get it from then on), the existing rows
  filled in batches, then NOT NULL as above when the model says so. A constant or STABLE
  default stays one statement: PostgreSQL 11+ stores it without touching a row;
- a type change or a rename has no online form: written as it is, under a comment and a
  console warning saying what it locks and for about how many rows.

Tables the script creates or drops are left as they are: nobody else uses them yet, or any
more. Every step runs under ``lock_timeout`` and is retried (see ``ops.online``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.checks import RestateCheckOp
from ..ops.execute import sql_literal
from ..ops.notes import with_notes
from ..ops.online import (
    CONCURRENT_INDEX_NOTE,
    DEFAULT_BATCH_SIZE,
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_RETRIES,
    BackfillStep,
    ConcurrentIndexStep,
    LockedStep,
    OnlineOp,
    RetryPolicy,
    Step,
    paired,
)
from ..ops.primary_keys import ReplacePrimaryKeyOp
from ..schema.names import default_primary_key_name, made_up_name
from ..sql.lexer import NAME, QUOTED, is_punct, tokenize
from .op_tree import TableKey, qualified, table_key
from .raw_sql import hoist_raw_sql_ops

console = logging.getLogger("flask_migrate_plus")

ONLINE_OPTION = "migrate_plus_online"


class _Writer:
    """What one run needs to write online steps: the dialect's quoting, the settings, the
    connection that tells table sizes and which functions are volatile."""

    def __init__(self, autogen_context: Any) -> None:
        opts = autogen_context.opts
        self.dialect = autogen_context.dialect
        self.connection = autogen_context.connection
        self.retry = RetryPolicy(
            float(opts.get("migrate_plus_ddl_lock_timeout", DEFAULT_LOCK_TIMEOUT)),
            int(opts.get("migrate_plus_ddl_retries", DEFAULT_RETRIES)),
        )
        self.batch_size = int(opts.get("migrate_plus_backfill_batch_size", DEFAULT_BATCH_SIZE))
        self._volatile: dict[str, bool] = {}

    # -- names -------------------------------------------------------------------------
    def name(self, name: Any) -> str:
        return str(self.dialect.identifier_preparer.quote(str(name)))

    def table(self, schema: str | None, table: str) -> str:
        quoted = self.name(table)
        return f"{self.dialect.identifier_preparer.quote_schema(schema)}.{quoted}" if schema else (
            quoted
        )

    def regclass(self, schema: str | None, name: str) -> str:
        """``to_regclass('<name>')``: the relation's oid, NULL while it does not exist."""
        return f"pg_catalog.to_regclass({sql_literal(self.table(schema, name))})"

    def has_constraint(self, schema: str | None, table: str, name: Any) -> str:
        return (
            "EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = "
            f"{self.regclass(schema, table)} AND conname = {sql_literal(str(name))})"
        )

    def compiled(self, element: Any) -> str:
        return str(element.compile(dialect=self.dialect)).strip()

    def step(self, what: str, *statements: str, done: str | None = None) -> LockedStep:
        return LockedStep(tuple(statements), what, done)

    def online(self, original: Any, steps: Iterable[Step], summary: str,
               notes: Iterable[str] = ()) -> OnlineOp:
        kept = tuple(getattr(original, "notes", ()))
        return OnlineOp(original, tuple(steps), self.retry, summary, (*kept, *notes))

    # -- what the server knows ------------------------------------------------------------
    def row_estimate(self, schema: str | None, table: str) -> int | None:
        if self.connection is None:
            return None
        value = self.connection.execute(
            sa.text("SELECT reltuples FROM pg_catalog.pg_class WHERE oid = "
                    "pg_catalog.to_regclass(:name)"),
            {"name": self.table(schema, table)},
        ).scalar()
        return None if value is None else max(int(value), 0)

    def is_volatile(self, sql: str) -> bool:
        """Whether the SQL calls a function the server marks VOLATILE."""
        tokens = tokenize(sql)
        called = {
            token.value for token, after in zip(tokens, tokens[1:], strict=False)
            if token.kind in (NAME, QUOTED) and is_punct(after, "(")
        }
        unknown = sorted(called - self._volatile.keys())
        if unknown and self.connection is not None:
            rows = self.connection.execute(
                sa.text("SELECT proname, bool_or(provolatile = 'v') FROM pg_catalog.pg_proc "
                        "WHERE proname = ANY(:names) GROUP BY proname"),
                {"names": unknown},
            ).all()
            found = {name: bool(volatile) for name, volatile in rows}
            for name in unknown:
                self._volatile[name] = found.get(name, False)
        return any(self._volatile.get(name, False) for name in called)


# -- indexes --------------------------------------------------------------------------------


def _concurrent(op: ops.CreateIndexOp | ops.DropIndexOp) -> ops.CreateIndexOp | ops.DropIndexOp:
    made = copy.copy(op)
    made.kw = {**op.kw, "postgresql_concurrently": True}
    if isinstance(made, ops.CreateIndexOp):
        made.__class__ = ops.CreateIndexOp
        made.if_not_exists = True
    else:
        made.__class__ = ops.DropIndexOp
        made.if_exists = True
    return made


def _online_index(w: _Writer, op: ops.CreateIndexOp | ops.DropIndexOp) -> OnlineOp:
    verb = "create" if isinstance(op, ops.CreateIndexOp) else "drop"
    table = qualified((op.schema, op.table_name or "?"))
    step = ConcurrentIndexStep(_concurrent(op), w.table(op.schema, str(op.index_name)))
    return w.online(op, [step], f"{verb} index {op.index_name} on {table} concurrently",
                    [CONCURRENT_INDEX_NOTE])


# -- constraints ------------------------------------------------------------------------------


def _drop_constraint(w: _Writer, op: Any, name: Any, schema: str | None, table: str,
                     kind: str) -> OnlineOp:
    sql = f"ALTER TABLE {w.table(schema, table)} DROP CONSTRAINT IF EXISTS {w.name(name)}"
    return w.online(op, [w.step(sql, sql)], f"drop {kind} {name} on {qualified((schema, table))}")


def _add_not_valid(w: _Writer, op: Any, kind: str) -> OnlineOp:
    """A foreign key or CHECK: ``NOT VALID`` first, ``VALIDATE`` in its own transaction."""
    constraint = op.to_constraint()
    (schema, table), name = _constraint_table(op), op.constraint_name
    add = f"{w.compiled(sa.schema.AddConstraint(constraint))} NOT VALID"
    validate = f"ALTER TABLE {w.table(schema, table)} VALIDATE CONSTRAINT {w.name(name)}"
    steps = [
        w.step(add, add, done=w.has_constraint(schema, table, name)),
        w.step(validate, validate),
    ]
    label = "foreign key" if kind == "foreignkey" else "check constraint"
    return w.online(op, steps, f"add {label} {name} on {qualified((schema, table))} "
                               "NOT VALID, then validate")


def _add_unique(w: _Writer, op: ops.CreateUniqueConstraintOp) -> OnlineOp:
    """The unique index built concurrently, then made the constraint (a short lock)."""
    schema, table, name = op.schema, op.table_name, op.constraint_name
    index = ops.CreateIndexOp(str(name), table, list(op.columns), schema=schema, unique=True)
    attach = (f"ALTER TABLE {w.table(schema, table)} ADD CONSTRAINT {w.name(name)} "
              f"UNIQUE USING INDEX {w.name(name)}")
    steps: list[Step] = [
        ConcurrentIndexStep(_concurrent(index), w.table(schema, str(name))),
        w.step(attach, attach, done=w.has_constraint(schema, table, name)),
    ]
    return w.online(op, steps, f"add unique constraint {name} on {qualified((schema, table))} "
                               "from an index built concurrently", [CONCURRENT_INDEX_NOTE])


def _online_add_constraint(w: _Writer, op: Any) -> OnlineOp | None:
    if getattr(op, "constraint_name", None) is None or isinstance(op, RestateCheckOp):
        return None
    if isinstance(op, ops.CreateForeignKeyOp):
        return _add_not_valid(w, op, "foreignkey")
    if isinstance(op, ops.CreateCheckConstraintOp):
        return _add_not_valid(w, op, "check")
    if isinstance(op, ops.CreateUniqueConstraintOp) and not (
        op.kw.get("deferrable") or op.kw.get("initially")
    ):
        return _add_unique(w, op)
    return None


def _online_constraint_pair(w: _Writer, op: Any) -> OnlineOp | None:
    """An add or drop of a FK / CHECK / UNIQUE, paired with its online reverse."""
    if isinstance(op, ops.AddConstraintOp):
        up = _online_add_constraint(w, op)
        if up is None:
            return None
        name = getattr(op, "constraint_name", None)
        return paired(up, _drop_constraint(w, op.reverse(), name, *_constraint_table(op),
                                           _kind(op)))
    if isinstance(op, ops.DropConstraintOp) and op._reverse is not None:
        down = _online_add_constraint(w, op._reverse)
        if down is None:
            return None
        up = _drop_constraint(w, op, op.constraint_name, op.schema, op.table_name, _kind(down))
        return paired(up, down)
    return None


def _constraint_table(op: Any) -> TableKey:
    """(schema, table) of the table a constraint op acts on."""
    if isinstance(op, ops.CreateForeignKeyOp):
        return (op.kw.get("source_schema"), str(op.source_table))
    return (op.schema, str(op.table_name))


def _kind(op: Any) -> str:
    original = getattr(op, "original", op)
    if isinstance(original, ops.CreateForeignKeyOp):
        return "foreign key"
    if isinstance(original, ops.CreateCheckConstraintOp):
        return "check constraint"
    return "unique constraint"


# -- NOT NULL -----------------------------------------------------------------------------------


def _not_null_steps(w: _Writer, schema: str | None, table: str, column: str) -> list[Step]:
    """CHECK NOT VALID, VALIDATE, SET NOT NULL (proved by the CHECK, no scan), CHECK dropped."""
    check = made_up_name("nn", table, [column])
    qtable, qcolumn, qcheck = w.table(schema, table), w.name(column), w.name(check)
    is_not_null = (
        "EXISTS (SELECT FROM pg_catalog.pg_attribute WHERE attrelid = "
        f"{w.regclass(schema, table)} AND attname = {sql_literal(column)} AND attnotnull)"
    )
    add = f"ALTER TABLE {qtable} ADD CONSTRAINT {qcheck} CHECK ({qcolumn} IS NOT NULL) NOT VALID"
    validate = f"ALTER TABLE {qtable} VALIDATE CONSTRAINT {qcheck}"
    set_not_null = f"ALTER TABLE {qtable} ALTER COLUMN {qcolumn} SET NOT NULL"
    drop = f"ALTER TABLE {qtable} DROP CONSTRAINT IF EXISTS {qcheck}"
    return [
        w.step(add, add, done=f"{is_not_null} OR {w.has_constraint(schema, table, check)}"),
        w.step(validate, validate, done=is_not_null),
        w.step(set_not_null, set_not_null, drop),
    ]


def _nullable_op(op: ops.AlterColumnOp, nullable: bool) -> ops.AlterColumnOp:
    return ops.AlterColumnOp(
        op.table_name, op.column_name, schema=op.schema, existing_type=op.existing_type,
        existing_server_default=op.existing_server_default,
        existing_nullable=not nullable, existing_comment=op.existing_comment,
        modify_nullable=nullable,
    )


def _online_nullable(w: _Writer, op: ops.AlterColumnOp, nullable: bool) -> OnlineOp:
    where = f"{qualified(table_key(op))}.{op.column_name}"
    qtable, qcolumn = w.table(op.schema, op.table_name), w.name(op.column_name)
    if nullable:
        sql = f"ALTER TABLE {qtable} ALTER COLUMN {qcolumn} DROP NOT NULL"
        return w.online(op, [w.step(sql, sql)], f"make column {where} NULL")
    return w.online(op, _not_null_steps(w, op.schema, op.table_name, op.column_name),
                    f"make column {where} NOT NULL through a validated CHECK")


def _split_alter(w: _Writer, op: ops.AlterColumnOp) -> list[Any]:
    """The NOT NULL part of an alter_column online; the rest as it is (warned when it has no
    online form)."""
    result: list[Any] = []
    rest = op
    if op.modify_nullable is not None and op.existing_nullable != op.modify_nullable:
        nullable = bool(op.modify_nullable)
        alone = _nullable_op(op, nullable)
        online = paired(_online_nullable(w, alone, nullable),
                        _online_nullable(w, _nullable_op(op, not nullable), not nullable))
        rest = copy.copy(op)
        rest.modify_nullable = None
        if not _alters_anything(rest):
            return [online]
        # a type change first, so that the NOT NULL steps see the final type
        result = [_warn_blocking(w, rest), online] if not nullable else [
            online, _warn_blocking(w, rest)]
        return result
    return [_warn_blocking(w, rest)]


def _alters_anything(op: ops.AlterColumnOp) -> bool:
    return (op.modify_type is not None or op.modify_nullable is not None
            or op.modify_server_default is not False or op.modify_comment is not False
            or op.modify_name is not None or any(k.startswith("modify_") for k in op.kw))


def _warn_blocking(w: _Writer, op: ops.AlterColumnOp) -> Any:
    """A type change or rename: no online form; say what it locks, for how many rows."""
    if op.modify_type is None and op.modify_name is None:
        return op
    where = f"{qualified(table_key(op))}.{op.column_name}"
    rows = w.row_estimate(op.schema, op.table_name)
    size = f"about {rows:,} rows" if rows is not None else "all its rows"
    if op.modify_type is not None:
        what = (f"changing the type of {where} may rewrite {qualified(table_key(op))} "
                f"({size}) under an ACCESS EXCLUSIVE lock: no reads or writes meanwhile")
        instead = ("expand/contract instead: add a new column, write both, backfill, switch "
                   "reads, then drop the old one")
    else:
        what = (f"renaming {where} takes a short ACCESS EXCLUSIVE lock, and breaks the "
                "running code that still uses the old name")
        instead = ("expand/contract instead: add the new column, write both, backfill, "
                   "switch reads, then drop the old one")
    console.warning("No online form: %s; %s", what, instead)
    return with_notes(op, f"no online form: {what};\n{instead}.")


# -- primary keys ---------------------------------------------------------------------------


def _online_primary_key(w: _Writer, op: ReplacePrimaryKeyOp) -> OnlineOp:
    """Columns NOT NULL through the CHECK sequence (else ``ADD PRIMARY KEY`` runs ``SET NOT
    NULL`` with a full scan under an exclusive lock), the key's unique index built
    concurrently, then the old key swapped for the new one in one short transaction."""
    schema, table = op.schema, op.table_name
    where = qualified((schema, table))
    steps: list[Step] = []
    drop_old: list[str] = []
    qtable = w.table(schema, table)
    if op.before is not None:
        old = op.before.name or default_primary_key_name(table)
        drop_old = [f"ALTER TABLE {qtable} DROP CONSTRAINT IF EXISTS {w.name(old)}"]
    if op.after is None:
        return w.online(op, [w.step(drop_old[0], *drop_old)], f"drop primary key of {where}")
    name = op.after.name or default_primary_key_name(table)
    for column in op.after.columns:
        steps += _not_null_steps(w, schema, table, column)
    # Built under a name of its own (the old key's index may hold the key's name until the
    # swap); USING INDEX renames it to the constraint's name.
    index_name = made_up_name("pk", table, op.after.columns)
    index = ops.CreateIndexOp(index_name, table, list(op.after.columns), schema=schema,
                              unique=True)
    steps.append(ConcurrentIndexStep(_concurrent(index), w.table(schema, index_name)))
    add = (f"ALTER TABLE {qtable} ADD CONSTRAINT {w.name(name)} PRIMARY KEY "
           f"USING INDEX {w.name(index_name)}")
    wanted = ", ".join(sql_literal(column) for column in op.after.columns)
    is_key = (
        "(SELECT array_agg(a.attname::text ORDER BY k.n) FROM pg_catalog.pg_constraint c "
        "CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
        f"WHERE c.conrelid = {w.regclass(schema, table)} AND c.contype = 'p') "
        f"= ARRAY[{wanted}]::text[]"
    )
    steps.append(w.step(add, *drop_old, add, done=is_key))
    columns = ", ".join(op.after.columns)
    return w.online(op, steps, f"primary key of {where} ({columns}) from an index built "
                               "concurrently", [CONCURRENT_INDEX_NOTE])


# -- a new NOT NULL column with a volatile default ------------------------------------------


def _default_sql(column: sa.Column[Any]) -> str | None:
    default = column.server_default
    arg = getattr(default, "arg", None)
    if isinstance(arg, str):
        return arg
    text = getattr(arg, "text", None)
    return text if isinstance(text, str) else None


def _online_add_column(w: _Writer, op: ops.AddColumnOp, schema: str | None,
                       table: str) -> OnlineOp | None:
    column = op.column
    default = _default_sql(column)
    if (default is None or column.computed is not None
            or column.identity is not None or column.foreign_keys or column.constraints
            or not w.is_volatile(default)):
        return None
    bare = column._copy()
    bare.nullable = True
    bare.server_default = None
    qtable, qcolumn = w.table(schema, table), w.name(column.name)
    spelled = w.compiled(sa.schema.CreateColumn(bare))
    add = f"ALTER TABLE {qtable} ADD COLUMN IF NOT EXISTS {spelled}"
    set_default = f"ALTER TABLE {qtable} ALTER COLUMN {qcolumn} SET DEFAULT {default}"
    steps: list[Step] = [
        w.step(add, add),
        w.step(set_default, set_default),
        BackfillStep(qtable, qcolumn, w.batch_size),
    ]
    then = "."
    if not column.nullable:
        steps += _not_null_steps(w, schema, table, str(column.name))
        then = ", then NOT NULL through a validated CHECK."
    where = f"{qualified((schema, table))}.{column.name}"
    up = w.online(op, steps, f"add column {where} with a volatile default, filled in batches",
                  [f"{default} is volatile: on ADD COLUMN it would rewrite the table. Added\n"
                   "nullable, the default set for new rows, existing rows filled in batches\n"
                   f"of {w.batch_size}{then}"])
    drop = f"ALTER TABLE {qtable} DROP COLUMN IF EXISTS {qcolumn}"
    down = w.online(op.reverse(), [w.step(drop, drop)], f"drop column {where}",
                    [f"drops column {where} and its data"])
    return paired(up, down)


# -- the pass ---------------------------------------------------------------------------------


def _online_child(w: _Writer, op: Any, key: TableKey) -> list[Any]:
    if isinstance(op, ops.CreateIndexOp | ops.DropIndexOp):
        reverse = op.reverse() if not isinstance(op, ops.DropIndexOp) or op._reverse else None
        up = _online_index(w, op)
        return [paired(up, _online_index(w, reverse)) if reverse is not None else up]
    if isinstance(op, ops.AddConstraintOp | ops.DropConstraintOp):
        online = _online_constraint_pair(w, op)
        return [online if online is not None else op]
    if isinstance(op, ReplacePrimaryKeyOp):
        return [paired(_online_primary_key(w, op), _online_primary_key(w, op.reverse()))]
    if isinstance(op, ops.AlterColumnOp):
        return _split_alter(w, op)
    if isinstance(op, ops.AddColumnOp):
        added = _online_add_column(w, op, *key)
        return [added if added is not None else op]
    return [op]


def write_online(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc): only with ``migrate_plus_online`` on."""
    if not autogen_context.opts.get(ONLINE_OPTION):
        return
    w = _Writer(autogen_context)
    fresh = {table_key(op) for op in upgrade_ops.ops
             if isinstance(op, ops.CreateTableOp | ops.DropTableOp)}
    result: list[Any] = []
    for op in upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps) and table_key(op) not in fresh:
            op.ops = [new for child in op.ops for new in _online_child(w, child, table_key(op))]
            result.append(op)
        elif isinstance(op, ops.CreateIndexOp | ops.DropIndexOp | ops.AddConstraintOp
                        | ops.DropConstraintOp | ops.AlterColumnOp | ops.AddColumnOp
                        | ReplacePrimaryKeyOp):
            key = _constraint_table(op)
            result.extend([op] if key in fresh else _online_child(w, op, key))
        else:
            result.append(op)
    upgrade_ops.ops = result
    hoist_raw_sql_ops(autogen_context, upgrade_ops)  # online ops never wait in a batch block
