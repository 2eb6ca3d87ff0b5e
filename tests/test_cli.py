"""``flask db ...`` end to end, in a subprocess, on each backend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli_runner import FlaskApp, assert_one_line_error


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_full_cycle(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url)
    app.ok("init")
    assert (tmp_path / "migrations" / "env.py").exists()
    assert (tmp_path / "migrations" / "alembic.ini").exists()

    made = app.ok("migrate", "-m", "first tables")
    (first,) = app.scripts()
    text = first.read_text()
    assert "op.create_table('author'" in text
    assert "Compared with autogenerate plugins: alembic.autogenerate.*, flask_migrate_plus.*" in (
        made.stderr
    )
    compile(text, str(first), "exec")

    app.ok("upgrade")
    assert {"author", "alembic_version"} <= _tables(db_url)

    again = app.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in again.stderr
    assert len(app.scripts()) == 1, "an empty autogenerate must write no file"
    app.ok("check")

    app.models = 2
    assert_one_line_error(app.db("check"), "add column author.points")
    app.ok("migrate", "-m", "points and posts")
    assert len(app.scripts()) == 2
    app.ok("upgrade")
    assert "post" in _tables(db_url)
    app.ok("check")

    heads = app.ok("heads").stdout
    second_id = re.search(r"^(\w+) \(head\)", heads, re.M)
    assert second_id, heads
    assert second_id.group(1) in app.ok("current").stdout
    history = app.ok("history").stdout
    assert "points and posts" in history and "first tables" in history

    app.ok("downgrade")
    assert "post" not in _tables(db_url)
    app.ok("downgrade", "base")
    assert "author" not in _tables(db_url)
    assert app.ok("current").stdout.strip() == ""

    app.ok("stamp", "head")
    assert second_id.group(1) in app.ok("current").stdout
    app.ok("stamp", "--purge", "base")
    app.ok("upgrade")
    assert {"author", "post"} <= _tables(db_url)
    app.ok("show", second_id.group(1))
    app.ok("branches")


@pytest.mark.backends("sqlite")
def test_offline_sql_needs_no_database(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    app.ok("init")
    app.ok("migrate", "-m", "first")
    sql = app.ok("upgrade", "--sql").stdout
    assert "CREATE TABLE author" in sql
    assert "alembic_version" in sql
    assert "author" not in _tables(app.url), "--sql must not run the migration"


@pytest.mark.backends("sqlite")
def test_user_mistakes_are_one_line(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    assert_one_line_error(app.db("upgrade"), "migrations", "init")
    assert_one_line_error(app.db("migrate"), "migrations")
    app.ok("init")
    assert_one_line_error(app.db("init"), "migrations")
    app.ok("migrate", "-m", "first")
    assert_one_line_error(app.db("upgrade", "nosuchrev"), "nosuchrev")
    assert_one_line_error(app.db("init", "-d", "other", "-t", str(tmp_path / "nope")), "nope")


@pytest.mark.backends("postgresql", "mariadb")
def test_unreachable_database_hides_the_password(tmp_path: Path, db_url: str) -> None:
    url = sa.engine.make_url(db_url).set(password="s3cret-pw", port=1)
    app = FlaskApp(tmp_path, url.render_as_string(hide_password=False))
    app.ok("init")
    line = assert_one_line_error(app.db("upgrade"), "cannot connect to the database")
    assert "s3cret-pw" not in line
    assert "***" in line


def test_multiple_heads_name_every_head_and_the_fix(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url)
    app.ok("init")
    app.ok("revision", "-m", "base", "--rev-id", "aaa")
    app.ok("revision", "-m", "left", "--rev-id", "bbb", "--head", "aaa")
    app.ok("revision", "-m", "right", "--rev-id", "ccc", "--head", "aaa", "--splice")
    for command in (("upgrade",), ("migrate",), ("check",)):
        line = assert_one_line_error(app.db(*command), "bbb", "ccc", "flask db merge heads")
        assert "2 heads" in line
    app.ok("merge", "heads", "-m", "merge", "--rev-id", "ddd")
    app.ok("upgrade")
    assert "ddd" in app.ok("current").stdout


def test_database_at_an_unknown_revision(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url)
    app.ok("init")
    app.ok("migrate", "-m", "first", "--rev-id", "aaa")
    app.ok("upgrade")
    app.models = 2
    app.ok("migrate", "-m", "second", "--rev-id", "bbb")
    app.ok("upgrade")
    (tmp_path / "migrations" / "versions" / "bbb_second.py").unlink()
    for command in (("upgrade",), ("check",), ("migrate",)):
        assert_one_line_error(app.db(*command), "bbb", "aaa", "flask db stamp aaa")


def test_check_fails_when_the_database_is_behind(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url)
    app.ok("init")
    app.ok("migrate", "-m", "first")
    assert_one_line_error(app.db("check"), "not up to date", "flask db upgrade")


@pytest.mark.backends("sqlite")
def test_custom_command_name_and_directory(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}",
                   migrate_kwargs={"directory": "dbscripts"})
    app.ok("init")
    assert (tmp_path / "dbscripts" / "env.py").exists()
    app.ok("migrate", "-m", "first")
    assert len(list((tmp_path / "dbscripts" / "versions").glob("*.py"))) == 1
    app.ok("-d", "other", "init")
    assert (tmp_path / "other" / "env.py").exists()


@pytest.mark.backends("sqlite")
def test_list_templates_and_a_template_folder(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    listed = app.ok("list-templates").stdout
    assert "flask - Single-database configuration" in listed
    assert "flask-multidb - Multi-database configuration" in listed

    from flask_migrate_plus.extension import TEMPLATES_DIRECTORY

    custom = tmp_path / "tpl" / "mine"
    custom.mkdir(parents=True)
    for name in ("env.py", "alembic.ini.mako", "README"):
        (custom / name).write_text((TEMPLATES_DIRECTORY / "flask" / name).read_text())
    (custom / "script.py.mako").write_text(
        "# made from my template\n" + (TEMPLATES_DIRECTORY / "flask" / "script.py.mako").read_text()
    )
    app.ok("init", "--template", str(custom))
    app.ok("migrate", "-m", "first")
    (script,) = app.scripts()
    assert script.read_text().startswith("# made from my template")


@pytest.mark.backends("sqlite")
def test_multidb_template(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'main.db'}",
                   env={"BIND_URL": f"sqlite:///{tmp_path / 'audit.db'}"})
    app.ok("init", "--multidb")
    app.ok("migrate", "-m", "both")
    (script,) = app.scripts()
    text = script.read_text()
    assert "def upgrade_audit():" in text and "op.create_table('audit_event'" in text
    assert "def upgrade_():" in text and "op.create_table('author'" in text
    app.ok("upgrade")
    assert "author" in _tables(app.url)
    assert "audit_event" in _tables(f"sqlite:///{tmp_path / 'audit.db'}")
    again = app.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in again.stderr
    assert len(app.scripts()) == 1
    app.ok("downgrade", "base")
    assert "audit_event" not in _tables(f"sqlite:///{tmp_path / 'audit.db'}")


@pytest.mark.backends("sqlite")
def test_bad_setting_is_one_line(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}",
                   config={"MIGRATE_PLUS_COMPARE_TYPE": "yes"})
    assert_one_line_error(app.db("current"), "MIGRATE_PLUS_COMPARE_TYPE", "True or False")
    app.config = {"MIGRATE_PLUS_COMPARE_TYPES": False}
    assert_one_line_error(app.db("current"), "MIGRATE_PLUS_COMPARE_TYPES",
                          "did you mean MIGRATE_PLUS_COMPARE_TYPE")
    app.config = {"MIGRATE_PLUS_COMPARATORS": {"chekcs": False}}
    assert_one_line_error(app.db("current"), "chekcs", "checks")


@pytest.mark.backends("sqlite")
def test_comparator_switched_off_by_config(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}",
                   config={"MIGRATE_PLUS_COMPARATORS": {"checks": False, "indexes": False}})
    app.ok("init")
    made = app.ok("migrate", "-m", "first")
    assert ("flask_migrate_plus.*, ~flask_migrate_plus.checks, ~flask_migrate_plus.indexes"
            in made.stderr)


@pytest.mark.backends("sqlite")
def test_extra_imports_from_config_reach_every_script(tmp_path: Path) -> None:
    app = FlaskApp(tmp_path, f"sqlite:///{tmp_path / 'app.db'}",
                   config={"MIGRATE_PLUS_EXTRA_IMPORTS": ["import sqlalchemy_utils",
                                                          "from decimal import Decimal"]})
    app.ok("init")
    app.ok("migrate", "-m", "first")
    (script,) = app.scripts()
    text = script.read_text()
    assert "import sqlalchemy_utils\n" in text and "from decimal import Decimal\n" in text
    app.ok("upgrade")
