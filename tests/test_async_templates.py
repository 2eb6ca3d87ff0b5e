"""The ``aioflask`` and ``aioflask-multidb`` templates through the CLI, on real SQLite,
PostgreSQL and MariaDB through their asyncio drivers (aiosqlite, asyncpg, aiomysql).

Every async model layer (``alchemical.aio``, Flask-SQLAlchemy-Lite's async engines,
``metadata=`` with an async URL) with each template: init, migrate, upgrade, a second migrate
that writes nothing, check, downgrade (see ``layer_flows.py``); the migration lock taken by
env.py; the one-line refusals and hints.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_plus.lock import migration_lock

from cli_runner import FlaskApp, assert_one_line_error
from layer_flows import LAYERS_APP, async_url, run_flow, second_database, tables

ASYNC_CASES = [
    ("alchemical_aio", "aioflask"),
    ("alchemical_aio", "aioflask-multidb"),
    ("lite_async", "aioflask"),
    ("lite_async", "aioflask-multidb"),
    ("plain", "aioflask"),
    ("plain", "aioflask-multidb"),
]


@pytest.mark.parametrize(("layer", "template"), ASYNC_CASES)
def test_async_layer_and_template_through_the_cli(
    tmp_path: Path, backend: str, db_url: str, layer: str, template: str
) -> None:
    if template.endswith("multidb"):
        with second_database(backend, tmp_path) as bind_url:
            app = FlaskApp(tmp_path, async_url(db_url), app=LAYERS_APP,
                           env={"LAYER": layer, "BIND_URL": async_url(bind_url)})
            run_flow(app, template, db_url, bind_url)
    else:
        app = FlaskApp(tmp_path, async_url(db_url), app=LAYERS_APP, env={"LAYER": layer})
        run_flow(app, template, db_url, None)


def test_list_templates_shows_the_async_templates(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", app=LAYERS_APP,
                   env={"LAYER": "plain"})
    listed = app.ok("list-templates").stdout
    for name in ("flask", "flask-multidb", "aioflask", "aioflask-multidb"):
        assert f"\n{name} - " in listed, listed


def test_an_async_template_with_a_sync_url_is_refused(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", app=LAYERS_APP,
                   env={"LAYER": "plain"})
    assert_one_line_error(app.db("init", "--template", "aioflask"),
                          "asyncio driver", "use the template flask")
    assert not (tmp_path / "migrations").exists()


def test_upgrade_waits_for_the_lock_env_py_takes(tmp_path: Path, backend: str,
                                                 db_url: str) -> None:
    app = FlaskApp(tmp_path, async_url(db_url), app=LAYERS_APP,
                   env={"LAYER": "plain"}, config={"MIGRATE_PLUS_LOCK_TIMEOUT": 1})
    app.ok("init", "--template", "aioflask")
    app.ok("migrate", "-m", "first")  # autogenerate takes no lock
    holder = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with migration_lock(holder, timeout=0):
            assert_one_line_error(app.db("upgrade"), "timed out", "migration lock",
                                  "nothing was applied")
            assert tables(db_url) == set()
    finally:
        holder.dispose()
    app.ok("upgrade")
    assert tables(db_url) == {"author"}


def test_flask_migrate_aioflask_multidb_env_py_gets_a_hint(tmp_path: Path) -> None:
    import flask_migrate

    theirs = Path(flask_migrate.__file__).parent / "templates" / "aioflask-multidb" / "env.py"
    app = FlaskApp(tmp_path, async_url(f"sqlite:///{tmp_path / 'app.db'}"), app=LAYERS_APP,
                   env={"LAYER": "plain"})
    app.ok("init", "--template", "aioflask-multidb")
    shutil.copy(theirs, tmp_path / "migrations" / "env.py")
    output = app.db("heads")
    hints = [line for line in (output.stdout + output.stderr).splitlines()
             if "_sync_connection()" in line]
    assert len(hints) == 1, output
    assert "--template aioflask-multidb" in hints[0]
    # our own env.py gets no such line
    shutil.copy(Path(__file__).parent.parent / "flask_migrate_plus" / "templates"
                / "aioflask-multidb" / "env.py", tmp_path / "migrations" / "env.py")
    output = app.ok("heads")
    assert "_sync_connection" not in output.stdout + output.stderr


@pytest.mark.backends("sqlite", "postgresql")
def test_flask_migrate_aioflask_env_py_keeps_working(tmp_path: Path, db_url: str) -> None:
    """Their single-database env.py calls asyncio.get_event_loop(): our own reads before it
    (is the server there, which revision) must leave the thread without a closed loop."""
    import flask_migrate

    theirs = Path(flask_migrate.__file__).parent / "templates" / "aioflask" / "env.py"
    app = FlaskApp(tmp_path, async_url(db_url), app=LAYERS_APP,
                   env={"LAYER": "alchemical_aio"})
    app.ok("init", "--template", "aioflask")
    shutil.copy(theirs, tmp_path / "migrations" / "env.py")
    app.ok("migrate", "-m", "first")
    assert len(app.scripts()) == 1
    app.ok("upgrade")
    assert tables(db_url) == {"author"}
    app.ok("check")
    app.ok("downgrade")
    assert tables(db_url) == set()
