"""Alembic environment of a Flask application with several databases (Flask-SQLAlchemy
binds), written by flask-migrate-plus.

Each database is migrated on its own connection, inside one transaction per database that
is committed only when every database has succeeded. Scripts have one
``upgrade_<bind>()`` / ``downgrade_<bind>()`` pair per database ('' is the default one).
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import MetaData

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_state = current_app.extensions["migrate"]
target_db = migrate_state.db


def bind_names():
    binds = current_app.config.get("SQLALCHEMY_BINDS")
    if binds is not None:
        return list(binds)
    names = getattr(target_db, "bind_names", None)
    return list(names()) if callable(names) else []


def get_engine(bind_key=None):
    engines = getattr(target_db, "engines", None)
    if engines is not None:
        return engines[bind_key]
    return target_db.get_engine(bind=bind_key)


def get_metadata(bind_key):
    key = bind_key or None
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas.get(key, MetaData())
    metadata = MetaData()
    for table in target_db.metadata.tables.values():
        if table.info.get("bind_key") == key:
            table.to_metadata(metadata)
    return metadata


def url_of(bind_key=None):
    return get_engine(bind_key).url.render_as_string(hide_password=False).replace("%", "%%")


DATABASES = [""] + bind_names()
config.set_main_option("sqlalchemy.url", url_of())
for name in DATABASES[1:]:
    config.set_section_option(name, "sqlalchemy.url", url_of(name))


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


def run_migrations_online():
    connections = {name: get_engine(name or None).connect() for name in DATABASES}
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
    finally:
        for conn in connections.values():
            conn.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
