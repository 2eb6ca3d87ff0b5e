"""Autogenerate comparators, one module per kind of schema object.

Each module is a plain Alembic plugin (Alembic >= 1.18): it has a ``setup(plugin)`` function
and is published under the ``alembic.plugins`` entry point as ``flask_migrate_plus.<name>``.
They import only Alembic and SQLAlchemy, so a project without Flask enables them with
``context.configure(autogenerate_plugins=["alembic.autogenerate.*", "flask_migrate_plus.*"])``.

Modules here are imported by ``import alembic`` itself, while ``alembic.autogenerate`` is only
partly initialised: they must not import ``alembic.autogenerate`` at module level.
"""

# Importing a comparator module before Alembic would start Alembic, whose entry-point loading
# imports our plugin modules again while this one is half loaded. Alembic first, then us;
# when Alembic itself is importing us, this returns its (partial) module at once.
import alembic  # noqa: E402,F401
