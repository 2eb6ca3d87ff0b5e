"""Alembic environment of a Flask application, written by flask-migrate-plus.

Everything comes from the application: the engine and models from its model layer
(Flask-SQLAlchemy, Alchemical, Flask-SQLAlchemy-Lite, or ``Migrate(app, metadata=...)``), and
the autogenerate options (our comparator plugins, renderers and hooks) from
``current_app.extensions["migrate"].configure_args``.
"""

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
# The default database: its engine and models, whichever library declares them.
database = migrate_state.database()


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


def run_migrations_online():
    """Run the migrations on a connection of the application's engine."""
    with get_engine().connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=get_metadata(),
            **migrate_state.configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
