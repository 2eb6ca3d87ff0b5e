"""``flask db test``: the stairway on a throwaway database, as users run it, on each backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from backends import admin_url
from cli_runner import FlaskApp, assert_one_line_error
from history_project import write_revision, write_standard_history


def _project(tmp_path: Path, db_url: str, models: int = 2) -> FlaskApp:
    app = FlaskApp(tmp_path, db_url, models=models)
    app.ok("init")
    write_standard_history(tmp_path / "migrations")
    return app


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _database_exists(app_url: str, throwaway_url: str) -> bool:
    url = make_url(app_url)
    name = make_url(throwaway_url).database
    if url.get_backend_name() == "sqlite":
        return Path(name or "").exists()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        query = ("SELECT datname FROM pg_database" if url.get_backend_name() == "postgresql"
                 else "SHOW DATABASES")
        with engine.connect() as connection:
            return name in {row[0] for row in connection.exec_driver_sql(query)}
    finally:
        engine.dispose()


def test_a_sound_history_passes_and_leaves_the_app_database_alone(
    tmp_path: Path, db_url: str
) -> None:
    app = _project(tmp_path, db_url)
    result = app.ok("test")
    lines = result.stdout.splitlines()
    for rev in ("r1_author", "r2_points", "r3_post"):
        assert any(line.split()[:1] == [rev] and line.endswith("ok") for line in lines), lines
    assert "models match the database at head" in result.stdout
    assert "3 revision(s) passed" in result.stdout
    assert "Running upgrade" not in result.stdout + result.stderr
    # The throwaway database is gone, and the application's own was never touched.
    (throwaway,) = re.findall(r"throwaway database: (\S+)", result.stdout)
    assert "fmp_test_" in throwaway
    assert not _database_exists(db_url, throwaway)
    assert _tables(db_url) == set()


def test_a_broken_downgrade_names_revision_file_step_and_error(
    tmp_path: Path, db_url: str
) -> None:
    app = _project(tmp_path, db_url)
    write_revision(tmp_path / "migrations", "r4_tag", "r3_post", """
        op.create_table('tag', sa.Column('id', sa.Integer(), primary_key=True))
    """, "op.drop_table('tags')")
    result = app.db("test")
    assert_one_line_error(result, "revision r4_tag", "r4_tag.py", "failed at downgrade:",
                          "tags")
    assert re.search(r"^\s+r3_post .* ok$", result.stdout, re.M)


def test_a_downgrade_that_leaves_an_index_behind(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url)
    write_revision(tmp_path / "migrations", "r4_index", "r3_post",
                   "op.create_index('ix_author_name', 'author', ['name'])", "pass")
    assert_one_line_error(
        app.db("test"), "revision r4_index", "failed at downgrade:",
        "the schema differs from the one before the upgrade: extra index ix_author_name "
        "on author",
    )


def test_a_downgrade_that_leaves_a_table_behind(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url)
    write_revision(tmp_path / "migrations", "r4_two", "r3_post", """
        op.create_table('note', sa.Column('id', sa.Integer(), primary_key=True))
        op.create_table('marker', sa.Column('id', sa.Integer(), primary_key=True))
    """, "op.drop_table('marker')")
    assert_one_line_error(app.db("test"), "revision r4_two", "failed at downgrade:",
                          "extra table note")


def test_an_upgrade_that_builds_something_else_the_second_time(
    tmp_path: Path, db_url: str
) -> None:
    """The upgrade depends on the rows (its seed adds one): the re-upgrade after the downgrade
    builds another schema, caught by the comparison with the first upgrade's."""
    app = _project(tmp_path, db_url)
    write_revision(tmp_path / "migrations", "r4_rows", "r3_post", """
        rows = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM author")).scalar()
        if not rows:
            op.create_index('ix_author_name', 'author', ['name'])
    """, """
        names = [ix['name'] for ix in sa.inspect(op.get_bind()).get_indexes('author')]
        if 'ix_author_name' in names:
            op.drop_index('ix_author_name', table_name='author')
    """, extra="""
        def seed(connection):
            connection.execute(sa.text("INSERT INTO author (name, active) VALUES ('a', :t)"),
                               {"t": True})
    """)
    assert_one_line_error(app.db("test"), "revision r4_rows", "failed at upgrade again:",
                          "the schema differs from the one after the first upgrade: "
                          "missing index ix_author_name on author")


def test_a_revision_that_fails_only_with_rows(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url)
    write_revision(tmp_path / "migrations", "r4_seed", "r3_post", "pass", "pass", extra="""
        def seed(connection):
            connection.execute(sa.text(
                "INSERT INTO author (name, active) VALUES ('ann', :yes), ('ann', :yes)"
            ), {"yes": True})
    """)
    write_revision(tmp_path / "migrations", "r5_unique", "r4_seed",
                   "op.create_index('ux_author_name', 'author', ['name'], unique=True)",
                   "op.drop_index('ux_author_name', table_name='author')")
    result = app.db("test")
    message = assert_one_line_error(result, "revision r5_unique", "r5_unique.py",
                                    "failed at upgrade:",
                                    "the database held the rows seeded by r4_seed")
    assert re.search(r"unique|duplicate", message, re.I), message  # the server's own error
    assert re.search(r"^\s+r4_seed .* ok$", result.stdout, re.M)


def test_two_heads(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url)
    for rev in ("r4_left", "r4_right"):
        write_revision(tmp_path / "migrations", rev, "r3_post", "pass", "pass")
    assert_one_line_error(app.db("test"), "failed at one head:", "the scripts have 2 heads",
                          "r4_left", "r4_right", 'flask db merge heads -m "merge heads"')


def test_models_that_differ_from_the_head(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url, models=1)
    assert_one_line_error(app.db("test"), "revision r3_post", "failed at models at head:",
                          "drop table post", "drop column author.points")


def test_a_range_of_revisions(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url, models=1)  # the head is outside the range: not compared
    result = app.ok("test", "--from", "r2_points", "--to", "r2_points")
    assert re.search(r"^\s+r2_points .* ok$", result.stdout, re.M)
    assert "r1_author" not in result.stdout and "r3_post" not in result.stdout
    assert "models match" not in result.stdout
    assert_one_line_error(app.db("test", "--from", "nope"), "nope")
    assert_one_line_error(app.db("test", "--from", "r3_post", "--to", "r1_author"),
                          "comes after")


@pytest.mark.backends("postgresql", "mariadb")
def test_backend_url_names_the_server(tmp_path: Path, db_url: str, backend: str) -> None:
    app = _project(tmp_path, db_url)
    server = admin_url(backend)
    result = app.ok("test", "--backend-url", server.render_as_string(hide_password=False))
    (throwaway,) = re.findall(r"throwaway database: (\S+)", result.stdout)
    assert make_url(throwaway).username == server.username
    assert "3 revision(s) passed" in result.stdout
    wrong = server.set(port=1)  # nothing listens there
    assert_one_line_error(
        app.db("test", "--backend-url", wrong.render_as_string(hide_password=False)),
        "cannot create a throwaway database on", "--backend-url")
