"""How types and operations become Python text in a migration script, and its imports.

Plain Alembic code, no Flask: usable from a hand-written ``env.py``.
"""

# Importing a renderer module before Alembic would start Alembic, whose entry-point loading
# imports our plugin modules again while this one is half loaded. Alembic first, then us;
# when Alembic itself is importing us, this returns its (partial) module at once.
import alembic  # noqa: E402,F401
