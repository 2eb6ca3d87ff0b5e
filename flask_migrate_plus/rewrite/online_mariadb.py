"""Online scripts on MariaDB (``migrate_plus_online``): the strongest ALGORITHM/LOCK clause.

InnoDB can do many ``ALTER TABLE`` changes without copying the table or blocking writes, but
it picks silently: an ALTER that cannot take the fast path copies the table under a lock. A
clause in the statement makes the server refuse instead of blocking. What MariaDB 10.11
accepts, measured:

- add a column (no default, or a constant one), drop a column, a default set or dropped:
  ``ALGORITHM=INSTANT`` (metadata only);
- add an index or a unique key, ``MODIFY ... NOT NULL`` or ``NULL``: ``ALGORITHM=INPLACE,
  LOCK=NONE`` (done while writes go on; INSTANT is refused for these);
- add a foreign key (INPLACE only with ``foreign_key_checks=0``), a CHECK, a column with a
  non-constant default, a type change such as INT to BIGINT: a table copy; written as they
  are, with a comment and a console warning saying what they lock and for how many rows.

Each statement also waits at most ``lock_wait_timeout`` (the ddl lock timeout, whole
seconds) for the table's metadata lock (``SET STATEMENT ... FOR``), so that it gives up
instead of queueing every later query behind a long transaction, and a compound block
(``BEGIN NOT ATOMIC``) tries it again after a pause, as on PostgreSQL; the retries are
silent there (no server warning reaches the client).
"""

from __future__ import annotations

import io
import logging
import math
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.notes import with_notes
from ..ops.online import (
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_RETRIES,
    MAX_PAUSE,
    RETRY_PAUSE,
    OnlineOp,
    RetryPolicy,
    StatementStep,
    paired,
)
from .op_tree import qualified, table_key
from .raw_sql import hoist_raw_sql_ops

console = logging.getLogger("flask_migrate_plus")

ONLINE_OPTION = "migrate_plus_online"
INSTANT = "ALGORITHM=INSTANT"
INPLACE = "ALGORITHM=INPLACE, LOCK=NONE"


def _constant_default(column: sa.Column[Any]) -> bool:
    """No server default, or one that is a literal (no function call, no expression)."""
    default = column.server_default
    if default is None:
        return True
    arg = getattr(default, "arg", None)
    text = arg if isinstance(arg, str) else getattr(arg, "text", None)
    return isinstance(text, str) and "(" not in text


def clause_for(op: Any) -> str | None:
    """The ALGORITHM/LOCK clause MariaDB accepts for ``op``; None: it copies the table."""
    if isinstance(op, ops.AddColumnOp):
        column = op.column
        plain = column.computed is None and column.identity is None and not column.foreign_keys
        return INSTANT if plain and _constant_default(column) else None
    if isinstance(op, ops.DropColumnOp):
        return INSTANT
    if isinstance(op, ops.CreateIndexOp | ops.DropIndexOp | ops.CreateUniqueConstraintOp):
        return INPLACE
    if isinstance(op, ops.DropConstraintOp) and op.constraint_type == "unique":
        return INPLACE  # a unique key is an index on MariaDB
    if isinstance(op, ops.AlterColumnOp):
        if op.modify_type is not None or op.modify_name is not None:
            return None
        if any(key.startswith("modify_") for key in op.kw):
            return None
        return INPLACE if op.modify_nullable is not None else INSTANT
    return None


def retried(statement: str, retry: RetryPolicy) -> str:
    """``statement`` in a compound block that retries it when its lock wait times out (error
    1205), pausing 0.5 s, doubling, at most 8 s, as PostgreSQL's online steps do."""
    return "\n".join([
        "BEGIN NOT ATOMIC",
        "  DECLARE attempt INT DEFAULT 0;",
        "  DECLARE done INT DEFAULT 0;",
        "  WHILE done = 0 DO",
        "    BEGIN",
        "      DECLARE EXIT HANDLER FOR 1205",
        "      BEGIN",
        "        SET attempt = attempt + 1;",
        f"        IF attempt > {retry.retries} THEN RESIGNAL; END IF;",
        f"        DO SLEEP(LEAST({RETRY_PAUSE} * POW(2, attempt - 1), {MAX_PAUSE}));",
        "      END;",
        f"      {statement};",
        "      SET done = 1;",
        "    END;",
        "  END WHILE;",
        "END",
    ])


class _Writer:
    def __init__(self, autogen_context: Any) -> None:
        self.autogen_context = autogen_context
        self.dialect = autogen_context.dialect
        self.connection = autogen_context.connection
        opts = autogen_context.opts
        timeout = float(opts.get("migrate_plus_ddl_lock_timeout", DEFAULT_LOCK_TIMEOUT))
        retries = int(opts.get("migrate_plus_ddl_retries", DEFAULT_RETRIES))
        self.retry = RetryPolicy(lock_timeout=timeout, retries=retries)
        self.wait = max(1, math.ceil(timeout))

    def statements(self, op: Any) -> list[str]:
        """The SQL Alembic runs for ``op`` on this server (its offline mode, captured)."""
        # imported here: this module loads while ``import alembic`` is still loading plugins
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext

        buffer = io.StringIO()
        context = MigrationContext.configure(
            dialect=self.dialect, opts={"as_sql": True, "output_buffer": buffer}
        )
        Operations(context).invoke(op)
        return [part.strip() for part in buffer.getvalue().split(";\n") if part.strip()]

    def with_clause(self, op: Any, clause: str) -> list[str] | None:
        if isinstance(op, ops.DropIndexOp):
            preparer = self.dialect.identifier_preparer
            table = preparer.quote(str(op.table_name))
            if op.schema:
                table = f"{preparer.quote_schema(op.schema)}.{table}"
            sql = [f"ALTER TABLE {table} DROP INDEX {preparer.quote(str(op.index_name))}"]
        else:
            sql = self.statements(op)
        written = []
        for statement in sql:
            upper = statement.upper()
            if upper.startswith("ALTER TABLE"):
                written.append(f"{statement}, {clause}")
            elif upper.startswith("CREATE") and " INDEX " in upper:
                written.append(f"{statement} {clause.replace(',', '')}")
            else:
                return None  # something we do not know how to qualify: leave the op alone
        return [retried(f"SET STATEMENT lock_wait_timeout={self.wait} FOR {statement}",
                        self.retry) for statement in written]

    def online(self, op: Any) -> OnlineOp | None:
        clause = clause_for(op)
        if clause is None:
            return None
        sql = self.with_clause(op, clause)
        if sql is None:
            return None
        summary = f"{_words(op)} ({clause})"
        return OnlineOp(op, tuple(StatementStep(s) for s in sql), self.retry, summary,
                        tuple(getattr(op, "notes", ())))

    def row_estimate(self, schema: str | None, table: str) -> int | None:
        if self.connection is None:
            return None
        value = self.connection.execute(
            sa.text("SELECT table_rows FROM information_schema.tables WHERE table_schema = "
                    "COALESCE(:schema, DATABASE()) AND table_name = :table"),
            {"schema": schema, "table": table},
        ).scalar()
        return None if value is None else int(value)


def _words(op: Any) -> str:
    name = type(op).__name__.removesuffix("Op")
    where = qualified((getattr(op, "schema", None), str(getattr(op, "table_name", "?"))))
    return f"{name} on {where}"


def _copies(op: Any) -> bool:
    """An op that rebuilds the table on MariaDB (module doc)."""
    if isinstance(op, ops.CreateForeignKeyOp | ops.CreateCheckConstraintOp):
        return True
    return isinstance(op, ops.AddColumnOp | ops.AlterColumnOp) and clause_for(op) is None


def _warned(w: _Writer, op: Any, key: tuple[str | None, str]) -> Any:
    rows = w.row_estimate(*key)
    size = f"about {rows:,} rows" if rows is not None else "all its rows"
    what = (f"{_words(op)} copies {qualified(key)} ({size}); writes wait for the copy's "
            "end (ALGORITHM=COPY)")
    instead = ("expand/contract instead: add a new column or table, fill it in batches, "
               "switch, then drop the old one")
    console.warning("No online form: %s; %s", what, instead)
    return with_notes(op, f"no online form: {what};\n{instead}.")


def _child(w: _Writer, op: Any, key: tuple[str | None, str]) -> Any:
    up = w.online(op)
    if up is not None:
        reverse = _reverse(op)
        down = w.online(reverse) if reverse is not None else None
        return paired(up, down) if down is not None else up
    return _warned(w, op, key) if _copies(op) else op


def _reverse(op: Any) -> Any:
    try:
        return op.reverse()
    except (ValueError, AttributeError, NotImplementedError):
        return None  # no reverse known (Alembic lacks the original object)


def write_online_mariadb(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc): MariaDB, ``migrate_plus_online`` on."""
    dialect = autogen_context.dialect
    if not autogen_context.opts.get(ONLINE_OPTION) or not getattr(dialect, "is_mariadb", False):
        return
    w = _Writer(autogen_context)
    fresh = {table_key(op) for op in upgrade_ops.ops
             if isinstance(op, ops.CreateTableOp | ops.DropTableOp)}
    for index, op in enumerate(upgrade_ops.ops):
        if isinstance(op, ops.ModifyTableOps) and table_key(op) not in fresh:
            op.ops = [_child(w, child, table_key(op)) for child in op.ops]
        elif isinstance(op, ops.CreateIndexOp | ops.DropIndexOp) and table_key(op) not in fresh:
            upgrade_ops.ops[index] = _child(w, op, table_key(op))
    hoist_raw_sql_ops(autogen_context, upgrade_ops)
