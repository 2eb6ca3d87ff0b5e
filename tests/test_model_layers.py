"""Every model layer through the CLI, on real SQLite, PostgreSQL and MariaDB.

Flask-SQLAlchemy, Alchemical, Flask-SQLAlchemy-Lite (``metadata=``) and ``metadata=`` alone,
each with the ``flask`` and ``flask-multidb`` templates: init, migrate, upgrade, a second
migrate that writes nothing, check, downgrade (see ``layer_flows.py``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_migrate_plus import MigrateError

from cli_runner import FlaskApp, assert_one_line_error
from layer_flows import LAYERS_APP, async_url, run_flow, second_database

SYNC_CASES = [
    ("flask_sqlalchemy", "flask"),
    ("flask_sqlalchemy", "flask-multidb"),
    ("alchemical", "flask"),
    ("alchemical", "flask-multidb"),
    ("lite", "flask"),
    ("lite", "flask-multidb"),
    ("plain", "flask"),
    ("plain", "flask-multidb"),
    ("plain_engines", "flask-multidb"),
]


@pytest.mark.parametrize(("layer", "template"), SYNC_CASES)
def test_layer_and_template_through_the_cli(
    tmp_path: Path, backend: str, db_url: str, layer: str, template: str
) -> None:
    if template.endswith("multidb"):
        with second_database(backend, tmp_path) as bind_url:
            app = FlaskApp(tmp_path, db_url, app=LAYERS_APP,
                           env={"LAYER": layer, "BIND_URL": bind_url})
            run_flow(app, template, db_url, bind_url)
    else:
        app = FlaskApp(tmp_path, db_url, app=LAYERS_APP, env={"LAYER": layer})
        run_flow(app, template, db_url, None)


# -- the constructor ------------------------------------------------------------------------


def test_metadata_is_the_models_not_an_alembic_option(tmp_path: Path) -> None:
    from flask_migrate_plus import Migrate

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    metadata = sa.MetaData()
    sa.Table("thing", metadata, sa.Column("id", sa.Integer, primary_key=True))
    Migrate(app, metadata=metadata)
    state = app.extensions["migrate"]
    assert "metadata" not in state.configure_args
    assert "target_metadata" not in state.configure_args
    assert state.metadata is metadata
    assert "db" in app.cli.commands  # the CLI is registered without a db
    with app.app_context():
        [database] = state.databases()
        assert database.key is None and database.metadata is metadata
        assert str(database.engine.url) == app.config["SQLALCHEMY_DATABASE_URI"]
        with pytest.raises(MigrateError, match=r"\(plain SQLAlchemy\) have no database .*'nope'"):
            state.database("nope")
        with pytest.raises(MigrateError, match="uses the synchronous driver pysqlite"):
            state.database(asyncio=True)


def test_alchemical_binds_are_read_without_creating_engines(tmp_path: Path) -> None:
    from alchemical.flask import Alchemical

    from flask_migrate_plus import Migrate

    app = Flask(__name__)
    app.config["ALCHEMICAL_DATABASE_URL"] = f"sqlite:///{tmp_path / 'a.db'}"
    app.config["ALCHEMICAL_BINDS"] = {"audit": f"sqlite:///{tmp_path / 'b.db'}"}
    db = Alchemical(app)
    type("AuditRecord", (db.Model,), {"__tablename__": "audit_record", "__bind_key__": "audit",
                                      "id": sa.Column(sa.Integer, primary_key=True)})
    Migrate(app, db)
    assert db.engines is None  # Migrate asked for nothing that needs an engine
    state = app.extensions["migrate"]
    assert state.configure_args["migrate_plus_database_count"] == 2
    with app.app_context():
        assert [database.key for database in state.databases()] == [None, "audit"]


@pytest.mark.parametrize(("metadata", "message"), [
    ("not models", "takes a sqlalchemy MetaData or a dict"),
    ({"default": "nope"}, "the value for 'default' is a str"),
    ({"nowhere": sa.MetaData()}, "engine keys with no database: nowhere"),
])
def test_a_wrong_metadata_argument_is_a_clear_type_error(
    tmp_path: Path, metadata: object, message: str
) -> None:
    from flask_migrate_plus import Migrate

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(TypeError, match=message):
        Migrate(app, metadata=metadata)


def test_flask_sqlalchemy_lite_needs_metadata(tmp_path: Path) -> None:
    from flask_sqlalchemy_lite import SQLAlchemy

    from flask_migrate_plus import Migrate

    app = Flask(__name__)
    app.config["SQLALCHEMY_ENGINES"] = {"default": f"sqlite:///{tmp_path / 'x.db'}"}
    db = SQLAlchemy(app)
    with pytest.raises(TypeError, match="Flask-SQLAlchemy-Lite keeps no models"):
        Migrate(app, db)


# -- what is imported -------------------------------------------------------------------------


def _imported_modules(app: FlaskApp, *args: str) -> set[str]:
    """Top-level packages imported by ``flask --app ... db <args>`` (``-X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flask", "--app", f"{app.app}:create_app",
         "db", *args],
        cwd=app.cwd, env=app.environ(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "flask_migrate_plus" in names  # the parse found the imports
    return names


def test_layers_not_in_use_are_never_imported(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", app=LAYERS_APP,
                   env={"LAYER": "flask_sqlalchemy"})
    imported = _imported_modules(app, "--help")
    for package in ("alchemical", "flask_sqlalchemy_lite", "aiosqlite", "asyncpg", "aiomysql"):
        assert package not in imported, package
    assert "flask_sqlalchemy" in imported
    app.ok("init")
    imported = _imported_modules(app, "current")
    assert "alchemical" not in imported and "flask_sqlalchemy_lite" not in imported


def test_the_lite_layer_imports_no_alchemical(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}", app=LAYERS_APP,
                   env={"LAYER": "lite"})
    imported = _imported_modules(app, "--help")
    assert "flask_sqlalchemy_lite" in imported
    assert "alchemical" not in imported


# -- an async URL with a synchronous template -------------------------------------------------


def test_init_with_the_plain_template_and_an_async_url_points_at_aioflask(
    tmp_path: Path,
) -> None:
    url = async_url(f"sqlite:///{tmp_path / 'app.db'}")
    app = FlaskApp(tmp_path, url, app=LAYERS_APP, env={"LAYER": "plain"})
    assert_one_line_error(app.db("init"), "asyncio driver", "--template aioflask")
    assert not (tmp_path / "migrations").exists()
    assert_one_line_error(app.db("init", "--multidb"), "--template aioflask-multidb")


def test_a_sync_env_py_with_an_async_url_points_at_aioflask(tmp_path: Path) -> None:
    sync_url = f"sqlite:///{tmp_path / 'app.db'}"
    app = FlaskApp(tmp_path, sync_url, app=LAYERS_APP, env={"LAYER": "plain"})
    app.ok("init")
    app.url = async_url(sync_url)
    for command in (["migrate"], ["upgrade"]):
        assert_one_line_error(app.db(*command), "uses the asyncio driver aiosqlite",
                              "init --template aioflask")
    assert app.scripts() == []
