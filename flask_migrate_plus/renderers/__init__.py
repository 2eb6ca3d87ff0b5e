"""How types and operations become Python text in a migration script, and its imports.

Plain Alembic code, no Flask: usable from a hand-written ``env.py``.
"""
