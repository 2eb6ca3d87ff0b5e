"""What comparators, rewrite passes and op renderers all need to know about schema objects.

Small, shared facts and reads, each in one place: the per-run state store, how to look inside
a wrapped column type, the names the database will give (or we give) to constraints and
indexes, when SQLite's batch mode rebuilds a table, and the catalog reads several plugins use.
Imports only SQLAlchemy, Alembic and ``flask_migrate_plus.sql``.
"""
