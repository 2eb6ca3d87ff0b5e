"""Real transactions for migrations on SQLite, and a record of what a migration run sent.

SQLite can roll DDL back, but Python's ``sqlite3`` module (in its default, legacy transaction
mode) opens a transaction only before INSERT/UPDATE/DELETE: every ``CREATE`` and ``ALTER`` of
a migration commits on its own, so a revision that fails half-way leaves its first ops
applied, and a batch rebuild's ``_alembic_tmp_<table>`` behind. :func:`real_sqlite_transactions`
applies SQLAlchemy's documented recipe (the driver's own transaction handling off, an explicit
``BEGIN`` when SQLAlchemy begins one) to the connections migrations use while a command runs,
whatever ``env.py`` opens them: so with Alembic's ``transaction_per_migration`` each revision
commits or rolls back as a whole. Foreign-key checks are deferred to the commit inside it
(``PRAGMA foreign_keys`` itself cannot change inside a transaction), so a table rebuild may
drop and re-create a referenced table.

:class:`RunRecorder` keeps the statements a command sends that change something, so that on
servers without transactional DDL a failure can say what the failed revision left applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

_SAVED_ISOLATION = "flask_migrate_plus.isolation_level"



@contextmanager
def real_sqlite_transactions(engines: Iterable[sa.Engine]) -> Iterator[None]:
    """While inside, connections of the SQLite ``engines`` run real transactions (module doc).

    Set at each checkout, not at connect: a pooled connection (an in-memory database's only
    one) may be older than this block. Undone at check-in and when the block ends.
    """
    hooks: list[tuple[Any, str, Any]] = []
    for engine in engines:
        if engine.dialect.name != "sqlite":
            continue

        def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            record.info.setdefault(_SAVED_ISOLATION, dbapi_connection.isolation_level)
            dbapi_connection.isolation_level = None

        def checkin(dbapi_connection: Any, record: Any) -> None:
            if dbapi_connection is not None and _SAVED_ISOLATION in record.info:
                dbapi_connection.isolation_level = record.info.pop(_SAVED_ISOLATION)

        def begin(connection: sa.Connection) -> None:
            connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

        hooks += [(engine, "checkout", checkout), (engine, "checkin", checkin),
                  (engine, "begin", begin)]
    for target, name, fn in hooks:
        sa.event.listen(target, name, fn)
    try:
        yield
    finally:
        for target, name, fn in hooks:
            sa.event.remove(target, name, fn)


def transaction_options(dialect_names: Iterable[str]) -> dict[str, Any]:
    """Alembic options for databases of these dialects: each revision in a transaction of
    its own; on SQLite alone, say that DDL is transactional (it is, with the block above)."""
    names = set(dialect_names)
    options: dict[str, Any] = {"transaction_per_migration": True}
    if names == {"sqlite"}:
        options["transactional_ddl"] = True
    return options


#: Statements that only read: not part of what a revision changed.
_READS = re.compile(r"^\s*(SELECT|SHOW|DESCRIBE|EXPLAIN|PRAGMA|WITH)\b", re.I)


class RunRecorder:
    """The statements a migration command sends that change something, per revision.

    A revision ends with the write to the version table; what was sent after the last such
    write belongs to the revision that was running when the command stopped.
    """

    def __init__(self, engines: Iterable[sa.Engine], version_table: str = "alembic_version"):
        self.engines = list(engines)
        self.version_table = version_table.lower()
        self._since_last_version: list[str] = []

    @property
    def unfinished(self) -> list[str]:
        """What the revision running when the command stopped had sent (and done)."""
        return list(self._since_last_version)

    def _sent(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.version_table in statement.lower():
            self._since_last_version = []
        elif not _READS.match(statement):
            self._since_last_version.append(statement)

    @contextmanager
    def recording(self) -> Iterator[RunRecorder]:
        for engine in self.engines:
            sa.event.listen(engine, "after_cursor_execute", self._sent)
        try:
            yield self
        finally:
            for engine in self.engines:
                sa.event.remove(engine, "after_cursor_execute", self._sent)
