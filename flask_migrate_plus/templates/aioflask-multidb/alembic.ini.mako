# Alembic settings of a Flask application (flask-migrate-plus).
# The database URL and the models come from the application; autogenerate options
# are set in app.config (MIGRATE_PLUS_* keys), not here.

[alembic]
# template used to generate migration files
# file_template = %%(rev)s_%%(slug)s

# set to 'true' to run the environment during
# the 'revision' command, regardless of autogenerate
# revision_environment = false


# Logging configuration
[loggers]
keys = root,sqlalchemy,alembic,alembic_plugins,flask_migrate_plus

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

# Alembic names every plugin it sets up; flask-migrate-plus prints one summary line instead.
[logger_alembic_plugins]
level = WARN
handlers =
qualname = alembic.runtime.plugins

[logger_flask_migrate_plus]
level = INFO
handlers =
qualname = flask_migrate_plus

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)s [%(name)s] %(message)s
datefmt = %H:%M:%S
