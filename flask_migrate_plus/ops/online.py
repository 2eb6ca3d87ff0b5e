"""Online forms of ops on PostgreSQL: short steps that never hold a busy table for long.

An :class:`OnlineOp` stands for one Alembic op (kept as ``original``: its diff tuple and
its description are the original's) and is written as steps inside
``op.get_context().autocommit_block()``, so that each step commits on its own:

- a :class:`LockedStep` is SQL run in a ``DO`` block of its own transaction, under
  ``SET LOCAL lock_timeout``: a statement that waits for a busy table gives up after the
  timeout instead of queueing every later query of the application behind it, and the block
  tries again (SQLSTATE 55P03, ``lock_not_available``) with a growing pause, a given number of
  times. The retry lives in the script's own SQL, so ``flask db upgrade``, plain
  ``alembic upgrade`` and ``--sql`` output run through psql all retry alike. Each retry is
  posted as a server warning line (see :func:`~.execute.pg_post_warning`), which the
  migration run prints after the revision.
- a :class:`ConcurrentIndexStep` is ``op.create_index`` / ``op.drop_index`` with
  ``postgresql_concurrently``: no lock that blocks writes, and no ``lock_timeout`` either
  (it would not bound a concurrent build's wait for older transactions anyway). A failed
  concurrent build leaves an INVALID index behind that ``IF NOT EXISTS`` would keep: the
  step drops such a leftover first.
- a :class:`BackfillStep` fills a new column's existing rows from its default, in batches of
  a given size, each batch its own transaction;
- a :class:`StatementStep` is one statement as it is: MariaDB's ``ALTER TABLE`` with its
  ALGORITHM/LOCK clause (``rewrite.online_mariadb``), written without an autocommit block.

Steps that may already have run (a rerun after a failure) are written so that running them
again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.operations import ops

from .execute import (
    comment_lines,
    do_block,
    escape_binds,
    execute_lines,
    module_prefix,
    pg_post_warning,
    sql_literal,
)

#: What the script uses when the run gives no ``migrate_plus_ddl_*`` option.
DEFAULT_LOCK_TIMEOUT = 2.0
DEFAULT_RETRIES = 5
DEFAULT_BATCH_SIZE = 10000
#: The pause before retry n is ``RETRY_PAUSE * 2 ** (n - 1)`` seconds, at most ``MAX_PAUSE``.
RETRY_PAUSE = 0.5
MAX_PAUSE = 8.0

CONCURRENT_INDEX_NOTE = (
    "CONCURRENTLY: the table stays writable while the index is built. lock_timeout does not\n"
    "bound this statement's wait for transactions older than it: a long transaction delays it."
)


@dataclass(frozen=True)
class RetryPolicy:
    """How long a step waits for a lock, and how often it tries again."""

    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    retries: int = DEFAULT_RETRIES

    @property
    def timeout_sql(self) -> str:
        return f"SET LOCAL lock_timeout = '{round(self.lock_timeout * 1000)}ms';"


@dataclass(frozen=True)
class LockedStep:
    """SQL run in its own transaction under ``lock_timeout``, retried when a lock is busy.

    ``done`` is a SQL condition that is true when the step has run already (skipped then).
    """

    statements: tuple[str, ...]
    what: str
    done: str | None = None


@dataclass(frozen=True)
class ConcurrentIndexStep:
    """``op.create_index`` / ``op.drop_index`` written with ``postgresql_concurrently``."""

    op: ops.CreateIndexOp | ops.DropIndexOp
    #: The index as ``to_regclass`` reads it (quoted, schema-qualified when it has one).
    regclass: str


@dataclass(frozen=True)
class BackfillStep:
    """``UPDATE table SET column = DEFAULT`` over the rows still NULL, batch by batch."""

    table: str  # quoted, qualified
    column: str  # quoted
    batch_size: int


@dataclass(frozen=True)
class StatementStep:
    """One statement run as it is (MariaDB: DDL is not transactional there anyway)."""

    sql: str


Step = LockedStep | ConcurrentIndexStep | BackfillStep | StatementStep


class OnlineOp(ops.MigrateOperation):
    """One op written as online steps (module doc); reverses into its online reverse."""

    raw_sql_dialects = None  # runs at once: never inside a batch block (``ops.batch``)

    def __init__(
        self,
        original: ops.MigrateOperation,
        steps: tuple[Step, ...],
        retry: RetryPolicy,
        summary: str,
        notes: tuple[str, ...] = (),
    ) -> None:
        self.original = original
        self.steps = steps
        self.retry = retry
        self.summary = summary
        self.notes = notes
        self.reverse_op: ops.MigrateOperation | None = None

    def reverse(self) -> ops.MigrateOperation:
        if self.reverse_op is None:
            return self.original.reverse()
        return self.reverse_op

    def to_diff_tuple(self) -> Any:
        return self.original.to_diff_tuple()

    def describe(self) -> str:
        return self.summary


def paired(up: OnlineOp, down: ops.MigrateOperation) -> OnlineOp:
    """``up`` whose reverse is ``down`` (and back, when ``down`` is online too)."""
    up.reverse_op = down
    if isinstance(down, OnlineOp):
        down.reverse_op = up
    return up


class LockTimeoutOp(ops.MigrateOperation):
    """``SET LOCAL lock_timeout`` for the ops of a script that run in its own transaction."""

    def __init__(self, retry: RetryPolicy) -> None:
        self.retry = retry

    def reverse(self) -> LockTimeoutOp:
        return LockTimeoutOp(self.retry)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("lock_timeout",)

    def describe(self) -> str:
        return f"lock_timeout {self.retry.lock_timeout:g} s for the statements that follow"


# -- the SQL of a step ---------------------------------------------------------------------


def _retry_handler(retry: RetryPolicy, what: str, indent: str) -> list[str]:
    """The ``EXCEPTION`` branch: post one line, pause, try again; give up after the last."""
    label = what.replace("'", "''")
    tries, seconds = retry.retries + 1, f"{retry.lock_timeout:g}"
    message = (
        f"format('lock_timeout: %s not granted within {seconds} s (try %s of {tries}), "
        f"retrying', '{label}', attempt)"
    )
    return [
        f"{indent}EXCEPTION WHEN lock_not_available THEN",
        f"{indent}  attempt := attempt + 1;",
        f"{indent}  IF attempt > {retry.retries} THEN RAISE lock_not_available USING MESSAGE = "
        f"'lock for {label} not granted within {seconds} s, {tries} tries'; END IF;",
        f"{indent}  {pg_post_warning(message)}",
        f"{indent}  PERFORM pg_catalog.pg_sleep(least({RETRY_PAUSE} * 2 ^ (attempt - 1), "
        f"{MAX_PAUSE}));",
    ]


def locked_step_sql(step: LockedStep, retry: RetryPolicy) -> str:
    """A ``DO`` block: ``step``'s statements under lock_timeout, retried (module doc)."""
    lines = [" DECLARE attempt integer := 0; BEGIN"]
    if step.done is not None:
        lines += [f"  IF {step.done} THEN RETURN; END IF;"]
    lines += ["  LOOP BEGIN", f"    {retry.timeout_sql}"]
    lines += [f"    {statement};" for statement in step.statements]
    lines += ["    RETURN;", *_retry_handler(retry, step.what, "  "), "  END; END LOOP;", "END "]
    return do_block("\n".join(lines))


def backfill_sql(step: BackfillStep, retry: RetryPolicy) -> str:
    """A ``DO`` block that fills NULLs from the default, committing after every batch."""
    update = (
        f"UPDATE {step.table} SET {step.column} = DEFAULT WHERE ctid = ANY (ARRAY("
        f"SELECT ctid FROM {step.table} WHERE {step.column} IS NULL LIMIT {step.batch_size}))"
    )
    lines = [
        " DECLARE attempt integer; filled bigint; BEGIN",
        "  LOOP",
        "    attempt := 0;",
        "    LOOP BEGIN",
        f"      {retry.timeout_sql}",
        f"      {update};",
        "      GET DIAGNOSTICS filled = ROW_COUNT;",
        "      EXIT;",
        *_retry_handler(retry, f"UPDATE {step.table}", "    "),
        "    END; END LOOP;",
        "    COMMIT;  -- each batch its own transaction",
        "    EXIT WHEN filled = 0;",
        "  END LOOP;",
        "END ",
    ]
    return do_block("\n".join(lines))


# -- rendering -----------------------------------------------------------------------------


def _render_index_step(autogen_context: Any, step: ConcurrentIndexStep) -> list[str]:
    from alembic.autogenerate.render import render_op

    prefix = module_prefix(autogen_context)
    lines: list[str] = []
    if isinstance(step.op, ops.CreateIndexOp):
        # A failed concurrent build leaves an INVALID index that IF NOT EXISTS would keep.
        query = (
            "SELECT NOT indisvalid FROM pg_catalog.pg_index "
            f"WHERE indexrelid = pg_catalog.to_regclass({sql_literal(step.regclass)})"
        )
        leftover = ops.DropIndexOp(
            str(step.op.index_name), table_name=step.op.table_name, schema=step.op.schema,
            if_exists=True, postgresql_concurrently=True,
        )
        lines += [
            f"if not {prefix}get_context().as_sql and {prefix}get_bind().execute("
            f"sa.text({escape_binds(query)!r})).scalar():",
            *render_op(autogen_context, leftover),
            "",
        ]
    return lines + list(render_op(autogen_context, step.op))


def render_online(autogen_context: Any, op: OnlineOp) -> list[str]:
    """The notes, then every step; inside one autocommit block unless every step is a plain
    statement (MariaDB, whose DDL commits by itself).

    Lines carry no indentation of their own: Alembic's printer indents after a ``:`` and
    dedents at a blank line.
    """
    lines = [line for note in op.notes for line in comment_lines(note)]
    in_block = not all(isinstance(step, StatementStep) for step in op.steps)
    if in_block:
        lines.append(f"with {module_prefix(autogen_context)}get_context().autocommit_block():")
    for step in op.steps:
        if isinstance(step, ConcurrentIndexStep):
            lines += _render_index_step(autogen_context, step)
        elif isinstance(step, StatementStep):
            lines += execute_lines(autogen_context, step.sql)
        elif isinstance(step, BackfillStep):
            lines += execute_lines(autogen_context, backfill_sql(step, op.retry))
        else:
            lines += execute_lines(autogen_context, locked_step_sql(step, op.retry))
    return [*lines, ""] if in_block else lines


def render_lock_timeout(autogen_context: Any, op: LockTimeoutOp) -> list[str]:
    return [
        "# every statement below waits at most this long for a lock, then fails instead of",
        "# holding up the application's queries (rerun the upgrade then)",
        *execute_lines(autogen_context, op.retry.timeout_sql.rstrip(";")),
    ]


RENDERERS = {OnlineOp: render_online, LockTimeoutOp: render_lock_timeout}
