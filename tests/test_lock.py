"""The migration lock, with real concurrent ``flask db upgrade`` processes on each backend."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from cli_runner import CLI_APP, FlaskApp, assert_one_line_error

SLOW_MIGRATION = '''"""slow first step

Revision ID: slow1
Revises:
"""
import os
import time

from alembic import op
import sqlalchemy as sa

revision = "slow1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Sleep before any DDL, so that killing the process here leaves nothing half done.
    time.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
    op.create_table("runs", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("pid", sa.Integer, nullable=False))
    op.execute(f"INSERT INTO runs (pid) VALUES ({os.getpid()})")


def downgrade():
    op.drop_table("runs")
'''


def _prepared(tmp_path: Path, url: str, **env: str) -> FlaskApp:
    app = FlaskApp(tmp_path, url, models=0, env=dict(env))
    app.ok("init")
    (tmp_path / "migrations" / "versions" / "slow1_slow.py").write_text(SLOW_MIGRATION)
    return app


def _spawn(app: FlaskApp, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", f"{CLI_APP}:create_app", "db", *args],
        cwd=app.cwd, env=app.environ(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def _scalar(url: str, sql: str) -> object:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def test_six_concurrent_upgrades_run_each_migration_once(tmp_path: Path, db_url: str) -> None:
    app = _prepared(tmp_path, db_url, SLOW_SECONDS="3")
    processes = [_spawn(app, "upgrade") for _ in range(6)]
    outputs = [p.communicate(timeout=180) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"
    assert _scalar(db_url, "SELECT COUNT(*) FROM runs") == 1
    assert _scalar(db_url, "SELECT COUNT(*) FROM alembic_version") == 1
    assert _scalar(db_url, "SELECT version_num FROM alembic_version") == "slow1"
    waited = [err for _, err in outputs if "Waiting for the migration lock" in err]
    assert waited, "no process reported waiting: the upgrades did not overlap"
    for err in waited:
        assert err.count("Waiting for the migration lock") == 1
        assert "Traceback" not in err


def test_a_killed_holder_releases_the_lock(tmp_path: Path, db_url: str) -> None:
    app = _prepared(tmp_path, db_url, SLOW_SECONDS="60")
    holder = _spawn(app, "upgrade")
    _wait_until_holding(app, holder)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    app.env["SLOW_SECONDS"] = "0"
    app.config = {"MIGRATE_PLUS_LOCK_TIMEOUT": 20}
    started = time.monotonic()
    app.ok("upgrade")
    assert time.monotonic() - started < 20
    assert _scalar(db_url, "SELECT COUNT(*) FROM runs") == 1


def test_timeout_stops_with_one_line_and_applies_nothing(tmp_path: Path, db_url: str) -> None:
    app = _prepared(tmp_path, db_url, SLOW_SECONDS="30")
    holder = _spawn(app, "upgrade")
    try:
        _wait_until_holding(app, holder)
        waiting = FlaskApp(tmp_path, db_url, models=0, env={"SLOW_SECONDS": "0"},
                           config={"MIGRATE_PLUS_LOCK_TIMEOUT": 1})
        assert_one_line_error(waiting.db("upgrade"), "timed out", "nothing was applied")
        assert "runs" not in sa.inspect(sa.create_engine(db_url)).get_table_names()
    finally:
        holder.kill()
        holder.wait(timeout=30)


def _wait_until_holding(app: FlaskApp, holder: subprocess.Popen[str]) -> None:
    """Wait until ``holder`` has taken the lock."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert holder.poll() is None, holder.communicate()
        if _lock_is_held(app):
            return
        time.sleep(0.3)
    raise AssertionError("the holder never took the lock")


def _lock_is_held(app: FlaskApp) -> bool:
    """Ask the same lock as the command does, without waiting."""
    env = app.environ()
    code = (
        "import os, sqlalchemy as sa\n"
        "from flask_migrate_plus.lock import migration_lock, LockTimeout\n"
        "e = sa.create_engine(os.environ['DATABASE_URL'])\n"
        "try:\n"
        "    with migration_lock(e, timeout=0):\n"
        "        print('free')\n"
        "except LockTimeout:\n"
        "    print('held')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip() == "held"


def test_offline_sql_takes_no_lock(tmp_path: Path, db_url: str) -> None:
    app = _prepared(tmp_path, db_url, SLOW_SECONDS="30")
    holder = _spawn(app, "upgrade")
    try:
        _wait_until_holding(app, holder)
        offline = FlaskApp(tmp_path, db_url, models=0, env={"SLOW_SECONDS": "0"},
                           config={"MIGRATE_PLUS_LOCK_TIMEOUT": 0})
        result = offline.ok("upgrade", "--sql")
        assert "CREATE TABLE runs" in result.stdout
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_lock_can_be_switched_off(tmp_path: Path) -> None:
    """Another process holds the migration lock; with the lock switched off, upgrade runs.

    The holder holds only the lock, no database transaction: on SQLite a migration now runs
    in a real transaction, which would keep other writers out by itself.
    """
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = _prepared(tmp_path, url, SLOW_SECONDS="0")
    code = (
        "import os, time, sqlalchemy as sa\n"
        "from flask_migrate_plus.lock import migration_lock\n"
        # It waits for the lock: the probe of _wait_until_holding takes it for an instant.
        "with migration_lock(sa.create_engine(os.environ['DATABASE_URL']), timeout=30):\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], env=app.environ(), text=True)
    try:
        _wait_until_holding(app, holder)
        unlocked = FlaskApp(tmp_path, url, models=0, env={"SLOW_SECONDS": "0"},
                            config={"MIGRATE_PLUS_LOCK": False, "MIGRATE_PLUS_LOCK_TIMEOUT": 0})
        unlocked.ok("upgrade")
        assert _scalar(url, "SELECT COUNT(*) FROM runs") == 1
    finally:
        holder.kill()
        holder.wait(timeout=30)
