"""Alembic environment of a Flask application on an asyncio driver (``+asyncpg``,
``+aiomysql``, ``+asyncmy``, ``+aiosqlite``), written by flask-migrate-plus.

The migrations run on a connection of the application's async engine, inside
``AsyncConnection.run_sync``: Alembic, our comparator plugins and hooks see a plain
synchronous connection there. The engine and models come from the application's model layer
(Alchemical's ``alchemical.aio``, Flask-SQLAlchemy-Lite's async engines, or
``Migrate(app, metadata=...)`` with an async URL); the autogenerate options from
``current_app.extensions["migrate"].configure_args``.
"""

import asyncio
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# Logging from alembic.ini; the application's own loggers stay enabled.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]
# The default database: its async engine and models, whichever library declares them.
database = migrate_state.database(asyncio=True)


def get_engine():
    return database.engine


def get_metadata():
    return database.metadata


# Some env.py extensions read the URL from the config, as in Flask-Migrate's template.
config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    """Write the SQL to standard output instead of running it (``--sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=get_metadata(),
        literal_binds=True,
        **migrate_state.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection):
    """Inside ``run_sync``: ``connection`` is synchronous. The migration lock is held here,
    on the event loop its connection belongs to, when the command asks for it."""
    with migrate_state.migration_lock(connection.engine):
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **migrate_state.configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


async def run_migrations_online():
    """Run the migrations on a connection of the application's async engine."""
    engine = get_engine()
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        # the pool's connections belong to this event loop, which ends here
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
