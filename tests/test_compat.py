"""Drop-in compatibility with Flask-Migrate 4.1.0 (installed for the tests only)."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from cli_runner import FlaskApp


def _params(command: click.Command) -> dict[str, tuple]:
    """What a user can type for a command: every option/argument with its shape."""
    shape = {}
    for param in command.params:
        shape[param.name or ""] = (
            type(param).__name__,
            tuple(sorted(param.opts)),
            tuple(sorted(param.secondary_opts)),
            param.default,
            getattr(param, "is_flag", False),
            param.multiple,
            param.nargs,
        )
    return shape


#: Options this package adds to a Flask-Migrate command (each in the README), by command.
OUR_OPTIONS: dict[str, set[str]] = {"migrate": {"online", "renames", "question"}}


def _theirs_only(name: str, params: dict[str, tuple]) -> dict[str, tuple]:
    """``params`` of our command ``name`` without the options we add to it."""
    return {key: value for key, value in params.items() if key not in OUR_OPTIONS.get(name, ())}


#: The ``flask db`` commands Flask-Migrate does not have.
OUR_OWN_COMMANDS = {"test", "adopt", "squash", "lint"}


def test_every_flask_migrate_command_and_option_is_here() -> None:
    from flask_migrate.cli import db as theirs

    from flask_migrate_plus.cli import db as ours

    assert _params(ours) == _params(theirs)
    # Ours adds commands of its own (listed here, so a command lost or renamed still fails).
    assert set(ours.commands) - set(theirs.commands) == OUR_OWN_COMMANDS
    assert set(theirs.commands) <= set(ours.commands)
    for name, command in theirs.commands.items():
        assert _theirs_only(name, _params(ours.commands[name])) == _params(command), name
        added = set(_params(ours.commands[name])) - set(_params(command))
        assert added <= OUR_OPTIONS.get(name, set()), (name, added)


def test_same_python_functions_as_flask_migrate() -> None:
    import inspect

    import flask_migrate

    import flask_migrate_plus

    for name in ("init", "revision", "migrate", "edit", "merge", "upgrade", "downgrade", "show",
                 "history", "heads", "branches", "current", "stamp", "check", "list_templates"):
        theirs = inspect.signature(getattr(flask_migrate, name))
        ours = inspect.signature(getattr(flask_migrate_plus, name))
        # ours may take more, after theirs and with a default: only the options we add
        assert list(ours.parameters)[:len(theirs.parameters)] == list(theirs.parameters), name
        extra = list(ours.parameters)[len(theirs.parameters):]
        assert set(extra) <= OUR_OPTIONS.get(name, set()), (name, extra)
        assert all(ours.parameters[p].default is not inspect.Parameter.empty for p in extra)
        for param in theirs.parameters.values():
            assert ours.parameters[param.name].default == param.default, (name, param.name)


def test_constructor_and_extension_state_match_flask_migrate(tmp_path: Path) -> None:
    from flask_migrate_plus import Migrate

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    db = SQLAlchemy(app)
    migrate = Migrate(app, db, directory=tmp_path / "m", compare_type=False,
                      include_schemas=False, user_kw="kept")
    state = app.extensions["migrate"]
    assert state.migrate is migrate and state.db is db
    assert state.directory == str(tmp_path / "m")
    assert state.metadata is db.metadata
    args = state.configure_args
    assert args["compare_type"] is False and args["render_as_batch"] is True
    assert args["user_kw"] == "kept" and args["include_schemas"] is False
    assert "flask_migrate_plus.*" in args["autogenerate_plugins"]
    assert callable(args["process_revision_directives"])

    calls = []

    @migrate.configure
    def add_option(config):  # type: ignore[no-untyped-def]
        calls.append(config)
        config.set_main_option("custom", "1")
        return config

    with app.app_context():
        config = migrate.get_config(x_arg=["a=1"])
    assert calls and config.get_main_option("custom") == "1"
    assert config.cmd_opts.x == ["a=1"]
    assert config.get_main_option("script_location") == str(tmp_path / "m")


def test_init_app_later_with_the_same_arguments(tmp_path: Path) -> None:
    from flask_migrate_plus import Migrate

    migrate = Migrate(directory="first", command="database")
    db = SQLAlchemy()
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    db.init_app(app)
    migrate.init_app(app, db, directory="second", render_as_batch=False)
    assert app.extensions["migrate"].directory == "second"
    assert app.extensions["migrate"].configure_args["render_as_batch"] is False
    assert "database" in app.cli.commands


@pytest.mark.backends("sqlite", "postgresql")
def test_a_flask_migrate_repository_keeps_working(tmp_path: Path, db_url: str) -> None:
    """A migrations folder written by Flask-Migrate 4.1.0, its env.py unchanged."""
    theirs = FlaskApp(tmp_path, db_url, env={"USE_FLASK_MIGRATE": "1"})
    theirs.ok("init")
    env_py = (tmp_path / "migrations" / "env.py").read_text()
    assert "fileConfig(config.config_file_name)" in env_py  # Flask-Migrate's own file
    theirs.ok("migrate", "-m", "made by flask-migrate")
    theirs.ok("upgrade")

    ours = FlaskApp(tmp_path, db_url, models=2)
    ours.ok("migrate", "-m", "made by us")
    assert len(ours.scripts()) == 2
    (made,) = [path for path in ours.scripts() if path.name.endswith("_made_by_us.py")]
    # Flask-Migrate's env.py and script template, our hooks: our header, not Alembic's line.
    assert "# ### written by flask-migrate-plus:" in made.read_text()
    assert "commands auto generated by Alembic" not in made.read_text()
    ours.ok("upgrade")
    again = ours.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in again.stderr
    assert len(ours.scripts()) == 2
    ours.ok("check")
    ours.ok("downgrade", "base")
    ours.ok("upgrade")
    assert (tmp_path / "migrations" / "env.py").read_text() == env_py
