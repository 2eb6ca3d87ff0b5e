"""Autogenerate speed and SQL round trips: flask-migrate-plus against plain Alembic.

For each backend and schema size, the models create the schema, then the same comparison
runs alternately, several times, with:

- **plain**: Alembic's built-in comparators with Flask-Migrate's defaults
  (``compare_type=True``, ``render_as_batch=True``, no server-default comparison);
- **plus**: every flask-migrate-plus comparator on, server defaults compared too;
- **plain + defaults**: plain Alembic with ``compare_server_default=True`` as well, for
  context: the comparison ours does, done by Alembic alone (and its false positives).

It reports the median wall time, the ratio plus/plain (and the same ratio of the process's
CPU time, which the other processes of a shared machine disturb less), the SQL round trips (a
``before_cursor_execute`` listener) and the number of operations found (the schema matches
the models, so every operation is a false positive).

    python benchmarks/autogenerate.py [--sizes 50,200,800] [--repeat 7] [--backends ...]

Server URLs come from FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL (scripts/benchmark.sh
starts throwaway servers). This is a benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.runtime.migration import MigrationContext

from flask_migrate_plus.wiring import alembic_configure_args

ROOT = Path(__file__).resolve().parent.parent
PLAIN_OPTIONS = {"compare_type": True, "render_as_batch": True}
PLAIN_DEFAULTS_OPTIONS = {**PLAIN_OPTIONS, "compare_server_default": True}
PLUS_OPTIONS = {"compare_type": True, "render_as_batch": True, "compare_server_default": True}


def build_metadata(tables: int, identity: bool) -> sa.MetaData:
    """``tables`` tables of 8 common columns with server defaults, 2 indexes and 1 FK each."""
    metadata = sa.MetaData()
    for i in range(tables):
        name = f"t{i:04d}"
        id_column = (
            sa.Column("id", sa.Integer, sa.Identity(), primary_key=True)
            if identity
            else sa.Column("id", sa.Integer, primary_key=True)
        )
        sa.Table(
            name,
            metadata,
            id_column,
            sa.Column("parent_id", sa.Integer, sa.ForeignKey(f"t{max(i - 1, 0):04d}.id")),
            sa.Column("name", sa.String(100), nullable=False, server_default=""),
            sa.Column("body", sa.Text),
            sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
            sa.Column("amount", sa.Numeric(10, 2), server_default="0"),
            sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
            sa.Column("code", sa.String(20)),
            sa.Index(f"ix_{name}_name", "name"),
            sa.Index(f"ix_{name}_code_created", "code", "created_at"),
        )
    return metadata


@contextmanager
def database(backend: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite:///{path}"
        path.unlink(missing_ok=True)
        return
    variable = {"postgresql": "FMP_TEST_POSTGRESQL_URL", "mariadb": "FMP_TEST_MARIADB_URL"}
    admin = sa.engine.make_url(os.environ[variable[backend]])
    name = "fmp_bench_" + uuid.uuid4().hex[:8]
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if backend == "postgresql" else ""
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}{force}")
        engine.dispose()


def compare_once(engine: sa.Engine, metadata: sa.MetaData, opts: dict[str, Any]) -> dict:
    """One autogenerate comparison on a fresh connection: seconds, round trips, ops."""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    gc.collect()  # each run starts clean, not paying for the garbage of the run before
    with engine.connect() as connection:
        sa.event.listen(connection, "before_cursor_execute", count)
        started, cpu_started = time.perf_counter(), time.process_time()
        context = MigrationContext.configure(
            connection, opts={"target_metadata": metadata, **opts}
        )
        script = produce_migrations(context, metadata)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        sa.event.remove(connection, "before_cursor_execute", count)
    diffs = [d for ops in script.upgrade_ops_list for d in ops.as_diffs()]
    return {"seconds": elapsed, "cpu_seconds": cpu, "round_trips": statements, "ops": len(diffs),
            "sample": [repr(d)[:120] for d in diffs[:3]]}


def run_case(backend: str, tables: int, identity: bool, repeat: int, tmp: Path) -> dict:
    plain_opts = dict(PLAIN_OPTIONS)
    plus_opts = alembic_configure_args(PLUS_OPTIONS, options={"ignore_tables": []})
    plus_opts.pop("process_revision_directives", None)
    metadata = build_metadata(tables, identity)
    with database(backend, tmp) as url:
        engine = sa.create_engine(url)
        started = time.perf_counter()
        metadata.create_all(engine)
        create_seconds = time.perf_counter() - started
        compare_once(engine, metadata, plain_opts)  # warm every path: imports, caches
        compare_once(engine, metadata, plus_opts)
        compare_once(engine, metadata, PLAIN_DEFAULTS_OPTIONS)
        plain, plus, plain_defaults = [], [], []
        for _ in range(repeat):  # alternate, so drift on the machine hits all alike
            plain.append(compare_once(engine, metadata, plain_opts))
            plus.append(compare_once(engine, metadata, plus_opts))
            plain_defaults.append(compare_once(engine, metadata, PLAIN_DEFAULTS_OPTIONS))
        engine.dispose()
    plain_median = statistics.median(r["seconds"] for r in plain)
    plus_median = statistics.median(r["seconds"] for r in plus)
    defaults_median = statistics.median(r["seconds"] for r in plain_defaults)
    plain_cpu = statistics.median(r["cpu_seconds"] for r in plain)
    plus_cpu = statistics.median(r["cpu_seconds"] for r in plus)
    return {
        "backend": backend + (" (Identity ids)" if identity else
                              " (SERIAL ids)" if backend == "postgresql" else ""),
        "tables": tables,
        "create_all_s": round(create_seconds, 3),
        "plain_s": round(plain_median, 3),
        "plus_s": round(plus_median, 3),
        "ratio": round(plus_median / plain_median, 3),
        "cpu_ratio": round(plus_cpu / plain_cpu, 3),
        "plain_defaults_s": round(defaults_median, 3),
        "plain_defaults_ops": plain_defaults[-1]["ops"],
        "plain_round_trips": plain[-1]["round_trips"],
        "plus_round_trips": plus[-1]["round_trips"],
        "plain_ops": plain[-1]["ops"],
        "plus_ops": plus[-1]["ops"],
        "plain_sample": plain[-1]["sample"],
        "plus_sample": plus[-1]["sample"],
        "plain_runs": [round(r["seconds"], 3) for r in plain],
        "plus_runs": [round(r["seconds"], 3) for r in plus],
    }


def cold_start(repeat: int, tmp: Path) -> list[dict]:
    """``flask db --help`` and ``flask db check`` on the example app: ours vs Flask-Migrate."""
    app_source = (ROOT / "examples" / "blog" / "app.py").read_text()
    tools = {
        "flask-migrate-plus": app_source,
        "Flask-Migrate 4.1.0": app_source.replace(
            "from flask_migrate_plus import Migrate", "from flask_migrate import Migrate"),
    }
    folders: dict[str, Path] = {}
    for label, source in tools.items():
        folders[label] = Path(tempfile.mkdtemp(dir=tmp))
        (folders[label] / "app.py").write_text(source)
        for args in (("init",), ("migrate", "-m", "first"), ("upgrade",)):
            _flask(folders[label], *args)
    results = []
    for command in (("--help",), ("check",)):
        times: dict[str, list[float]] = {label: [] for label in tools}
        for _ in range(repeat):  # alternate, as for autogenerate
            for label in tools:
                times[label].append(_flask(folders[label], *command))
        for label in tools:
            results.append({"tool": label, "command": "flask db " + " ".join(command),
                            "median_s": round(statistics.median(times[label]), 3)})
    return results


def _flask(folder: Path, *args: str) -> float:
    """Seconds for one ``flask --app app.py db <args>`` in ``folder`` (its own SQLite file)."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{folder / 'blog.db'}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "--app", "app.py", "db", *args],
                   cwd=folder, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def markdown(rows: list[dict], starts: list[dict]) -> str:
    lines = [
        "| backend | tables | plain Alembic (s) | flask-migrate-plus (s) | ratio | CPU ratio | "
        "round trips plain / plus | ops found plain / plus | plain + server defaults: s, ops |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['tables']} | {r['plain_s']} | {r['plus_s']} | "
            f"{r['ratio']}x | {r['cpu_ratio']}x | "
            f"{r['plain_round_trips']} / {r['plus_round_trips']} | "
            f"{r['plain_ops']} / {r['plus_ops']} | "
            f"{r['plain_defaults_s']}, {r['plain_defaults_ops']} |"
        )
    if starts:
        lines += ["", "| command | tool | median (s) |", "|---|---|---|"]
        for s in starts:
            lines.append(f"| `{s['command']}` | {s['tool']} | {s['median_s']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,800")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql,mariadb")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--cold-repeat", type=int, default=15,
                        help="alternating runs of each command for the cold start")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "latest.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    rows = []
    load_start = os.getloadavg()[0]  # other processes on the machine, for the reader
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases: list[tuple[str, bool]] = []
        for backend in backends:
            cases.append((backend, False))
            if backend == "postgresql":
                cases.append((backend, True))
        for backend, identity in cases:
            for size in sizes:
                row = run_case(backend, size, identity, args.repeat, tmp)
                print(json.dumps(row), file=sys.stderr, flush=True)
                rows.append(row)
        starts = [] if args.no_cold_start else cold_start(args.cold_repeat, tmp)
    machine = (f"{platform.machine()}, {os.cpu_count()} cores, Python "
               f"{platform.python_version()}, {platform.system()} {platform.release()}, "
               f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "rows": rows, "cold_start": starts},
                              indent=2))
    print(f"Machine: {machine}\n")
    print(markdown(rows, starts))

if __name__ == "__main__":
    main()
