"""The Flask extension: ``Migrate(app, db)``, as in Flask-Migrate, with our plugins wired in.

All per-application state lives in ``app.extensions["migrate"]`` (a :class:`MigrateState`),
whose attributes are the ones a ``migrations/env.py`` written by Flask-Migrate 4.x reads:
``db``, ``directory``, ``configure_args``, ``migrate`` and ``metadata``. Our Alembic options
travel in ``configure_args``, so such an env.py gains them without being edited. Our own
templates ask :meth:`MigrateState.databases` instead, which serves every model layer
(Flask-SQLAlchemy, Alchemical, Flask-SQLAlchemy-Lite, or ``metadata=`` alone).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g

from .errors import MigrateError
from .model_layers import (
    Database,
    MetadataArgument,
    ModelLayer,
    model_layer,
    require_drivers,
)
from .settings import Settings, SettingsError, settings_from_config
from .transactions import transaction_options
from .wiring import alembic_configure_args

TEMPLATES_DIRECTORY = Path(__file__).parent / "templates"

log = logging.getLogger("flask_migrate_plus")

ConfigureCallback = Callable[[AlembicConfig], AlembicConfig]


class Config(AlembicConfig):
    """Alembic's Config that finds our ``flask`` and ``flask-multidb`` templates."""

    def __init__(self, *args: Any, template_directory: str | None = None, **kwargs: Any):
        self.template_directory = template_directory
        super().__init__(*args, **kwargs)

    def get_template_directory(self) -> str:
        return self.template_directory or str(TEMPLATES_DIRECTORY)


class MigrateState:
    """``app.extensions["migrate"]``: what env.py and our commands need for one app."""

    def __init__(self, migrate: Migrate, db: Any, settings: Settings, configure_args: dict,
                 settings_error: SettingsError | None = None,
                 layer: ModelLayer | None = None):
        self.migrate = migrate
        self.db = db
        #: Engines and models by bind key, whatever library declares them.
        self.layer = layer if layer is not None else model_layer(db, {}, None)
        self.directory = migrate.directory
        self.settings = settings
        self.configure_args = configure_args
        #: A wrong MIGRATE_PLUS_* value: every migration command refuses with it, while
        #: the web application itself runs.
        self.settings_error = settings_error

    @property
    def metadata(self) -> Any:
        """The models' MetaData (old Flask-Migrate env.py files read it from here)."""
        metadatas = self.layer.metadatas()
        if None in metadatas:
            return metadatas[None]
        return getattr(self.db, "metadata", None)

    def databases(self, asyncio: bool = False) -> list[Database]:
        """Every database (default first) with its engine and models; for env.py.

        ``asyncio`` says whether the env.py asking runs async engines; a database whose
        driver does not fit stops the command with one line that names the right template.
        """
        found = self.layer.databases()
        require_drivers(found, asyncio, self.migrate.command)
        return found

    @contextmanager
    def lock_requested(self, timeout: float) -> Iterator[None]:
        """While inside, :meth:`migration_lock` in env.py takes the migration lock."""
        g.migrate_plus_lock_timeout = timeout
        try:
            yield
        finally:
            g.pop("migrate_plus_lock_timeout", None)

    @contextmanager
    def migration_lock(self, engine: Any) -> Iterator[None]:
        """For an asyncio env.py: hold the migration lock (see ``lock.py``) on ``engine``, the
        synchronous Engine of its connection inside ``run_sync``, when the running command
        asks for it (upgrade, downgrade, stamp); otherwise do nothing."""
        timeout = g.get("migrate_plus_lock_timeout") if g else None
        if timeout is None:
            yield
            return
        from .lock import migration_lock

        with migration_lock(engine, timeout=timeout):
            yield

    def database(self, key: str | None = None, asyncio: bool = False) -> Database:
        """One database by bind key (``None``: the default one); for env.py."""
        found = self.layer.database(key)
        require_drivers([found], asyncio, self.migrate.command)
        return found


def bind_names(app: Flask, db: Any = None) -> list[str]:
    """The keys of the databases besides the default one, as multi-database scripts name
    them (``script.py.mako`` of a multi-database migrations folder calls this)."""
    state = app.extensions.get("migrate")
    layer = state.layer if isinstance(state, MigrateState) else model_layer(db, app.config, None)
    return [key for key in layer.keys() if key is not None]


class Migrate:
    """Drop-in replacement for ``flask_migrate.Migrate``.

    ``compare_type`` and ``render_as_batch`` default to True as in Flask-Migrate; other
    keyword arguments go to Alembic's ``context.configure``. ``MIGRATE_PLUS_*`` settings in
    ``app.config`` override the constructor's choices (see README, "Configuration").
    """

    def __init__(
        self,
        app: Flask | None = None,
        db: Any = None,
        directory: str | os.PathLike[str] = "migrations",
        command: str = "db",
        compare_type: bool = True,
        render_as_batch: bool = True,
        **kwargs: Any,
    ) -> None:
        self.configure_callbacks: list[ConfigureCallback] = []
        self.db = db
        self.command = command
        self.directory = str(directory)
        self.alembic_ctx_kwargs: dict[str, Any] = dict(kwargs)
        self.alembic_ctx_kwargs["compare_type"] = compare_type
        self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch
        if app is not None and (db is not None or kwargs.get("metadata") is not None):
            self.init_app(app, db, directory)

    def init_app(
        self,
        app: Flask,
        db: Any = None,
        directory: str | os.PathLike[str] | None = None,
        command: str | None = None,
        compare_type: bool | None = None,
        render_as_batch: bool | None = None,
        **kwargs: Any,
    ) -> None:
        self.db = db or self.db
        self.command = command or self.command
        self.directory = str(directory or self.directory)
        self.alembic_ctx_kwargs.update(kwargs)
        if compare_type is not None:
            self.alembic_ctx_kwargs["compare_type"] = compare_type
        if render_as_batch is not None:
            self.alembic_ctx_kwargs["render_as_batch"] = render_as_batch

        user_args = dict(self.alembic_ctx_kwargs)
        # metadata= names the models (see model_layers); it is not an Alembic option
        metadata: MetadataArgument = user_args.pop("metadata", None)
        layer = model_layer(self.db, app.config, metadata)
        defaults = {
            "compare_type": user_args.pop("compare_type"),
            "render_as_batch": user_args.pop("render_as_batch"),
            "compare_server_default": user_args.pop("compare_server_default", True),
        }
        error = None
        try:
            settings = settings_from_config(app.config, defaults=defaults)
        except SettingsError as exc:
            log.warning("%s; flask %s commands refuse to run until it is fixed",
                        exc, self.command)
            settings, error = Settings(**defaults), exc
        app.extensions["migrate"] = MigrateState(
            self, self.db, settings, self._configure_args(layer, settings, user_args), error,
            layer,
        )

        from .cli import db as db_group

        app.cli.add_command(db_group, name=self.command)

    def _configure_args(self, layer: ModelLayer, settings: Settings, user_args: dict) -> dict:
        for key, value in transaction_options(layer.dialect_names()).items():
            user_args.setdefault(key, value)
        user_args["compare_type"] = settings.compare_type
        user_args["render_as_batch"] = settings.render_as_batch
        user_args["compare_server_default"] = settings.compare_server_default
        options = settings.plugin_options()
        options["database_count"] = max(1, len(layer.keys()))
        options["rename_flag"] = f"flask {self.command} migrate --rename"
        return alembic_configure_args(
            user_args, disabled_plugins=settings.disabled_comparators, options=options
        )

    def configure(self, f: ConfigureCallback) -> ConfigureCallback:
        """Decorator: ``f(config) -> config`` runs on every Alembic Config we build."""
        self.configure_callbacks.append(f)
        return f

    def call_configure_callbacks(self, config: AlembicConfig) -> AlembicConfig:
        for callback in self.configure_callbacks:
            config = callback(config)
        return config

    def get_config(
        self,
        directory: str | os.PathLike[str] | None = None,
        x_arg: str | Iterable[str] | None = None,
        opts: Iterable[str] | None = None,
    ) -> AlembicConfig:
        """The Alembic Config for ``directory``, with ``-x`` arguments and flags set."""
        directory = str(directory if directory is not None else self.directory)
        config = Config(os.path.join(directory, "alembic.ini"))
        config.set_main_option("script_location", directory)
        if config.cmd_opts is None:
            config.cmd_opts = argparse.Namespace()
        for opt in opts or ():
            setattr(config.cmd_opts, opt, True)
        if not hasattr(config.cmd_opts, "x"):
            x_values: list[str] = list(getattr(g, "x_arg", None) or ()) if g else []
            if isinstance(x_arg, str):
                x_values.append(x_arg)
            elif x_arg is not None:
                x_values.extend(x_arg)
            config.cmd_opts.x = x_values
        return self.call_configure_callbacks(config)


def current_state() -> MigrateState:
    """The extension state of the current app, with a clear error when it is missing."""
    state = current_app.extensions.get("migrate")
    if not isinstance(state, MigrateState):
        raise RuntimeError(
            "flask_migrate_plus.Migrate is not set up on this application: "
            "call Migrate(app, db) or migrate.init_app(app, db)"
        )
    return state


def ready_state() -> MigrateState:
    """The current app's state for a command: a missing extension or a wrong MIGRATE_PLUS_*
    setting is a :class:`~flask_migrate_plus.errors.MigrateError` (one line, exit 1)."""
    try:
        state = current_state()
    except RuntimeError as exc:
        raise MigrateError(str(exc)) from exc
    if state.settings_error is not None:
        raise state.settings_error
    return state
