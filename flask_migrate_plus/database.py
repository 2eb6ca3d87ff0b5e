"""The application's databases as the commands need them: engines, reachability, revisions.

Shared by the commands and the revision-graph guards, so neither imports the other.

The commands' own reads (is the server there, which revision is it at) are synchronous code.
For an application on an asyncio driver (``+asyncpg``, ``+aiosqlite``, ...) they run through
:func:`on_connection`, inside ``AsyncConnection.run_sync`` on an event loop of their own that
ends with the read (never set as the thread's current loop); the engine's pool is emptied
before that loop closes, so no connection outlives the loop it belongs to.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from .errors import MigrateError, one_line
from .extension import MigrateState
from .model_layers import is_async_engine, sync_engine

R = TypeVar("R")


def app_engines(state: MigrateState) -> dict[str | None, Any]:
    """Every engine as the model layer has it (an AsyncEngine for an asyncio driver)."""
    found = {database.key: database.engine for database in state.layer.databases()}
    if found:
        return found
    return {None: state.db.engine}


def engines(state: MigrateState) -> dict[str | None, sa.Engine]:
    """Every engine of the application, by bind key (None: the default database).

    The synchronous Engine, also behind an AsyncEngine: for events and dialect facts; its
    connections are opened through :func:`on_connection`.
    """
    return {key: sync_engine(engine) for key, engine in app_engines(state).items()}


def default_app_engine(state: MigrateState) -> Any:
    """The default bind's engine as the layer has it (the first one when it has no default)."""
    found = app_engines(state)
    return found.get(None) or next(iter(found.values()))


def default_engine(state: MigrateState) -> sa.Engine:
    """The engine of the default bind (the first one when the app has no default)."""
    return sync_engine(default_app_engine(state))


def on_connection(engine: Any, fn: Callable[[sa.Connection], R]) -> R:
    """``fn(connection)`` on a new connection of ``engine``, sync or async (module doc)."""
    if not is_async_engine(engine):
        with engine.connect() as connection:
            return fn(connection)

    async def run() -> R:
        try:
            async with engine.connect() as connection:
                result: R = await connection.run_sync(fn)
                return result
        finally:
            await engine.dispose()

    # a loop of our own, never made the thread's current one: an env.py that calls
    # asyncio.get_event_loop() (Flask-Migrate's aioflask template) still gets one afterwards
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(run())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def hidden_url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def ensure_reachable(state: MigrateState) -> None:
    """Connect to every database once, so a wrong URL is one clear line, not a traceback."""
    for engine in app_engines(state).values():
        try:
            on_connection(engine, lambda connection: None)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ArgumentError,
                OSError) as exc:
            reason = one_line(getattr(exc, "orig", None) or exc)
            raise MigrateError(
                f"cannot connect to the database {hidden_url(engine)}: {reason}"
            ) from exc


def version_table_args(state: MigrateState) -> dict[str, Any]:
    """The version table options the application configured, for a MigrationContext."""
    args = state.configure_args
    return {key: args[key] for key in ("version_table", "version_table_schema")
            if args.get(key) is not None}


def database_heads(state: MigrateState) -> tuple[str, ...]:
    """The revisions the default database is stamped with (empty at base).

    Read quietly: Alembic's "Context impl ..." lines belong to the command being run, which
    prints them itself.
    """
    context_log = logging.getLogger("alembic.runtime.migration")
    was_disabled, context_log.disabled = context_log.disabled, True
    def read(connection: sa.Connection) -> tuple[str, ...]:
        context = MigrationContext.configure(connection, opts=version_table_args(state))
        return tuple(context.get_current_heads())

    try:
        return on_connection(default_app_engine(state), read)
    finally:
        context_log.disabled = was_disabled
