"""What PostgreSQL extensions own is never the application's: never compared, never dropped.

The server records every table, view and sequence an extension made as its member
(``pg_depend`` type ``e``): PostGIS's ``spatial_ref_sys`` is one. The contrib extensions
Debian ships make types and functions only, so the tests give a real one (hstore) a table,
a second table under another name and a sequence with ``ALTER EXTENSION ... ADD``, which is
how the server records membership for the objects an extension script creates.

And ``MIGRATE_PLUS_IGNORE_TABLES`` adds to the PostGIS defaults instead of replacing them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from flask_migrate_plus.settings import DEFAULT_IGNORE_TABLES, settings_from_config

from cli_runner import FIXTURES, REPO, FlaskApp
from harness import AlembicProject

pg_only = pytest.mark.backends("postgresql")

EXTENSION_OBJECTS = [
    "CREATE EXTENSION IF NOT EXISTS hstore",
    "CREATE TABLE spatial_ref_sys (srid integer PRIMARY KEY, auth_name varchar(256))",
    "CREATE TABLE ext_catalog (id integer PRIMARY KEY, body hstore)",
    "CREATE SEQUENCE ext_counter",
    "ALTER EXTENSION hstore ADD TABLE spatial_ref_sys",
    "ALTER EXTENSION hstore ADD TABLE ext_catalog",
    "ALTER EXTENSION hstore ADD SEQUENCE ext_counter",
]


def _give_the_extension_objects(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for statement in EXTENSION_OBJECTS:
            conn.execute(sa.text(statement))


def _models(*extra: sa.Column[object], declare_srs: bool = False) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("tags", postgresql.HSTORE), *extra)
    if declare_srs:  # GeoAlchemy users declare PostGIS's table to query it
        sa.Table("spatial_ref_sys", metadata,
                 sa.Column("srid", sa.Integer, primary_key=True),
                 sa.Column("auth_name", sa.String(256)))
    return metadata


def _members(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT c.relname FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
            "WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e'"))
        return {row[0] for row in rows}


@pg_only
def test_extension_members_are_never_compared_or_dropped(tmp_path: Path, db_url: str) -> None:
    # The user set the key (plugin option: no defaults at all); the catalog still decides.
    project = AlembicProject(tmp_path, db_url, plugin_options={"ignore_tables": ["legacy_*"]})
    _give_the_extension_objects(project.engine)

    statements: list[str] = []
    sa.event.listen(project.engine, "before_cursor_execute",
                    lambda *args: statements.append(args[2]))
    project.create(_models())
    assert project.diff(_models()) == []
    assert project.diff(_models(declare_srs=True)) == []  # no create_table either
    assert sum("d.deptype = 'e'" in statement for statement in statements) == 2  # one a run

    rev = project.round_trip(_models(), _models(sa.Column("bio", sa.Text)))
    assert "drop_table" not in rev.text and "Sequence" not in rev.text
    assert "spatial_ref_sys" not in rev.text and "ext_catalog" not in rev.text
    assert _members(project.engine) == {"spatial_ref_sys", "ext_catalog", "ext_counter"}


@pg_only
def test_plain_alembic_leaves_them_and_never_imports_flask(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    _give_the_extension_objects(engine)
    _models().create_all(engine)
    engine.dispose()
    code = textwrap.dedent(f"""
        import sys
        import sqlalchemy as sa
        from alembic.autogenerate import produce_migrations
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy.dialects import postgresql

        metadata = sa.MetaData()
        sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("tags", postgresql.HSTORE), sa.Column("bio", sa.Text))
        engine = sa.create_engine({db_url!r}, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={{
                "target_metadata": metadata,
                "autogenerate_plugins": ["alembic.autogenerate.*", "flask_migrate_plus.*"],
            }})
            script = produce_migrations(context, metadata)
        diffs = script.upgrade_ops.as_diffs()
        assert [d[0] for d in diffs] == ["add_column"], diffs
        assert "flask" not in sys.modules and "flask_migrate_plus.extension" not in sys.modules
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_setting_adds_to_the_defaults() -> None:
    settings = settings_from_config({"MIGRATE_PLUS_IGNORE_TABLES": ["legacy_*", "tiger.*"]})
    assert settings.ignore_tables == (*DEFAULT_IGNORE_TABLES, "legacy_*")
    assert settings_from_config({}).ignore_tables == DEFAULT_IGNORE_TABLES


@pytest.mark.backends("sqlite", "postgresql")
def test_cli_with_the_setting_still_leaves_postgis_alone(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(100), nullable=False))
    sa.Table("draft", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("legacy_orders", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("spatial_ref_sys", metadata, sa.Column("srid", sa.Integer, primary_key=True))
    metadata.create_all(engine)
    if backend == "postgresql":  # an extension's table, under a name no pattern matches
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS hstore"))
            conn.execute(sa.text("CREATE TABLE ext_catalog (id integer PRIMARY KEY)"))
            conn.execute(sa.text("ALTER EXTENSION hstore ADD TABLE ext_catalog"))
    engine.dispose()
    app = FlaskApp(tmp_path, db_url, app=FIXTURES / "safeapp" / "app.py",
                   config={"MIGRATE_PLUS_IGNORE_TABLES": ["legacy_*"]})
    app.ok("init")
    app.ok("check")
    assert "No changes in schema detected." in app.ok("migrate", "-m", "none").stderr
    assert app.scripts() == []
