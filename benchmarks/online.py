"""Online migrations under load: how long a live application waits while ``flask db upgrade`` runs.

A PostgreSQL table of ``--rows`` rows (1,000,000 by default), a writer thread doing single-row
inserts and updates in a loop and a reader thread doing point selects by primary key. Then
``flask db upgrade`` (a subprocess, as users run it) applies one revision that adds an index,
a foreign key, a CHECK, a NOT NULL column with a volatile default and a UNIQUE constraint,
written once by plain ``flask db migrate`` and once with ``--online``. For each it reports
the longest single write and read during the upgrade, the failed statements, and the
upgrade's duration; then the same with a long transaction open on the table when the
upgrade starts (``--long-transaction`` seconds).

    python benchmarks/online.py [--rows 1000000] [--long-transaction 6] [--lock-timeout 2]
                                [--backends postgresql,mariadb]

On MariaDB the new column has a constant default (the server has no gen_random_uuid()).
Servers come from FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL; each run uses a database of
its own. This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

APP = '''
import json, os
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from flask_migrate_plus import Migrate


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(json.loads(os.environ.get("APP_CONFIG", "{}")))
    db = SQLAlchemy()
    db.init_app(app)
    after = os.environ.get("MODELS") == "2"
    with app.app_context():
        db.Table("parent", sa.Column("id", sa.Integer, primary_key=True))
        extra = []
        if after:
            # MariaDB has no gen_random_uuid(): a constant default there
            extra = [
                sa.Column("flag", sa.Integer, nullable=False, server_default="7")
                if os.environ["DATABASE_URL"].startswith("mysql") else
                sa.Column("token", sa.Uuid, nullable=False,
                          server_default=sa.text("gen_random_uuid()")),
                sa.Index("ix_account_n", "n"),
                sa.ForeignKeyConstraint(["parent_id"], ["parent.id"],
                                        name="fk_account_parent_id"),
                sa.CheckConstraint("n >= 0", name="ck_account_n"),
                sa.UniqueConstraint("email", name="uq_account_email"),
            ]
        db.Table(
            "account",
            sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
            sa.Column("parent_id", sa.Integer),
            sa.Column("email", sa.String(80)),
            sa.Column("n", sa.Integer),
            *extra,
        )
    Migrate(app, db)
    return app
'''


@dataclass
class Timings:
    """Statements one thread ran during the upgrade: (duration, ok)."""

    durations: list[float] = field(default_factory=list)
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def longest(self) -> float:
        return max(self.durations, default=0.0)


class Load:
    """A writer and a reader, each on its own connection, until stopped."""

    def __init__(self, url: str, rows: int) -> None:
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT",
                                       poolclass=sa.pool.NullPool)
        self.rows = rows
        self.stop = threading.Event()
        self.measuring = threading.Event()
        self.writes = Timings()
        self.reads = Timings()

    def _loop(self, timings: Timings, statements: Iterator[tuple[sa.TextClause, dict]]) -> None:
        """Run statements one by one (autocommit), timing those sent during the upgrade."""
        with self.engine.connect() as conn:
            while not self.stop.is_set():
                statement, values = next(statements)
                measuring = self.measuring.is_set()
                started = time.perf_counter()
                ok = True
                try:
                    conn.execute(statement, values)
                except sa.exc.DBAPIError as exc:
                    ok = False
                    if measuring and len(timings.errors) < 3:
                        timings.errors.append(str(exc.orig).splitlines()[0])
                elapsed = time.perf_counter() - started
                if measuring:
                    timings.durations.append(elapsed)
                    timings.failed += not ok
                time.sleep(0.002)

    def writes_forever(self) -> Iterator[tuple[sa.TextClause, dict]]:
        """Single-row inserts and updates, alternately, as the running application does."""
        insert = sa.text("INSERT INTO account (parent_id, email, n) VALUES (1, :email, 1)")
        update = sa.text("UPDATE account SET n = n + 1 WHERE id = :id")
        while True:
            yield insert, {"email": f"w-{uuid.uuid4().hex}"}
            yield update, {"id": random.randint(1, self.rows)}

    def reads_forever(self) -> Iterator[tuple[sa.TextClause, dict]]:
        select = sa.text("SELECT n FROM account WHERE id = :id")
        while True:
            yield select, {"id": random.randint(1, self.rows)}

    def writer(self) -> None:
        self._loop(self.writes, self.writes_forever())

    def reader(self) -> None:
        self._loop(self.reads, self.reads_forever())

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [threading.Thread(target=self.writer), threading.Thread(target=self.reader)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # warm: connections open, plans cached
        try:
            yield self
        finally:
            self.stop.set()
            for thread in threads:
                thread.join()
            self.engine.dispose()


@contextmanager
def fresh_database(admin: sa.URL) -> Iterator[str]:
    name = "fmp_bench_" + uuid.uuid4().hex[:10]
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            force = " WITH (FORCE)" if admin.get_backend_name() == "postgresql" else ""
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        engine.dispose()


def flask_db(folder: Path, url: str, models: int, config: dict[str, object],
             *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=url, MODELS=str(models), APP_CONFIG=json.dumps(config),
               PYTHONPATH=os.pathsep.join([str(ROOT), str(folder)]))
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "bench_app:create_app",
                             "db", *args], cwd=folder, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"flask db {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def hold_long_transaction(url: str, seconds: float, started: threading.Event) -> None:
    """A transaction that read the table and stays open (a report, a stuck worker)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT count(*) FROM account WHERE id < 10"))
        started.set()
        time.sleep(seconds)
    engine.dispose()


def run_case(admin: sa.URL, rows: int, online: bool, long_transaction: float,
             lock_timeout: float) -> dict[str, object]:
    config: dict[str, object] = {"MIGRATE_PLUS_DDL_LOCK_TIMEOUT": lock_timeout}
    mariadb = admin.get_backend_name() != "postgresql"
    with fresh_database(admin) as url, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bench_app.py").write_text(APP)
        flask_db(folder, url, 1, config, "init")
        flask_db(folder, url, 1, config, "migrate", "-m", "tables")
        flask_db(folder, url, 1, config, "upgrade")
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO parent (id) VALUES (1)"))
            conn.execute(sa.text(
                f"INSERT INTO account (parent_id, email, n) SELECT 1, concat('a-', seq), seq "
                f"FROM seq_1_to_{rows}" if mariadb else
                "INSERT INTO account (parent_id, email, n) SELECT 1, 'a-' || g, g "
                f"FROM generate_series(1, {rows}) AS g"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE TABLE account" if mariadb else "VACUUM ANALYZE account"))
        engine.dispose()
        flask_db(folder, url, 2, config, "migrate", "-m", "change",
                 *(["--online"] if online else []))
        # The upgrade's own start (Python, Flask, the app) comes before its first statement:
        # the long transaction stays open that much longer, so the DDL meets it.
        began = time.perf_counter()
        flask_db(folder, url, 2, config, "current")
        startup = time.perf_counter() - began
        load = Load(url, rows)
        with load.running():
            holder = None
            if long_transaction:
                started = threading.Event()
                holder = threading.Thread(target=hold_long_transaction,
                                          args=(url, startup + long_transaction, started))
                holder.start()
                started.wait()
            load.measuring.set()
            began = time.perf_counter()
            upgrade = flask_db(folder, url, 2, config, "upgrade")
            duration = time.perf_counter() - began
            load.measuring.clear()
            if holder is not None:
                holder.join()
        retries = sum("retrying" in line for line in upgrade.stderr.splitlines())
        return {
            "script": "online" if online else "plain",
            "long transaction": long_transaction,
            "longest write": load.writes.longest,
            "longest read": load.reads.longest,
            "failed": load.writes.failed + load.reads.failed,
            "errors": load.writes.errors + load.reads.errors,
            "writes": len(load.writes.durations),
            "reads": len(load.reads.durations),
            "upgrade": duration,
            "retries": retries,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--long-transaction", type=float, default=6.0,
                        help="seconds a transaction stays open in the second round (0: none)")
    parser.add_argument("--lock-timeout", type=float, default=2.0,
                        help="MIGRATE_PLUS_DDL_LOCK_TIMEOUT for the online scripts")
    parser.add_argument("--backends", default="postgresql",
                        help="comma separated: postgresql, mariadb")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        variable = {"postgresql": "FMP_TEST_POSTGRESQL_URL",
                    "mariadb": "FMP_TEST_MARIADB_URL"}[backend.strip()]
        raw = os.environ.get(variable)
        if not raw:
            raise SystemExit(f"set {variable} to an admin URL of the {backend} server")
        report(backend, sa.make_url(raw), args)


def report(backend: str, admin: sa.URL, args: argparse.Namespace) -> None:
    rounds = [0.0] + ([args.long_transaction] if args.long_transaction else [])
    results = [run_case(admin, args.rows, online, held, args.lock_timeout)
               for held in rounds for online in (False, True)]
    print(f"\n{backend}: {args.rows:,} rows, lock timeout {args.lock_timeout:g} s "
          "(online scripts)\n")
    print("| script | long transaction | longest write | longest read | failed statements "
          "| upgrade | retries |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        held = f"{r['long transaction']:g} s" if r["long transaction"] else "none"
        print(f"| {r['script']} | {held} | {r['longest write']:.3f} s | "
              f"{r['longest read']:.3f} s | {r['failed']} | {r['upgrade']:.1f} s | "
              f"{r['retries']} |")
    for r in results:
        if r["errors"]:
            print(f"{r['script']} ({r['long transaction']:g} s): {r['errors']}")
    for held in rounds:
        plain, online = [r for r in results if r["long transaction"] == held]
        slowest = cast(float, plain["longest write"])
        ratio = slowest / max(cast(float, online["longest write"]), 1e-6)
        print(f"long transaction {held:g} s: plain's longest write wait is {ratio:.1f}x "
              "the online script's")


if __name__ == "__main__":
    main()
