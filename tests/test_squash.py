"""``flask db squash``: six revisions into one, proven equal from base and from revision 3."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flask_migrate_plus.schema.snapshot import Snapshot, describe_differences, take_snapshot

from backends import fresh_database
from cli_runner import FlaskApp, assert_one_line_error
from history_project import write_revision, write_six_revisions


def _snapshot(url: str) -> Snapshot:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return take_snapshot(connection)
    finally:
        engine.dispose()


def _project(tmp_path: Path, db_url: str, models: int = 2) -> FlaskApp:
    app = FlaskApp(tmp_path, db_url, models=models)
    app.ok("init")
    write_six_revisions(tmp_path / "migrations")
    return app


def _versions(tmp_path: Path) -> list[str]:
    return sorted(path.name for path in (tmp_path / "migrations" / "versions").glob("*.py"))


def test_six_revisions_squashed_build_the_same_database(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    app = _project(tmp_path, db_url)
    app.ok("upgrade", "s3_points")  # a database part-way through the range
    with fresh_database(backend, tmp_path / "old") as old_url, \
            fresh_database(backend, tmp_path / "new") as new_url:
        (tmp_path / "old").mkdir(exist_ok=True)
        (tmp_path / "new").mkdir(exist_ok=True)
        FlaskApp(tmp_path, old_url, models=2).ok("upgrade")
        unsquashed = _snapshot(old_url)

        result = app.ok("squash", "--to", "s6_backfill", "-m", "squashed")
        (script,) = [tmp_path / "migrations" / "versions" / name for name in _versions(tmp_path)]
        rev = script.name.split("_")[0]
        kept = tmp_path / "migrations" / "versions" / "squashed" / rev
        assert sorted(path.stem for path in kept.glob("*.py")) == [
            "s1_author", "s2_active", "s3_points", "s4_post", "s5_title", "s6_backfill"]
        text = script.read_text()
        assert ("replaces = ('s1_author', 's2_active', 's3_points', 's4_post', 's5_title', "
                "'s6_backfill')") in text
        assert "# from s6_backfill:" in text
        assert "UPDATE author SET points = 0 WHERE points IS NULL" in text
        assert "carried over 1 op.execute step(s)" in result.stdout

        # From base, with the squashed script.
        fresh = FlaskApp(tmp_path, new_url, models=2)
        fresh.ok("upgrade")
        assert describe_differences(unsquashed, _snapshot(new_url)) == []
        fresh.ok("check")

        # From revision 3: the guard names the way, then upgrade carries it over.
        assert_one_line_error(app.db("check"), "s3_points", f"squashed revision {rev} replaces",
                              "flask db upgrade")
        assert (f"s3_points (replaced by squashed revision {rev}; run: flask db upgrade)"
                in app.ok("current").stdout)
        app.ok("upgrade")
        assert rev in app.ok("current").stdout
        assert describe_differences(unsquashed, _snapshot(db_url)) == []
        app.ok("check")


def test_models_that_differ_refuse_and_change_nothing(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url, models=1)
    before = _versions(tmp_path)
    assert_one_line_error(app.db("squash", "--to", "s6_backfill", "-m", "x"), "cannot squash",
                          "the models differ", "nothing was changed")
    assert _versions(tmp_path) == before
    assert not (tmp_path / "migrations" / "versions" / "squashed").exists()


@pytest.mark.backends("sqlite")
def test_branch_points_merges_and_ranges_are_refused(tmp_path: Path, db_url: str) -> None:
    app = _project(tmp_path, db_url)
    assert_one_line_error(app.db("squash", "--to", "s3_points", "-m", "x"),
                          "--to must be the head (s6_backfill)")
    assert_one_line_error(app.db("squash", "--from", "s6_backfill", "--to", "s6_backfill",
                                 "-m", "x"), "nothing to squash")
    write_revision(tmp_path / "migrations", "s4_side", "s3_points", "pass", "pass")
    write_revision(tmp_path / "migrations", "s7_merge", ("s6_backfill", "s4_side"), "pass",
                   "pass")
    before = _versions(tmp_path)
    assert_one_line_error(app.db("squash", "--to", "s7_merge", "-m", "x"), "cannot squash",
                          "s3_points is a branch point")
    assert _versions(tmp_path) == before
    assert_one_line_error(app.db("squash", "--from", "s4_post", "--to", "s7_merge", "-m", "x"),
                          "s7_merge merges")
