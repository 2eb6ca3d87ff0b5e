"""Real database servers for the tests: one fresh, empty database per test.

The servers come from the environment (``scripts/test.sh`` starts throwaway ones):

- ``FMP_TEST_POSTGRESQL_URL``: an admin URL of a PostgreSQL server,
- ``FMP_TEST_MARIADB_URL``: an admin URL of a MariaDB (or MySQL) server,
- ``FMP_TEST_BACKENDS``: the backends to run, comma separated (default: all three).

A backend that is selected but whose server is not configured or cannot be reached makes its
tests fail, never skip: a green run means every backend was exercised.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

ALL_BACKENDS = ("sqlite", "postgresql", "mariadb")
ADMIN_URL_VARIABLES = {
    "postgresql": "FMP_TEST_POSTGRESQL_URL",
    "mariadb": "FMP_TEST_MARIADB_URL",
}


def selected_backends() -> tuple[str, ...]:
    raw = os.environ.get("FMP_TEST_BACKENDS", ",".join(ALL_BACKENDS))
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = set(names) - set(ALL_BACKENDS)
    if unknown:
        raise RuntimeError(f"FMP_TEST_BACKENDS names unknown backends: {sorted(unknown)}")
    return names


def admin_url(backend: str) -> URL:
    variable = ADMIN_URL_VARIABLES[backend]
    raw = os.environ.get(variable)
    if not raw:
        raise RuntimeError(
            f"{backend} tests need a server: set {variable} "
            "(scripts/test.sh starts one), or leave the backend out of FMP_TEST_BACKENDS"
        )
    return make_url(raw)


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """Create an empty database on ``backend``, yield its URL, drop it afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    name = "fmp_" + uuid.uuid4().hex[:12]
    server = admin_url(backend)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        engine.dispose()
