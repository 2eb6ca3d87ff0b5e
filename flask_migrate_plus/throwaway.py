"""Throwaway databases beside the application's, and the application pointed at them.

``flask db test`` (and ``adopt``, which builds the scripts' head schema to compare) must run
the project's own ``env.py`` against a database nobody uses: a new database created on the
application's server with the application's credentials (``CREATE DATABASE fmp_test_<random>``,
dropped afterwards), or a temporary file for SQLite. A SQLite replay of a PostgreSQL project
would prove nothing, so the server is always the application's own unless the user names
another one.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from .errors import MigrateError, one_line

#: Every throwaway database's name starts with this, so a left-over one is easy to spot.
NAME_PREFIX = "fmp_test_"


def _hidden(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _admin_engine(server: URL) -> sa.Engine:
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _drop(server: URL, name: str) -> None:
    admin = _admin_engine(server)
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            force = (connection.dialect.name == "postgresql"
                     and (connection.dialect.server_version_info or (0,)) >= (13,))
            connection.exec_driver_sql(
                f"DROP DATABASE IF EXISTS {quoted}{' WITH (FORCE)' if force else ''}"
            )
    finally:
        admin.dispose()


@contextmanager
def throwaway_database(url: URL | str, server: URL | str | None = None) -> Iterator[sa.Engine]:
    """An engine on a new, empty database on the server of ``url`` (or on ``server``).

    The database is dropped (the SQLite file deleted) when the block ends, whatever happens
    in it. A server where the credentials may not create databases is one clear error.
    """
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix=NAME_PREFIX) as folder:
            engine = sa.create_engine(url.set(database=str(Path(folder) / "throwaway.db")),
                                      poolclass=sa.pool.NullPool)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    host = make_url(server) if server is not None else url
    name = NAME_PREFIX + uuid.uuid4().hex[:12]
    admin = _admin_engine(host)
    try:
        with admin.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
    except sa.exc.DBAPIError as exc:
        raise MigrateError(
            f"cannot create a throwaway database on {_hidden(host)}: "
            f"{one_line(exc.orig or exc)}; name a server where these credentials may create "
            "databases with --backend-url"
        ) from exc
    finally:
        admin.dispose()
    engine = sa.create_engine(host.set(database=name), poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        _drop(host, name)


@contextmanager
def throwaway_databases(
    engines: Mapping[str | None, sa.Engine], server: URL | str | None = None
) -> Iterator[dict[str | None, sa.Engine]]:
    """One throwaway database per bind: each beside its bind's database. ``server``, when
    given, hosts the default bind's (a multi-database app keeps its other servers)."""
    with ExitStack() as stack:
        made: dict[str | None, sa.Engine] = {}
        for key, engine in engines.items():
            host = server if key is None or len(engines) == 1 else None
            made[key] = stack.enter_context(throwaway_database(engine.url, host))
        yield made


@contextmanager
def engines_replaced(db: Any, replacements: Mapping[str | None, sa.Engine]) -> Iterator[None]:
    """Point the application's Flask-SQLAlchemy binds at other engines for the block.

    ``db.engines`` is the dict Flask-SQLAlchemy keeps for the current application, read by
    ``db.engine`` and ``db.get_engine()``, so every ``env.py`` (ours, Flask-Migrate's, a
    multi-database one) migrates the replacement without knowing it.
    """
    live = db.engines
    saved = dict(live)
    live.update(replacements)
    try:
        yield
    finally:
        live.clear()
        live.update(saved)
