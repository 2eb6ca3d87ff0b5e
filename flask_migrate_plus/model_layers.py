"""The application's model layer: which databases it has, their engines and their models.

Flask applications declare models through several libraries, each keeping engines and
``MetaData`` in its own place. ``Migrate(app, db, metadata=...)`` accepts each of them, and
this module gives the rest of the package one view of all: a :class:`ModelLayer` answers
"which databases", "which URL and engine" and "which ``MetaData``" per bind key (``None`` is
the default database), so env.py templates and commands never look inside ``db`` themselves.

- Flask-SQLAlchemy: ``db.engines`` / ``db.metadatas``, bind keys from ``SQLALCHEMY_BINDS``.
- Alchemical (``alchemical.flask`` or ``alchemical.aio``): ``db.url`` / ``db.binds`` are read
  at start-up; engines exist only once Alchemical creates them, so they are asked for only
  when a command runs (``db.get_engine(key)``).
- Flask-SQLAlchemy-Lite: ``db.engines`` (then ``db.async_engines``) by engine key; the
  models come from ``metadata=`` (one ``MetaData``, or a dict engine key -> ``MetaData``).
- No ``db``: ``metadata=`` with the URLs of ``SQLALCHEMY_DATABASE_URI`` (and
  ``SQLALCHEMY_BINDS``) or ``SQLALCHEMY_ENGINES``; the engines are made here, once.

A layer is recognised by the module its class comes from, so nothing of a library that is not
used is ever imported. Engine keys named ``"default"`` (Flask-SQLAlchemy-Lite,
``SQLALCHEMY_ENGINES``) are the default database, bind key ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import MigrateError

#: What ``metadata=`` may be: one MetaData for the default database, or one per engine key.
MetadataArgument = sa.MetaData | Mapping[str | None, sa.MetaData] | None

#: Engine keys that name the default database.
DEFAULT_KEYS = (None, "", "default")

#: The templates whose env.py runs migrations through an asyncio driver.
ASYNC_TEMPLATES = ("aioflask", "aioflask-multidb")


@dataclass(frozen=True)
class Database:
    """One database of the application: its bind key, engine and models."""

    key: str | None
    engine: Any  # sa.Engine, or an AsyncEngine for an async driver
    metadata: sa.MetaData

    @property
    def name(self) -> str:
        """The name multi-database scripts use for it ('' for the default database)."""
        return self.key or ""

    @property
    def is_async(self) -> bool:
        return is_async_engine(self.engine)


def is_async_engine(engine: Any) -> bool:
    """True for SQLAlchemy's AsyncEngine (recognised without importing the asyncio module)."""
    return hasattr(engine, "sync_engine")


def sync_engine(engine: Any) -> sa.Engine:
    """The synchronous Engine behind ``engine`` (itself for a plain Engine); for events."""
    return engine.sync_engine if is_async_engine(engine) else engine


def is_async_url(url: str | URL) -> bool:
    """True when ``url`` names an asyncio driver (``+asyncpg``, ``+aiosqlite``, ...)."""
    try:
        dialect = make_url(url).get_dialect()
    except (ArgumentError, TypeError, AttributeError, ImportError, sa.exc.NoSuchModuleError):
        return False
    return bool(getattr(dialect, "is_async", False))


def _shown_url(engine: Any) -> str:
    return str(engine.url.render_as_string(hide_password=True))


def require_drivers(databases: list[Database], asyncio: bool, command: str = "db") -> None:
    """Raise MigrateError when a database's driver does not suit the env.py that runs it.

    A synchronous env.py cannot drive ``+asyncpg`` and the like (SQLAlchemy would fail
    deep inside with a greenlet error), and an asyncio env.py needs an asyncio driver.
    """
    for database in databases:
        if database.is_async == asyncio:
            continue
        driver = database.engine.dialect.driver
        if database.is_async:
            raise MigrateError(
                f"the database {_shown_url(database.engine)} uses the asyncio driver {driver}, "
                f"which this env.py runs synchronously; start the migrations folder with "
                f"'flask {command} init --template aioflask' (or aioflask-multidb for several "
                "databases)"
            )
        raise MigrateError(
            f"the database {_shown_url(database.engine)} uses the synchronous driver {driver}, "
            f"but this env.py (template aioflask) needs an asyncio driver such as +asyncpg, "
            f"+aiomysql, +asyncmy or +aiosqlite; or start the migrations folder with "
            f"'flask {command} init' (template flask)"
        )


def _default_key(key: str | None) -> str | None:
    return None if key in DEFAULT_KEYS else key


def _url_of(value: Any) -> Any:
    """The URL in a config value that is a URL or a dict of engine options."""
    return value.get("url") if isinstance(value, Mapping) else value


def _metadatas_from_argument(metadata: MetadataArgument) -> dict[str | None, sa.MetaData]:
    if metadata is None:
        return {}
    if isinstance(metadata, sa.MetaData):
        return {None: metadata}
    if isinstance(metadata, Mapping):
        found: dict[str | None, sa.MetaData] = {}
        for key, value in metadata.items():
            if not isinstance(value, sa.MetaData):
                raise TypeError(
                    f"Migrate(metadata=...): the value for {key!r} is a "
                    f"{type(value).__name__}, not a sqlalchemy MetaData"
                )
            found[_default_key(key)] = value
        return found
    raise TypeError(
        f"Migrate(metadata=...) takes a sqlalchemy MetaData or a dict of them by engine key, "
        f"not a {type(metadata).__name__}"
    )


class ModelLayer:
    """Engines and models of one application, by bind key (``None``: the default database).

    ``keys()`` and ``urls()`` read only configuration, so they work at start-up;
    ``engines()`` and ``metadatas()`` may need the application context.
    """

    #: The library, as messages name it.
    name = "plain SQLAlchemy"

    def __init__(self, db: Any, config: Mapping[str, Any], metadata: MetadataArgument):
        self.db = db
        self.config = config
        self.explicit_metadatas = _metadatas_from_argument(metadata)

    # -- configuration (start-up) --------------------------------------------------------

    def urls(self) -> dict[str | None, Any]:
        """The configured URL of every database, by bind key."""
        raise NotImplementedError

    def keys(self) -> list[str | None]:
        """Every bind key, the default database (``None``) first when it has one."""
        keys = list(self.urls())
        return sorted(keys, key=lambda key: (key is not None, key or ""))

    def uses_asyncio(self) -> bool:
        """True when the configuration names an asyncio driver (read without engines)."""
        return any(is_async_url(url) for url in self.urls().values() if url is not None)

    def dialect_names(self) -> list[str]:
        names = []
        for url in self.urls().values():
            try:
                names.append(make_url(url).get_backend_name())
            except (ArgumentError, TypeError, AttributeError):
                continue  # not a URL SQLAlchemy can read: nothing to say about it
        return names

    # -- engines and models (when a command runs) -----------------------------------------

    def engine(self, key: str | None) -> Any:
        raise NotImplementedError

    def own_metadatas(self) -> dict[str | None, sa.MetaData]:
        """The models the library itself knows about, by bind key."""
        return {}

    def metadatas(self) -> dict[str | None, sa.MetaData]:
        """The models of every database: ``metadata=`` first, then the library's own."""
        found = self.own_metadatas()
        found.update(self.explicit_metadatas)
        return found

    def databases(self) -> list[Database]:
        """Every database with its engine and models (empty MetaData when it has none)."""
        metadatas = self.metadatas()
        return [Database(key, self.engine(key), metadatas.get(key) or sa.MetaData())
                for key in self.keys()]

    def database(self, key: str | None = None) -> Database:
        for database in self.databases():
            if database.key == key:
                return database
        raise MigrateError(
            f"the application's models ({self.name}) have no database with bind key {key!r}"
        )


class FlaskSQLAlchemyLayer(ModelLayer):
    """Flask-SQLAlchemy 3 (``db.engines``, ``db.metadatas``), and 2.x (``get_engine``)."""

    name = "Flask-SQLAlchemy"

    def urls(self) -> dict[str | None, Any]:
        # the default database always counts, as in Flask-Migrate's multi-database env.py
        urls: dict[str | None, Any] = {None: self.config.get("SQLALCHEMY_DATABASE_URI")}
        for key, value in (self.config.get("SQLALCHEMY_BINDS") or {}).items():
            urls[key] = _url_of(value)
        return urls

    def engine(self, key: str | None) -> Any:
        engines = getattr(self.db, "engines", None)
        if isinstance(engines, Mapping):
            return engines[key]
        return self.db.get_engine(bind=key)

    def own_metadatas(self) -> dict[str | None, sa.MetaData]:
        metadatas = getattr(self.db, "metadatas", None)
        if isinstance(metadatas, Mapping):
            return dict(metadatas)
        # Flask-SQLAlchemy 2.x: one MetaData, tables marked with their bind key
        by_key: dict[str | None, sa.MetaData] = {}
        for table in self.db.metadata.tables.values():
            key = table.info.get("bind_key")
            table.to_metadata(by_key.setdefault(key, sa.MetaData()))
        return by_key


class AlchemicalLayer(ModelLayer):
    """Alchemical: binds are known from ``db.url`` / ``db.binds``; engines made on demand."""

    name = "Alchemical"

    def urls(self) -> dict[str | None, Any]:
        urls: dict[str | None, Any] = {}
        if getattr(self.db, "url", None):
            urls[None] = self.db.url
        urls.update(dict(getattr(self.db, "binds", None) or {}))
        return urls

    def uses_asyncio(self) -> bool:
        # alchemical.aio rewrites plain URLs to asyncio drivers itself
        is_async = getattr(self.db, "is_async", None)
        return bool(is_async()) if callable(is_async) else super().uses_asyncio()

    def engine(self, key: str | None) -> Any:
        return self.db.get_engine(key)

    def own_metadatas(self) -> dict[str | None, sa.MetaData]:
        return dict(self.db.metadatas)


class FlaskSQLAlchemyLiteLayer(ModelLayer):
    """Flask-SQLAlchemy-Lite: engines by engine key; the models come from ``metadata=``."""

    name = "Flask-SQLAlchemy-Lite"

    def _configured(self) -> dict[str | None, Any]:
        urls: dict[str | None, Any] = {}
        for key, value in (self.config.get("SQLALCHEMY_ASYNC_ENGINES") or {}).items():
            urls[_default_key(key)] = _url_of(value)
        # a key with both a sync and an async engine is migrated through the sync one
        for key, value in (self.config.get("SQLALCHEMY_ENGINES") or {}).items():
            urls[_default_key(key)] = _url_of(value)
        return urls

    def urls(self) -> dict[str | None, Any]:
        return self._configured()

    def engine(self, key: str | None) -> Any:
        name = "default" if key is None else key
        engines = self.db.engines
        if name in engines:
            return engines[name]
        return self.db.async_engines[name]


class PlainLayer(ModelLayer):
    """No ``db``: ``metadata=`` and the URLs in the configuration; engines made here."""

    def __init__(self, db: Any, config: Mapping[str, Any], metadata: MetadataArgument):
        super().__init__(db, config, metadata)
        self._engines: dict[str | None, Any] = {}

    def _options(self) -> dict[str | None, dict[str, Any]]:
        options: dict[str | None, dict[str, Any]] = {}
        engines = self.config.get("SQLALCHEMY_ENGINES")
        if engines:
            for key, value in engines.items():
                given = dict(value) if isinstance(value, Mapping) else {"url": value}
                options[_default_key(key)] = given
            return options
        if self.config.get("SQLALCHEMY_DATABASE_URI") is not None:
            options[None] = {"url": self.config["SQLALCHEMY_DATABASE_URI"]}
        for key, value in (self.config.get("SQLALCHEMY_BINDS") or {}).items():
            options[key] = dict(value) if isinstance(value, Mapping) else {"url": value}
        return options

    def urls(self) -> dict[str | None, Any]:
        return {key: given.get("url") for key, given in self._options().items()}

    def engine(self, key: str | None) -> Any:
        if key not in self._engines:
            options = dict(self._options()[key])
            url = options.pop("url")
            if is_async_url(url):
                from sqlalchemy.ext.asyncio import create_async_engine

                self._engines[key] = create_async_engine(url, **options)
            else:
                self._engines[key] = sa.create_engine(url, **options)
        return self._engines[key]


def _library_of(db: Any) -> str:
    """The top-level package of the library ``db``'s class comes from."""
    for cls in type(db).__mro__:
        package = (cls.__module__ or "").split(".")[0]
        if package in ("flask_sqlalchemy_lite", "alchemical", "flask_sqlalchemy"):
            return package
    return ""


def model_layer(db: Any, config: Mapping[str, Any], metadata: MetadataArgument) -> ModelLayer:
    """The layer for ``Migrate(app, db, metadata=...)``; a clear TypeError for a wrong pair."""
    library = _library_of(db) if db is not None else ""
    if db is None:
        if metadata is None:
            raise TypeError("Migrate(app) needs the models: pass db, or metadata=MetaData")
        layer: ModelLayer = PlainLayer(db, config, metadata)
    elif library == "flask_sqlalchemy_lite":
        if metadata is None:
            raise TypeError(
                "Flask-SQLAlchemy-Lite keeps no models: pass them as Migrate(app, db, "
                "metadata=Base.metadata), or a dict engine key -> MetaData"
            )
        layer = FlaskSQLAlchemyLiteLayer(db, config, metadata)
    elif library == "alchemical":
        layer = AlchemicalLayer(db, config, metadata)
    else:
        layer = FlaskSQLAlchemyLayer(db, config, metadata)
    known = set(layer.urls())
    unknown = set(layer.explicit_metadatas) - known
    if known and unknown:
        shown = ", ".join(sorted("default" if key is None else key for key in unknown))
        raise TypeError(f"Migrate(metadata=...) names engine keys with no database: {shown}")
    return layer
