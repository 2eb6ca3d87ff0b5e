"""A schema the script created is dropped on downgrade only when nothing is left in it.

Something the models do not describe may live in the application's schema (a function the
application made there, a table of another tool). ``DROP SCHEMA`` refuses then, and the
whole downgrade failed; ``CASCADE`` would lose those objects. The downgrade now keeps such a
schema and says what holds it: the server decides (a PostgreSQL ``DO`` block, so the same
text works in ``--sql`` output) and raises a WARNING, which ``flask db downgrade`` prints.
"""

from __future__ import annotations

import logging
from pathlib import Path

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa
from alembic import command

from cli_runner import FIXTURES, FlaskApp
from harness import AlembicProject

pg_only = pytest.mark.backends("postgresql")

HELPER = "CREATE FUNCTION {schema}.helper() RETURNS integer LANGUAGE sql AS 'SELECT 1'"


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("docs", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("kind", sa.Enum("a", "b", name="doc_kind", schema="app")),
             schema="app")
    return metadata


def _schemas(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_schema_names())


def _helper_exists(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'app' AND p.proname = 'helper'")).scalar() == 1


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "alembic.runtime.migration" and record.levelno >= logging.WARNING]


@pg_only
def test_a_schema_holding_other_objects_is_kept_with_a_warning(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.stamp_base()
    rev = project.revision(_models())
    assert rev is not None
    assert "CASCADE" not in rev.text.upper().replace("ONDELETE", "")
    project.upgrade()
    assert project.diff(_models()) == []
    with project.engine.begin() as conn:
        conn.execute(sa.text(HELPER.format(schema="app")))

    with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
        project.downgrade()
    assert _warnings(caplog) == ["schema app is kept: it still holds function app.helper()"]
    assert "app" in _schemas(project.engine) and _helper_exists(project.engine)
    with project.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names(schema="app") == []
    assert project.diff(sa.MetaData()) == []

    # Once empty, the same downgrade drops it, and says nothing.
    with project.engine.begin() as conn:
        conn.execute(sa.text("DROP FUNCTION app.helper()"))
    project.upgrade()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="alembic.runtime.migration"):
        project.downgrade()
    assert "app" not in _schemas(project.engine)
    assert _warnings(caplog) == []


@pg_only
def test_offline_sql_lets_the_server_decide(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.stamp_base()
    rev = project.revision(_models())
    assert rev is not None
    project.upgrade()
    capsys.readouterr()
    with project.active(project.metadata):
        command.downgrade(project.config(), f"{rev.rev_id}:base", sql=True)
    sql = capsys.readouterr().out
    assert "CASCADE" not in sql
    block = sql[sql.index("DO $fmp$"):sql.index("$fmp$;") + len("$fmp$")]
    assert sql.index("DROP TYPE IF EXISTS app.doc_kind;") < sql.index("DO $fmp$")
    assert "%" not in block  # --sql output doubles every percent sign: psql would see %%

    # The SQL a DBA would run with psql: the schema still holds a function, so it stays and
    # the server says why; emptied, the same block drops it.
    raw = project.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP TABLE app.docs")
        cursor.execute("DROP TYPE app.doc_kind")
        cursor.execute(HELPER.format(schema="app"))
        cursor.execute(block)
        notices = list(raw.notices)  # type: ignore[attr-defined]
        assert any("schema app is kept: it still holds function app.helper()" in n
                   for n in notices), notices
        cursor.execute("DROP FUNCTION app.helper()")
        cursor.execute(block)
        raw.commit()
    finally:
        raw.close()
    assert "app" not in _schemas(project.engine)


@pg_only
def test_flask_db_downgrade_prints_the_warning(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url, app=FIXTURES / "schemas" / "app.py")
    app.ok("init")
    app.ok("migrate", "-m", "tables in two schemas")
    app.ok("upgrade")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(HELPER.format(schema="billing")))
    result = app.ok("downgrade", "base")
    assert ("[alembic.runtime.migration] schema billing is kept: it still holds function "
            "billing.helper()") in result.stderr, result.stderr
    assert "billing" in _schemas(engine)
    engine.dispose()
