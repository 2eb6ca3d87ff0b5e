"""``flask db adopt`` on databases ``db.create_all()`` built, and ``flask db check`` on them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cli_runner import FlaskApp, assert_one_line_error
from history_project import write_standard_history


def _create_all(monkeypatch: pytest.MonkeyPatch, url: str, models: int) -> None:
    """Build the database as an application without migrations does: ``db.create_all()``."""
    from fixtures.cliapp.app import create_app

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MODELS", str(models))
    app = create_app()
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        db.create_all()
        db.engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _stamped(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version")]
    finally:
        engine.dispose()


def test_an_equal_database_gets_an_initial_revision_and_is_stamped(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_all(monkeypatch, db_url, models=2)
    app = FlaskApp(tmp_path, db_url, models=2)
    app.ok("init")
    result = app.ok("adopt")
    (script,) = app.scripts()
    assert script.name.endswith("_initial_schema.py")
    text = script.read_text()
    assert "op.create_table('author'" in text and "op.create_table('post'" in text
    (rev,) = _stamped(db_url)
    assert script.name.startswith(rev)
    assert f"stamped it with {rev}" in result.stdout
    app.ok("check")
    # The initial revision is a sound history: it builds this schema from nothing and back.
    assert "1 revision(s) passed" in app.ok("test").stdout
    assert_one_line_error(app.db("adopt"), "already under migrations", rev)


def test_a_different_database_is_refused_and_nothing_is_written(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_all(monkeypatch, db_url, models=1)
    app = FlaskApp(tmp_path, db_url, models=2)
    app.ok("init")
    message = assert_one_line_error(app.db("adopt"), "the database differs from the models",
                                    "nothing was written")
    assert "add column author.points" in message and "create table post" in message
    assert app.scripts() == []
    assert "alembic_version" not in _tables(db_url)

    written = app.ok("adopt", "--write-diff")
    (script,) = app.scripts()
    assert script.name in written.stdout
    assert "alembic_version" not in _tables(db_url)
    app.ok("upgrade")
    app.ok("check")


def test_a_project_with_revisions_compares_with_its_head(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _create_all(monkeypatch, db_url, models=2)
    app = FlaskApp(tmp_path, db_url, models=2)
    app.ok("init")
    write_standard_history(tmp_path / "migrations")
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE INDEX ix_extra ON author (name)")
    assert_one_line_error(app.db("adopt"), "the scripts build at their head r3_post",
                          "the database has an extra index ix_extra on author")
    assert "alembic_version" not in _tables(db_url)
    assert_one_line_error(app.db("adopt", "--write-diff"), "this project has revisions")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "DROP INDEX ix_extra ON author" if engine.dialect.name == "mysql"
            else "DROP INDEX ix_extra")
    engine.dispose()
    app.ok("adopt")
    assert _stamped(db_url) == ["r3_post"]
    assert len(app.scripts()) == 3
    app.ok("check")


def test_check_creates_no_version_table(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alembic's check creates an empty alembic_version on such a database; ours reads only."""
    _create_all(monkeypatch, db_url, models=2)
    app = FlaskApp(tmp_path, db_url, models=2)
    app.ok("init")
    app.ok("check")
    assert "alembic_version" not in _tables(db_url)
    app.models = 1
    assert_one_line_error(app.db("check"), "drop table post")
    assert "alembic_version" not in _tables(db_url)


@pytest.mark.backends("sqlite")
def test_an_empty_database_has_nothing_to_adopt(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url, models=2)
    app.ok("init")
    assert_one_line_error(app.db("adopt"), "has no tables", "flask db upgrade")
    assert app.scripts() == []
