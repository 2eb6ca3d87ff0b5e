"""One migration at a time per database, however many processes start ``flask db upgrade``.

Several workers or replicas that migrate at start-up race each other: two of them run the
same ``CREATE TABLE`` and one fails, or both insert into ``alembic_version``. The lock is a
*session* lock on a dedicated connection, beside the one env.py uses, so it works with any
env.py and is released by the server when the holder's process dies:

- PostgreSQL: ``pg_advisory_lock`` (scoped to the current database);
- MySQL / MariaDB: ``GET_LOCK`` on a name that includes the database (locks are server-wide);
- SQLite: a lock file next to the database file (``filelock``); in-memory databases need none.

A process that had to wait says so on stderr, then runs the command, which re-reads the
version table and finds nothing left to do.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

LOCK_NAME = "flask_migrate_plus"
POLL_SECONDS = 0.2


class LockTimeout(Exception):
    """The lock was not obtained within the timeout; nothing was applied."""


def _say(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _pg_key() -> int:
    digest = hashlib.sha256(LOCK_NAME.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _mysql_name(connection: sa.Connection) -> str:
    database = connection.exec_driver_sql("SELECT DATABASE()").scalar() or ""
    return f"{LOCK_NAME}:{database}"[:64]


def _pg_holder(connection: sa.Connection, key: int) -> str:
    pid = connection.execute(
        sa.text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((classid::bigint << 32) | objid::bigint) = :key LIMIT 1"
        ),
        {"key": key},
    ).scalar()
    return f"PostgreSQL backend pid {pid}" if pid else "another process"


@contextmanager
def _postgresql_lock(engine: sa.Engine, timeout: float, where: str) -> Iterator[None]:
    key = _pg_key()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        got = connection.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        if not got:
            _say(f"Waiting for the migration lock on {where}, held by "
                 f"{_pg_holder(connection, key)}")
            deadline = time.monotonic() + timeout
            while not got:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"timed out after {timeout:g} s waiting for the migration lock on "
                        f"{where} (held by {_pg_holder(connection, key)}); nothing was applied"
                    )
                time.sleep(POLL_SECONDS)
                got = connection.execute(
                    sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}
                ).scalar()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextmanager
def _mysql_lock(engine: sa.Engine, timeout: float, where: str) -> Iterator[None]:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        name = _mysql_name(connection)
        got = connection.execute(sa.text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar()
        if got != 1:
            holder = connection.execute(sa.text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar()
            who = f"connection id {holder}" if holder else "another process"
            _say(f"Waiting for the migration lock on {where}, held by {who}")
            # GET_LOCK blocks on the server, so nothing polls; it takes whole seconds.
            wait = max(1, int(round(timeout)))
            got = connection.execute(sa.text("SELECT GET_LOCK(:n, :t)"),
                                     {"n": name, "t": wait}).scalar()
            if got != 1:
                raise LockTimeout(
                    f"timed out after {timeout:g} s waiting for the migration lock on {where} "
                    f"(held by {who}); nothing was applied"
                )
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT RELEASE_LOCK(:n)"), {"n": name})


@contextmanager
def _sqlite_lock(engine: sa.Engine, timeout: float, where: str) -> Iterator[None]:
    from filelock import FileLock
    from filelock import Timeout as FileLockTimeout

    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        yield  # a private in-memory database: no other process can reach it
        return
    lock = FileLock(database + ".migrate-lock")
    try:
        lock.acquire(timeout=0)
    except FileLockTimeout:
        _say(f"Waiting for the migration lock on {where}, held by another process "
             f"(lock file {lock.lock_file})")
        try:
            lock.acquire(timeout=timeout)
        except FileLockTimeout:
            raise LockTimeout(
                f"timed out after {timeout:g} s waiting for the migration lock on {where} "
                f"(lock file {lock.lock_file}); nothing was applied"
            ) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def migration_lock(engine: sa.Engine, timeout: float) -> Iterator[None]:
    """Hold the migration lock of ``engine``'s database for the duration of the block."""
    where = engine.url.render_as_string(hide_password=True)
    dialect = engine.dialect.name
    if dialect == "postgresql":
        manager = _postgresql_lock(engine, timeout, where)
    elif dialect in ("mysql", "mariadb"):
        manager = _mysql_lock(engine, timeout, where)
    elif dialect == "sqlite":
        manager = _sqlite_lock(engine, timeout, where)
    else:
        _say(f"No migration lock for the {dialect} dialect; migrations are not serialised")
        yield
        return
    with manager:
        yield
