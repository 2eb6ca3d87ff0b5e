"""``lock_timeout`` for the ops of an online script that run in the revision's transaction.

The online rewrite (``rewrite.online``) writes its own steps, each with its lock_timeout and
retry. The other ops (a new table, a dropped column, ...) run in the revision's transaction,
which starts again after every autocommit block: each such run of ops opens with
``SET LOCAL lock_timeout``, in the upgrade and in the downgrade. A hook on the finished
script, because the downgrade only exists once Alembic has reversed the upgrade.
"""

from __future__ import annotations

from typing import Any

from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext

from ..ops.notes import HeaderOp, ImpliedOp
from ..ops.online import DEFAULT_LOCK_TIMEOUT, LockTimeoutOp, OnlineOp, RetryPolicy

ONLINE_OPTION = "migrate_plus_online"


def _runs_in_transaction(op: Any) -> bool:
    return not isinstance(op, OnlineOp | LockTimeoutOp | HeaderOp | ImpliedOp)


def with_lock_timeouts(operations: list[Any], retry: RetryPolicy) -> list[Any]:
    """``operations`` with a :class:`LockTimeoutOp` opening each run of transactional ops."""
    result: list[Any] = []
    in_run = False
    for op in operations:
        if isinstance(op, LockTimeoutOp):
            continue
        starts = _runs_in_transaction(op)
        if starts and not in_run:
            result.append(LockTimeoutOp(retry))
        in_run = starts or (in_run and isinstance(op, HeaderOp | ImpliedOp))
        result.append(op)
    return result


def place_lock_timeouts(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """The hook (module doc): PostgreSQL, ``migrate_plus_online`` on."""
    if not context.opts.get(ONLINE_OPTION) or context.dialect.name != "postgresql":
        return
    timeout = float(context.opts.get("migrate_plus_ddl_lock_timeout", DEFAULT_LOCK_TIMEOUT))
    retry = RetryPolicy(lock_timeout=timeout)
    for script in directives:
        for container in [*script.upgrade_ops_list, *script.downgrade_ops_list]:
            if container.ops:
                container.ops = with_lock_timeouts(list(container.ops), retry)
