"""A revision that fails half-way: on SQLite and PostgreSQL the database is as it was before
that revision and the upgrade can be retried; on MariaDB the error lists exactly what ran,
and the next upgrade and ``current`` say the revision is part-way applied.

Each test makes a real revision fail with a data violation in the middle of its script
(``UPDATE author SET name = NULL`` on a NOT NULL column holding a row), on a real server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cli_runner import FlaskApp, assert_one_line_error

BAD_STATEMENT = "    op.execute('UPDATE author SET name = NULL')\n"


def _columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        inspector = sa.inspect(engine)
        if table not in inspector.get_table_names():
            return set()
        return {column["name"] for column in inspector.get_columns(table)}
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _version(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version")]
    finally:
        engine.dispose()


def _insert_author(url: str) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO author (name) VALUES ('ada')")
    finally:
        engine.dispose()


def _inject(script: Path, before: str, line: str = BAD_STATEMENT) -> None:
    """Put ``line`` into the upgrade, just before the first line starting with ``before``."""
    text = script.read_text()
    upgrade = text.index("def upgrade")
    at = text.index(before, upgrade)
    script.write_text(text[:at] + line + text[at:])


def _remove(script: Path, line: str = BAD_STATEMENT) -> None:
    script.write_text(script.read_text().replace(line, ""))


def _script(app: FlaskApp, message: str) -> Path:
    return next(path for path in app.scripts() if path.name.endswith(f"_{message}.py"))


def _first_revision_with_a_row(tmp_path: Path, url: str) -> FlaskApp:
    app = FlaskApp(tmp_path, url)
    app.ok("init")
    app.ok("migrate", "-m", "authors")
    app.ok("upgrade")
    _insert_author(url)
    return app


@pytest.mark.backends("sqlite", "postgresql")
def test_a_failed_revision_changes_nothing_and_can_be_retried(
    tmp_path: Path, db_url: str
) -> None:
    app = _first_revision_with_a_row(tmp_path, db_url)
    first = _script(app, "authors")
    app.models = 2
    app.ok("migrate", "-m", "posts")
    second = _script(app, "posts")
    # After create_table('post') and its index, before the author table's batch block.
    _inject(second, "    with op.batch_alter_table('author'")
    revision = second.name.split("_")[0]

    null_error = {"sqlite": "NOT NULL constraint failed", "postgresql": "null value"}
    message = assert_one_line_error(app.db("upgrade"), revision, second.name, "rolled back",
                                    null_error[sa.make_url(db_url).get_backend_name()])
    assert "post" not in _tables(db_url)
    assert "points" not in _columns(db_url, "author")
    assert _version(db_url) == [first.name.split("_")[0]]
    assert message.count("\n") == 1  # the revision and file, then the database's error

    _remove(second)
    app.ok("upgrade")
    assert "post" in _tables(db_url) and "points" in _columns(db_url, "author")
    assert _version(db_url) == [revision]


@pytest.mark.backends("sqlite")
def test_a_failed_sqlite_rebuild_leaves_no_temporary_table(tmp_path: Path, db_url: str) -> None:
    """The CREATE of batch mode's _alembic_tmp_<table> is rolled back with the rest."""
    app = _first_revision_with_a_row(tmp_path, db_url)
    app.models = 2
    app.ok("migrate", "-m", "posts")
    second = _script(app, "posts")
    rebuild = ("    with op.batch_alter_table('author', recreate='always') as batch_op:\n"
               "        batch_op.alter_column('name', existing_type=sa.String(100), "
               "type_=sa.String(120))\n")
    text = second.read_text()
    end_of_upgrade = text.index("\n\n\ndef downgrade") + 1
    second.write_text(text[:end_of_upgrade] + rebuild + BAD_STATEMENT + text[end_of_upgrade:])
    assert_one_line_error(app.db("upgrade"), "rolled back")
    assert not any(name.startswith("_alembic_tmp") for name in _tables(db_url))
    assert {"author", "alembic_version"} == _tables(db_url)


@pytest.mark.backends("postgresql", "sqlite")
def test_each_revision_commits_on_its_own(tmp_path: Path, db_url: str) -> None:
    """Revision 3 of 3 fails: 2 stays applied and recorded, 3 is rolled back."""
    app = _first_revision_with_a_row(tmp_path, db_url)
    app.models = 2
    app.ok("migrate", "-m", "posts")
    second = _script(app, "posts").name.split("_")[0]
    app.ok("upgrade")
    app.ok("downgrade")
    app.ok("revision", "-m", "third")
    third = _script(app, "third")
    _inject(third, "    pass", "    op.add_column('author', sa.Column('extra', sa.Integer()))\n"
            + BAD_STATEMENT)
    assert_one_line_error(app.db("upgrade"), third.name.split("_")[0], "rolled back",
                          f"stays at {second}")
    assert _version(db_url) == [second]
    assert "points" in _columns(db_url, "author")
    assert "extra" not in _columns(db_url, "author")


@pytest.mark.backends("mariadb")
def test_mariadb_failure_says_exactly_what_ran(tmp_path: Path, db_url: str) -> None:
    app = _first_revision_with_a_row(tmp_path, db_url)
    app.models = 2
    app.ok("migrate", "-m", "posts")
    second = _script(app, "posts")
    revision = second.name.split("_")[0]
    _inject(second, "    with op.batch_alter_table('author'")

    message = assert_one_line_error(app.db("upgrade"), revision, "cannot roll back DDL")
    lines = message.splitlines()
    assert [line.split(":", 1)[0].strip() for line in lines[2:6]] == [
        "done", "done", "failed", "not run"]
    assert lines[2].split(":", 1)[1].strip().startswith("CREATE TABLE post")
    assert lines[3].split(":", 1)[1].strip() == "CREATE INDEX ix_post_author_id ON post (author_id)"
    assert lines[4].split(":", 1)[1].strip() == "UPDATE author SET name = NULL"
    assert lines[5].split(":", 1)[1].strip() == "ALTER TABLE author ADD COLUMN points INTEGER"
    assert f"stamp {revision}" in message

    # The next run sees the revision part-way applied, in the schema itself.
    current = app.ok("current")
    assert "part-way applied" in current.stderr and "WARNING" in current.stderr
    refused = assert_one_line_error(app.db("upgrade"), revision, "part-way applied")
    assert "in place:     CREATE TABLE post" in refused
    assert "not in place: ALTER TABLE author ADD COLUMN points INTEGER" in refused

    # Undo what ran, fix the script, upgrade again.
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE post")
    engine.dispose()
    _remove(second)
    app.ok("upgrade")
    assert _version(db_url) == [revision] and "points" in _columns(db_url, "author")
    assert "part-way" not in app.ok("current").stderr


@pytest.mark.backends("sqlite")
def test_a_failed_revision_logs_its_traceback_in_debug_mode(tmp_path: Path, db_url: str) -> None:
    app = _first_revision_with_a_row(tmp_path, db_url)
    app.models = 2
    app.ok("migrate", "-m", "posts")
    _inject(_script(app, "posts"), "    with op.batch_alter_table('author'")
    quiet = app.db("upgrade")
    assert "Traceback" not in quiet.stderr
    app.env = {"FLASK_DEBUG": "1"}
    loud = app.db("upgrade")
    assert loud.returncode == 1 and "Traceback" in loud.stderr
