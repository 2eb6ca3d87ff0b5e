"""Alembic environment of a Flask application with several databases on asyncio drivers
(``+asyncpg``, ``+aiomysql``, ``+asyncmy``, ``+aiosqlite``), written by flask-migrate-plus.

Each database is migrated on its own connection, inside one transaction per database that
is committed only when every database has succeeded. The work runs inside
``AsyncConnection.run_sync`` of the first database's connection, on the synchronous side of
every connection (``AsyncConnection.sync_connection``), so Alembic, our comparator plugins and
hooks see plain connections. Scripts have one ``upgrade_<bind>()`` / ``downgrade_<bind>()``
pair per database ('' is the default one).
"""

import asyncio
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]
# Every database (the default one first, named ''): async engine and models by bind key,
# whichever library declares them.
databases = {database.name: database for database in migrate_state.databases(asyncio=True)}
DATABASES = list(databases)


def get_engine(bind_key=None):
    return databases[bind_key or ""].engine


def get_metadata(bind_key):
    return databases[bind_key or ""].metadata


def url_of(bind_key=None):
    return get_engine(bind_key).url.render_as_string(hide_password=False).replace("%", "%%")


for name in DATABASES:
    if name:
        config.set_section_option(name, "sqlalchemy.url", url_of(name))
    else:
        config.set_main_option("sqlalchemy.url", url_of())


def run_migrations_offline():
    """Write each database's SQL to ``<bind>.sql`` instead of running it."""
    for name in DATABASES:
        filename = f"{name}.sql"
        logger.info("Migrating database %s, writing output to %s", name or "<default>", filename)
        with open(filename, "w") as buffer:
            context.configure(
                url=url_of(name or None).replace("%%", "%"),
                output_buffer=buffer,
                target_metadata=get_metadata(name),
                literal_binds=True,
                **migrate_state.configure_args,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def do_run_migrations(_, connections):
    """Inside ``run_sync``: every connection here is synchronous. The migration lock is held
    on the first database when the command asks for it."""
    with migrate_state.migration_lock(connections[DATABASES[0]].engine):
        transactions = {name: conn.begin() for name, conn in connections.items()}
        try:
            for name in DATABASES:
                logger.info("Migrating database %s", name or "<default>")
                context.configure(
                    connection=connections[name],
                    upgrade_token=f"{name}_upgrades",
                    downgrade_token=f"{name}_downgrades",
                    target_metadata=get_metadata(name),
                    **migrate_state.configure_args,
                )
                context.run_migrations(engine_name=name)
            for transaction in transactions.values():
                transaction.commit()
        except BaseException:
            for transaction in transactions.values():
                transaction.rollback()
            raise


async def run_migrations_online():
    connections = {}
    try:
        for name in DATABASES:
            connections[name] = await get_engine(name or None).connect()
        synchronous = {name: conn.sync_connection for name, conn in connections.items()}
        await connections[DATABASES[0]].run_sync(do_run_migrations, synchronous)
    finally:
        for conn in connections.values():
            await conn.close()
        # the pools' connections belong to this event loop, which ends here
        for name in DATABASES:
            await get_engine(name or None).dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
