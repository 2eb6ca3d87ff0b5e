"""The application's databases as the commands need them: engines, reachability, revisions.

Shared by the commands and the revision-graph guards, so neither imports the other.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from .errors import MigrateError, one_line
from .extension import MigrateState


def engines(state: MigrateState) -> dict[str | None, sa.Engine]:
    """Every engine of the application, by bind key (None: the default database)."""
    found = getattr(state.db, "engines", None)
    if isinstance(found, dict) and found:
        return dict(found)
    return {None: state.db.engine}


def default_engine(state: MigrateState) -> sa.Engine:
    """The engine of the default bind (the first one when the app has no default)."""
    found = engines(state)
    return found.get(None) or next(iter(found.values()))


def hidden_url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def ensure_reachable(state: MigrateState) -> None:
    """Connect to every database once, so a wrong URL is one clear line, not a traceback."""
    for engine in engines(state).values():
        try:
            with engine.connect():
                pass
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ArgumentError) as exc:
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
    try:
        with default_engine(state).connect() as connection:
            context = MigrationContext.configure(connection, opts=version_table_args(state))
            return tuple(context.get_current_heads())
    finally:
        context_log.disabled = was_disabled
