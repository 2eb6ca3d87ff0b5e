"""The Python API: Flask-Migrate's functions, returning values, leaving logging alone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import flask_migrate_plus as fmp

from cli_runner import FlaskApp
from fixtures.cliapp.app import declare_models


def _app(tmp_path: Path, url: str, models: int = 1, **migrate_kwargs: Any) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(app)
    with app.app_context():
        declare_models(db, models)
    fmp.Migrate(app, db, directory=str(tmp_path / "migrations"), **migrate_kwargs)
    return app


@pytest.fixture
def app_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("myapp.startup")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger
    logger.removeHandler(handler)


def test_functions_return_values(tmp_path: Path, db_url: str) -> None:
    app = _app(tmp_path, db_url)
    with app.app_context():
        fmp.init()
        assert fmp.heads() == ()
        first = fmp.migrate(message="first", rev_id="r1")
        assert first is not None
        assert fmp.current() == ()
        assert fmp.heads() == ("r1",)
        assert fmp.needs_upgrade() is True
        fmp.upgrade()
        assert fmp.current() == ("r1",)
        assert fmp.needs_upgrade() is False
        assert fmp.needs_revision() is False
        fmp.check()
    app2 = _app(tmp_path, db_url, models=2)
    with app2.app_context():
        assert fmp.needs_revision() is True
        with pytest.raises(fmp.MigrateError, match="add column author.points"):
            fmp.check()
        fmp.migrate(message="second", rev_id="r2")
        fmp.upgrade()
        assert fmp.current() == ("r2",)
        fmp.downgrade(revision="base")
        assert fmp.current() == ()


def test_errors_raise_instead_of_exiting(tmp_path: Path) -> None:
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'a.db'}")
    with app.app_context():
        with pytest.raises(fmp.MigrateError, match="init"):
            fmp.upgrade()
    with pytest.raises(fmp.MigrateError, match="not set up"):
        with Flask(__name__).app_context():
            fmp.upgrade()


def test_user_process_revision_directives_is_chained(tmp_path: Path) -> None:
    seen: list[str] = []

    def mine(context: Any, revision: Any, directives: list[Any]) -> None:
        seen.append(directives[0].rev_id)
        directives[0].message = "renamed by my hook"

    url = f"sqlite:///{tmp_path / 'a.db'}"
    app = _app(tmp_path, url, process_revision_directives=mine)
    with app.app_context():
        fmp.init()
        script = fmp.migrate(message="original", rev_id="r1")
        assert seen == ["r1"]
        assert "renamed by my hook" in Path(script.path).read_text()
        fmp.upgrade()
        assert fmp.migrate(message="nothing") in (None, [])
        assert seen[-1] != "r1"  # my hook ran again, and ours still dropped the empty script
        assert len(list((tmp_path / "migrations" / "versions").glob("*.py"))) == 1


def test_logging_left_alone_even_with_flask_migrate_env(
    tmp_path: Path, db_url: str, app_logger: logging.Logger
) -> None:
    """Flask-Migrate's env.py calls fileConfig(), which disables existing loggers."""
    url = db_url
    FlaskApp(tmp_path, url, env={"USE_FLASK_MIGRATE": "1"}).ok("init")
    env_py = (tmp_path / "migrations" / "env.py").read_text()
    assert "fileConfig(config.config_file_name)" in env_py
    root = logging.getLogger()
    before = (root.level, list(root.handlers), app_logger.level, list(app_logger.handlers))
    app = _app(tmp_path, url)
    with app.app_context():
        fmp.migrate(message="first")
        fmp.upgrade()
        fmp.current()
    assert app_logger.disabled is False
    assert (root.level, list(root.handlers), app_logger.level,
            list(app_logger.handlers)) == before


@pytest.mark.backends("sqlite")
def test_our_env_keeps_existing_loggers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    app = _app(tmp_path, url)
    with app.app_context():
        fmp.init()
    env_py = (tmp_path / "migrations" / "env.py").read_text()
    assert "disable_existing_loggers=False" in env_py


@pytest.mark.backends("sqlite")
def test_settings_validation_raises_one_clear_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong MIGRATE_PLUS_* value stops every migration command with one line; the
    application itself still starts, with the same line logged as a warning."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    db = SQLAlchemy(app)
    for key, value, fragment in [
        ("MIGRATE_PLUS_LOCK_TIMEOUT", "10", "number of seconds"),
        ("MIGRATE_PLUS_EXTRA_IMPORTS", "import x", "list of strings"),
        ("MIGRATE_PLUS_EXTRA_IMPORTS", ["print('hi')"], "import lines"),
        ("MIGRATE_PLUS_TYPE_RENDERING", {"UUIDType": "repr"}, "'impl' or 'decorator'"),
        ("MIGRATE_PLUS_SCHEMAS", 3, "'auto'"),
        ("MIGRATE_PLUS_RENDER_AS_BACH", True, "did you mean MIGRATE_PLUS_RENDER_AS_BATCH"),
    ]:
        app.config[key] = value
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="flask_migrate_plus"):
            fmp.Migrate(app, db)
        assert any(key in record.getMessage() and record.levelno == logging.WARNING
                   for record in caplog.records)
        with app.app_context(), pytest.raises(fmp.SettingsError) as raised:
            fmp.current()
        assert key in str(raised.value) and fragment in str(raised.value)
        assert "\n" not in str(raised.value)
        del app.config[key]


@pytest.mark.backends("sqlite")
def test_application_keys_outside_our_prefix_are_never_rejected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """MIGRATE_LOCK may be the application's own key: at most a warning when it looks like
    a typo of one of ours, and the commands run."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    app.config["MIGRATE_LOCK"] = "anything"
    app.config["MIGRATE_PLUS_LOCKS"] = True
    db = SQLAlchemy(app)
    with caplog.at_level(logging.WARNING, logger="flask_migrate_plus"):
        fmp.Migrate(app, db)
    assert app.extensions["migrate"].settings_error is not None  # our prefix: an error
    del app.config["MIGRATE_PLUS_LOCKS"]
    app.config["MIGRATE_PLUSLOCK_TIMEOUT"] = 5
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="flask_migrate_plus"):
        fmp.Migrate(app, db, directory=str(tmp_path / "migrations"))
    assert app.extensions["migrate"].settings_error is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["app.config key MIGRATE_PLUSLOCK_TIMEOUT is not a flask-migrate-plus "
                        "setting; did you mean MIGRATE_PLUS_LOCK_TIMEOUT?"]
    with app.app_context():
        fmp.init()
        assert fmp.current() == ()


def test_settings_reach_alembic(tmp_path: Path) -> None:
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'a.db'}",
        MIGRATE_PLUS_COMPARE_SERVER_DEFAULT=False,
        MIGRATE_PLUS_COMPARE_TYPE=False,
        MIGRATE_PLUS_EXTRA_IMPORTS=["import sqlalchemy_utils"],
        MIGRATE_PLUS_COMPARATORS={"enums": False},
    )
    db = SQLAlchemy(app)
    fmp.Migrate(app, db, compare_type=True)
    args = app.extensions["migrate"].configure_args
    assert args["compare_server_default"] is False
    assert args["compare_type"] is False  # the config key wins over the constructor
    assert args["migrate_plus_extra_imports"] == ["import sqlalchemy_utils"]
    assert "~flask_migrate_plus.enums" in args["autogenerate_plugins"]
