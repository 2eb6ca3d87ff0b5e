"""CHECK constraints: added, dropped and changed are found; identical ones (however the server
spells them back) are not. Every case runs its script up and down on a real database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import op
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.operations import Operations, ops
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

from flask_migrate_plus.renderers.types import render_item
from flask_migrate_plus.sql.expressions import normalize_sql

from harness import AlembicProject


def _metadata(*extra: sa.Column[int] | sa.Constraint, convention: dict[str, str] | None = None,
              flag: sa.types.TypeEngine | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=convention) if convention else sa.MetaData()
    sa.Table(
        "item", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("s", sa.String(20)),
        *([sa.Column("flag", flag)] if flag is not None else []),
        *extra,
    )
    return metadata


def _kinds(project: AlembicProject, metadata: sa.MetaData) -> list[str]:
    return [diff[0] for diff in project.diff(metadata)]


def test_add_named_check(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _metadata(), _metadata(sa.CheckConstraint("a > 0", name="ck_item_a_positive"))
    )
    assert "batch_op.create_check_constraint('ck_item_a_positive', 'a > 0')" in rev.text
    assert re.search(r"batch_op\.drop_constraint\((op\.f\()?'ck_item_a_positive'\)?, "
                     r"type_='check'\)", rev.text)


def test_drop_named_check(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _metadata(sa.CheckConstraint("a > 0", name="ck_item_a_positive")), _metadata()
    )
    upgrade, downgrade = rev.text.split("def downgrade")
    assert "drop_constraint(batch_op.f('ck_item_a_positive'), type_='check')" in upgrade
    assert "create_check_constraint(batch_op.f('ck_item_a_positive')" in downgrade


def test_changed_check_text_is_drop_and_create(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _metadata(sa.CheckConstraint("a > 0", name="ck_item_a")),
        _metadata(sa.CheckConstraint("a > 10", name="ck_item_a")),
    )
    upgrade, downgrade = rev.text.split("def downgrade")
    assert upgrade.index("drop_constraint") < upgrade.index(
        "create_check_constraint('ck_item_a', 'a > 10')"
    )
    assert "drop_constraint('ck_item_a', type_='check')" in downgrade


def test_add_unnamed_check_gets_a_deterministic_name(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(), _metadata(sa.CheckConstraint("b < a")))
    # PostgreSQL's own name for it where the server's choice is known (what create_all
    # builds), a name derived from its text elsewhere
    pattern = "item_check" if project.engine.dialect.name == "postgresql" else "ck_item_[0-9a-f]{8}"
    match = re.search(rf"create_check_constraint\(batch_op\.f\('({pattern})'\), 'b < a'\)",
                      rev.text)
    assert match, rev.text
    assert f"drop_constraint(batch_op.f('{match.group(1)}'), type_='check')" in rev.text


@pytest.mark.backends("postgresql", "mariadb")
def test_drop_unnamed_check_uses_the_database_name(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(sa.CheckConstraint("a > 0")), _metadata())
    upgrade = rev.text.split("def downgrade")[0]
    assert re.search(r"drop_constraint\(batch_op\.f\('(item_a_check|CONSTRAINT_1)'\), "
                     r"type_='check'\)", upgrade), upgrade


def test_boolean_create_constraint_added(tmp_path: Path, db_url: str, backend: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    convention = {"ck": "ck_%(table_name)s_%(column_0_name)s"}
    before = _metadata(flag=sa.Boolean(), convention=convention)
    after = _metadata(flag=sa.Boolean(create_constraint=True), convention=convention)
    if backend == "postgresql":
        # A native BOOLEAN carries no CHECK: nothing to do (Alembic's ext proposed `IN (0, 1)`).
        project.create(before)
        assert project.revision(after) is None
        return
    rev = project.round_trip(before, after)
    assert "create_check_constraint(batch_op.f('ck_item_flag'), 'flag IN (0, 1)')" in rev.text


def test_non_native_enum_values_changed(tmp_path: Path, db_url: str) -> None:
    def enum(*values: str) -> sa.Enum:
        return sa.Enum(*values, name="ck_item_kind", native_enum=False, create_constraint=True,
                       length=10)

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(sa.Column("kind", enum("x", "y"))),
                             _metadata(sa.Column("kind", enum("x", "y", "it's"))))
    assert "create_check_constraint('ck_item_kind', \"kind IN ('x', 'y', 'it''s')\")" in rev.text


#: Texts each server spells back differently (casts, ANY(ARRAY), backquotes, lcase,
#: BETWEEN expanded, NOT pushed into the comparison, ~~ for LIKE, octet_length, MOD,
#: '-1'::integer, IN with one value as =, LIKE escapes ...).
SPELLINGS = [
    "a > 0 AND b < 5",
    "s IN ('p', 'q')",
    "a + b * 2 > 1 OR s LIKE 'z%'",
    "length(s) >= 2 and a between 1 and 10",
    "lower(s) <> 'x' AND NOT (a = 3)",
    "s IS NOT NULL OR a != 4",
    "CAST(a AS CHAR(5)) <> 'x'",
    "s IN ('p') OR s NOT IN ('q')",
    "s NOT IN ('p', 'q') OR b NOT BETWEEN 1 AND 3",
    "coalesce(a, 0) > -1 AND a * -1 < 0 AND a <> - 2 AND a - 1 > 0",
    "s = 'it''s' OR s LIKE 'a\\_%'",
    "a % 2 = 0 AND a BETWEEN -5 AND 5",
    "NOT (a > 0 AND b > 0) OR trim(s) <> ''",
    "flag = true OR coalesce(s, '') <> 'q'",
    "CASE WHEN a > 0 THEN b > 0 ELSE false END",
]


def test_identical_checks_give_no_script(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    metadata = _metadata(
        *[sa.CheckConstraint(text) for text in SPELLINGS],
        *[sa.CheckConstraint(text, name=f"ck_item_{n}") for n, text in enumerate(SPELLINGS)],
        sa.CheckConstraint(sa.column("a") > 3),
        sa.Column("kind", sa.Enum("x", "y", "it's", native_enum=False, create_constraint=True)),
        sa.Column("doc", sa.JSON),
        sa.Column("d", sa.Integer, sa.CheckConstraint("d >= 0")),  # column-level CHECK
        sa.Column("native", sa.Enum("x", "y", name="native_kind")),
        flag=sa.Boolean(create_constraint=True),
    )
    project.create(metadata)
    assert project.diff(metadata) == []
    assert project.revision(metadata) is None


@pytest.mark.backends("postgresql")
def test_postgresql_only_spellings_give_no_script(tmp_path: Path, db_url: str) -> None:
    texts = ["a IS NOT DISTINCT FROM b", "s ~* '^x' OR s || 'x' <> 'y'",
             "d > now() - interval '1 day'", "a <> ALL (ARRAY[1, 2])"]
    project = AlembicProject(tmp_path, db_url)
    metadata = _metadata(sa.Column("d", sa.Date), *[sa.CheckConstraint(text) for text in texts])
    project.create(metadata)
    assert project.diff(metadata) == []


@pytest.mark.backends("mariadb")
def test_mariadb_json_valid_check_is_ignored(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE doc (id INTEGER PRIMARY KEY, body JSON, "
                             "CONSTRAINT body_json CHECK (json_valid(body)))")
        reflected = sa.inspect(conn).get_check_constraints("doc")
    engine.dispose()
    assert [ck["name"] for ck in reflected] == ["body_json"]  # there, and not proposed
    metadata = sa.MetaData()
    sa.Table("doc", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("body", sa.JSON))
    assert [d for d in project.diff(metadata) if "constraint" in d[0]] == []


def test_include_object_and_include_name_are_applied(tmp_path: Path, db_url: str) -> None:
    seen: list[tuple[str, str]] = []

    def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                       compare_to: object) -> bool:
        if type_ == "check_constraint":
            seen.append((str(name), "reflected" if reflected else "model"))
            return name != "ck_item_skip_model"
        return True

    def include_name(name: str | None, type_: str, parents: dict[str, str | None]) -> bool:
        return not (type_ == "check_constraint" and name == "ck_item_skip_db")

    before = _metadata(sa.CheckConstraint("a > 1", name="ck_item_skip_db"),
                       sa.CheckConstraint("a > 2", name="ck_item_gone"))
    after = _metadata(sa.CheckConstraint("a > 3", name="ck_item_skip_model"))
    project = AlembicProject(tmp_path, db_url, options={
        "include_object": include_object, "include_name": include_name})
    project.create(before)
    assert _kinds(project, after) == ["remove_constraint"]
    assert ("ck_item_gone", "reflected") in seen
    assert ("ck_item_skip_model", "model") in seen
    assert all(name != "ck_item_skip_db" for name, _ in seen)


def _statements(project: AlembicProject, metadata: sa.MetaData) -> int:
    count = 0

    def count_statement(*args: object) -> None:
        nonlocal count
        count += 1

    sa.event.listen(project.engine, "before_cursor_execute", count_statement)
    try:
        project.diff(metadata)
    finally:
        sa.event.remove(project.engine, "before_cursor_execute", count_statement)
    return count


def test_catalog_queries_do_not_grow_with_tables(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    # CHECKs and generated columns come from what Alembic already reflected; MariaDB adds one
    # catalog query per run for the CHECKs its reflection misses. Never one per table.
    metadata = sa.MetaData()
    for number in range(12):
        sa.Table(f"t{number}", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("a", sa.Integer), sa.Column("c", sa.Integer,
                                                       sa.Computed("a * 2", persisted=True)),
                 sa.CheckConstraint("a > 0", name=f"ck_pos_{number}"),
                 sa.CheckConstraint("a < 9", name=f"ck_{number}"))
    # "scripts" is off in both: it reads the indexes of every table that has ops (ours
    # included), which is its own cost, not a catalog read of these plugins.
    with_plugins = AlembicProject(tmp_path / "on", db_url, disabled_plugins=("scripts",))
    without = AlembicProject(tmp_path / "off", db_url,
                             disabled_plugins=("checks", "computed", "scripts"))
    with_plugins.create(metadata)
    changed = sa.MetaData()
    for table in metadata.tables.values():
        table.to_metadata(changed).append_constraint(sa.CheckConstraint("a <> 5"))
    extra = 1 if backend == "mariadb" else 0
    assert _statements(with_plugins, changed) == _statements(without, changed) + extra
    assert len([d for d in with_plugins.diff(changed) if d[0] == "add_constraint"]) == 12


@pytest.mark.backends("sqlite")
def test_sqlite_drop_unnamed_check(tmp_path: Path, db_url: str) -> None:
    # SQLite stores no name: the check is named first, then dropped by that name.
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(sa.CheckConstraint("a > 0")), _metadata())
    upgrade, downgrade = rev.text.split("def downgrade")
    name = re.search(r"create_check_constraint\(batch_op\.f\('(ck_item_[0-9a-f]{8})'\), "
                     r"'a > 0'\)", upgrade)
    assert name, upgrade
    assert f"drop_constraint(batch_op.f('{name.group(1)}'), type_='check')" in upgrade
    assert f"create_check_constraint(batch_op.f('{name.group(1)}'), 'a > 0')" in downgrade


@pytest.mark.backends("sqlite")
def test_sqlite_unnamed_checks_survive_the_recreate(tmp_path: Path, db_url: str) -> None:
    # Adding one CHECK recreates the table; the unnamed ones the model keeps (a type's
    # CHECK included) are restated under a name instead of being lost.
    before = _metadata(sa.CheckConstraint("a > 0"), flag=sa.Boolean(create_constraint=True))
    after = _metadata(sa.CheckConstraint("a > 0"), sa.CheckConstraint("b > 0", name="ck_b"),
                      flag=sa.Boolean(create_constraint=True))
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(before, after)
    upgrade, downgrade = rev.text.split("def downgrade")
    assert re.search(r"create_check_constraint\(batch_op\.f\('ck_item_[0-9a-f]{8}'\), "
                     r"'a > 0'\)", upgrade)
    assert re.search(r"create_check_constraint\(batch_op\.f\('ck_item_[0-9a-f]{8}'\), "
                     r"'flag IN \(0, 1\)'\)", upgrade)
    assert "drop_constraint('ck_b', type_='check')" in downgrade
    assert downgrade.count("stays") == 2
    with project.engine.connect() as conn:
        texts = sorted(ck["sqltext"] for ck in sa.inspect(conn).get_check_constraints("item"))
    assert texts == ["a > 0", "flag IN (0, 1)"]


@pytest.mark.backends("sqlite")
def test_sqlite_changed_unnamed_check(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(sa.CheckConstraint("a > 0")),
                             _metadata(sa.CheckConstraint("a > 10")))
    assert "'a > 10')" in rev.text.split("def downgrade")[0]


@pytest.mark.backends("mariadb")
def test_mariadb_column_level_check_is_seen_not_dropped(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # MariaDB's column-level CHECKs escape reflection; ours reads them from the catalog, so
    # they match the model, and removing one is reported instead of a script that would fail.
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(sa.Column("d", sa.Integer, sa.CheckConstraint("d >= 0"))))
    assert project.diff(_metadata(sa.Column("d", sa.Integer, sa.CheckConstraint("d >= 0")))) == []
    assert project.diff(_metadata(sa.Column("d", sa.Integer))) == []
    assert "Cannot drop column-level check constraint" in caplog.text


@pytest.mark.backends("postgresql", "mariadb")
def test_without_batch_mode(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, options={"render_as_batch": False})
    rev = project.round_trip(_metadata(sa.CheckConstraint("a > 0", name="ck_item_a")),
                             _metadata(sa.CheckConstraint("a > 10", name="ck_item_a")))
    upgrade = rev.text.split("def downgrade")[0]
    # One name, spelled the same way in the drop and in the create that replaces it.
    assert upgrade.index("op.drop_constraint('ck_item_a', 'item', type_='check')") < (
        upgrade.index("op.create_check_constraint('ck_item_a', 'item', 'a > 10')"))
    assert "op.f('ck_item_a')" not in upgrade


@pytest.mark.backends("sqlite")
def test_sqlite_restated_check_takes_the_model_name(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(sa.CheckConstraint("a > 0")))
    rev = project.revision(_metadata(sa.CheckConstraint("a > 0", name="ck_item_pos"),
                                     sa.CheckConstraint("b > 0", name="ck_item_b")))
    assert rev is not None
    assert "create_check_constraint('ck_item_pos', 'a > 0')" in rev.text
    project.upgrade()
    assert project.diff(_metadata(sa.CheckConstraint("a > 0", name="ck_item_pos"),
                                  sa.CheckConstraint("b > 0", name="ck_item_b"))) == []


@pytest.mark.backends("sqlite")
def test_sqlite_unnamed_checks_survive_a_column_change(tmp_path: Path, db_url: str) -> None:
    # Not our op, but our CHECKs: a type change recreates the table, so the unnamed CHECKs
    # are restated under a name in the same batch block.
    def metadata(s_type: sa.types.TypeEngine) -> sa.MetaData:
        metadata = _metadata(sa.CheckConstraint("a > 0"), flag=sa.Boolean(create_constraint=True))
        metadata.tables["item"].c.s.type = s_type
        return metadata

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(metadata(sa.String(20)), metadata(sa.String(40)))
    assert "type_=sa.String(length=40)" in rev.text
    assert "'flag IN (0, 1)')" in rev.text and "'a > 0')" in rev.text


def test_percent_signs_reach_the_database_unescaped(tmp_path: Path, db_url: str) -> None:
    # Alembic's own rendering doubles "%" for the DBAPI, and the server then stores "%%".
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _metadata(sa.CheckConstraint("s NOT LIKE 'y%'", name="ck_item_y")),
        _metadata(sa.CheckConstraint("s LIKE 'x%'", name="ck_item_x"),
                  sa.CheckConstraint(sa.column("s") != sa.literal("a%b"), name="ck_item_ab")),
    )
    assert "%%" not in rev.text
    assert "'x%'" in rev.text and "'a%b'" in rev.text and "'y%'" in rev.text


# -- CHECK text that names its own table -----------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("(Item.a_id IS NOT NULL)::int + (Item.b_id IS NOT NULL)::int = 1",
     "(a_id IS NOT NULL)::int + (b_id IS NOT NULL)::int = 1"),
    ('"item".a > 0', "a > 0"),
    ('"Item" . "a" > 0', '"a" > 0'),
    ("`item`.a > 0", "a > 0"),
    ("ITEM.a + item.b > 0", "a + b > 0"),
    ("public.item.a > 0", "a > 0"),
    # not its own table, or not a qualifier: left alone
    ("items.a > 0 AND myitem.a > 0 AND item_x.a > 0",
     "items.a > 0 AND myitem.a > 0 AND item_x.a > 0"),
    ("other.a > 0", "other.a > 0"),
    ("a > 1.5", "a > 1.5"),
    # string literals are not SQL to rewrite
    ("s <> 'item.a' AND item.s <> 'x''item.b'", "s <> 'item.a' AND s <> 'x''item.b'"),
])
def test_own_table_qualifier_is_taken_off(text: str, expected: str) -> None:
    assert normalize_sql(text, "postgresql", table="item") == normalize_sql(expected,
                                                                             "postgresql")


def test_own_table_qualifier_in_mysql_strings_with_backslashes() -> None:
    # In MySQL a backslash escapes the quote, so the string goes on past it.
    assert normalize_sql(r"s <> 'it\'s item.a' AND item.a > 0", "mariadb", table="item") == (
        normalize_sql(r"s <> 'it\'s item.a' AND a > 0", "mariadb"))
    assert normalize_sql(r"s <> 'x\' AND item.a > 0", "postgresql", table="item") == (
        normalize_sql(r"s <> 'x\' AND a > 0", "postgresql"))


#: Texts naming the table, as each server accepts them; both store them without it.
OWN_TABLE_TEXTS = {
    "postgresql": ["(Item.a IS NOT NULL)::int + (Item.b IS NOT NULL)::int = 1",
                   '"item".a > 0', "public.item.b < 9"],
    "mariadb": ["item.a > 0", "`item`.b < 9"],
}


@pytest.mark.backends("postgresql", "mariadb")  # SQLite keeps the text as written
def test_check_naming_its_own_table_gives_no_script(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    texts = OWN_TABLE_TEXTS[backend]
    after = _metadata(*[sa.CheckConstraint(text, name=f"ck_item_own_{n}")
                        for n, text in enumerate(texts)],
                      sa.CheckConstraint(texts[0]))
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(), after)
    for text in texts:
        assert repr(text) in rev.text
    project.upgrade()
    assert project.revision(after) is None


# -- CHECKs declared on a column --------------------------------------------------------------

def _service(*columns: sa.Column[Any], convention: dict[str, str] | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=convention) if convention else sa.MetaData()
    sa.Table("service", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("host", sa.String(40)), *columns)
    return metadata


def _port() -> sa.Column[int]:
    return sa.Column("port", sa.Integer, sa.CheckConstraint("port >= 1 AND port <= 65534"))


def _built_checks(engine: sa.Engine, table: str) -> list[tuple[Any, ...]]:
    """The CHECKs of ``table`` as the database reports them (MariaDB: from its catalog, which
    also says whether each is declared on a column)."""
    with engine.connect() as conn:
        if engine.dialect.name in ("mysql", "mariadb"):
            return sorted(tuple(row) for row in conn.exec_driver_sql(
                "SELECT CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL FROM information_schema"
                ".CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = %s",
                (table,)))
        return sorted((ck["name"] or "", ck["sqltext"])
                      for ck in sa.inspect(conn).get_check_constraints(table))


def _as_create_all_builds(project: AlembicProject, metadata: sa.MetaData) -> None:
    """The upgraded database has the CHECKs ``create_all`` makes, under the same names."""
    built = _built_checks(project.engine, "service")
    project.downgrade()
    with project.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE service")
    metadata.create_all(project.engine)
    assert built == _built_checks(project.engine, "service")


def test_column_check_in_create_table(tmp_path: Path, db_url: str, backend: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    keep = sa.MetaData()
    sa.Table("keep", keep, sa.Column("id", sa.Integer, primary_key=True))
    after = _service(_port())
    sa.Table("keep", after, sa.Column("id", sa.Integer, primary_key=True))
    rev = project.round_trip(keep, after)
    assert ("sa.Column('port', sa.Integer(), "
            "sa.CheckConstraint('port >= 1 AND port <= 65534'), nullable=True)") in rev.text
    assert "check_constraint" not in rev.text
    project.upgrade()
    names = {"postgresql": "service_port_check", "mariadb": "port", "sqlite": ""}
    assert _built_checks(project.engine, "service")[0][0] == names[backend]
    assert project.revision(after) is None


def test_column_check_in_add_column(tmp_path: Path, db_url: str, backend: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_service(), _service(_port()))
    assert ("batch_op.add_column(sa.Column('port', sa.Integer(), "
            "sa.CheckConstraint('port >= 1 AND port <= 65534'), nullable=True))") in rev.text
    assert "check_constraint" not in rev.text
    project.upgrade()
    _as_create_all_builds(project, _service(_port()))


@pytest.mark.backends("postgresql", "sqlite")  # MariaDB names no column-level CHECK
def test_named_column_check_in_add_column(tmp_path: Path, db_url: str) -> None:
    # The downgrade drops it by name first: a SQLite rebuild would keep it, on a column
    # that is gone.
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_service(), _service(_named_port()))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert ("sa.Column('port', sa.Integer(), sa.CheckConstraint('port > 0', "
            "name='port_positive'), nullable=True)") in upgrade
    assert "# check constraint port_positive is created with column port" in upgrade
    assert downgrade.index("drop_constraint('port_positive', type_='check')") < (
        downgrade.index("drop_column('port')"))
    project.upgrade()
    _as_create_all_builds(project, _service(_named_port()))


def _named_port() -> sa.Column[int]:
    return sa.Column("port", sa.Integer, sa.CheckConstraint("port > 0", name="port_positive"))


@pytest.mark.backends("sqlite")
def test_sqlite_named_column_check_is_added_in_place(tmp_path: Path, db_url: str) -> None:
    # The comment line runs nothing: the block stays an ALTER TABLE, and the unnamed CHECK
    # already there needs no name. (Upgrade only: the downgrade's drop_column rebuilds the
    # table, which loses unnamed CHECKs whatever the upgrade was.)
    def metadata(*columns: sa.Column[Any]) -> sa.MetaData:
        return _service(*columns, sa.CheckConstraint("length(host) > 2"))

    project = AlembicProject(tmp_path, db_url)
    project.create(metadata())
    rev = project.revision(metadata(_named_port()))
    assert rev is not None and "create_check_constraint" not in rev.text
    project.upgrade()
    assert project.diff(metadata(_named_port())) == []


@pytest.mark.backends("postgresql", "sqlite")  # MariaDB names no column-level CHECK
def test_column_check_named_by_the_convention(tmp_path: Path, db_url: str) -> None:
    convention = {"ck": "ck_%(table_name)s_%(constraint_name)s"}

    def total() -> sa.Column[int]:
        return sa.Column("total", sa.Integer, sa.CheckConstraint("total >= 0", name="total"))

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_service(convention=convention),
                             _service(total(), convention=convention))
    assert ("sa.Column('total', sa.Integer(), sa.CheckConstraint('total >= 0', "
            "name=batch_op.f('ck_service_total')), nullable=True)") in rev.text
    project.upgrade()
    _as_create_all_builds(project, _service(total(), convention=convention))


@pytest.mark.backends("postgresql")  # SQLite misreads a generated column followed by a CHECK
def test_column_check_after_a_generated_column_clause(tmp_path: Path, db_url: str) -> None:
    def columns() -> list[sa.Column[Any]]:
        return [sa.Column("amount", sa.Integer),
                sa.Column("total", sa.Integer, sa.Computed("amount * 2", persisted=True),
                          sa.CheckConstraint("total >= 0"))]

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_service(), _service(*columns()))
    assert ("sa.Column('total', sa.Integer(), sa.Computed('amount * 2', persisted=True), "
            "sa.CheckConstraint('total >= 0'), nullable=True)") in rev.text
    project.upgrade()
    _as_create_all_builds(project, _service(*columns()))


def test_column_check_written_with_the_column_text_alembic_writes() -> None:
    # A type written with a trailing comment, a name outside ASCII: the CHECK still lands
    # after the last positional argument, and the text still compiles.
    class Stored(sa.types.TypeDecorator[str]):
        impl = sa.String(10)
        cache_ok = True

    metadata = sa.MetaData()
    table = sa.Table("prix", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("é", Stored(), sa.CheckConstraint("length(é) > 1"),
                               server_default="ab", comment="x"))
    context = MigrationContext.configure(dialect_name="postgresql")
    text = render_python_code(ops.UpgradeOps([ops.CreateTableOp.from_table(table)]),
                              render_item=render_item, migration_context=context)
    compile("def upgrade():\n    " + text, "script", "exec")
    assert re.search(r"sa\.Column\('é', sa\.String\(length=10\), "
                     r"sa\.CheckConstraint\('length\(é\) > 1'\)  # model type: [^\n]*\n\s*, "
                     r"server_default='ab', nullable=True, comment='x'\)", text), text


# -- CHECKs a type makes, on a column added in the same run -----------------------------------

def _typed(named: bool) -> list[sa.Column[Any]]:
    return [
        sa.Column("kind", sa.Enum("tcp", "udp", name="ck_service_kind" if named else None,
                                  native_enum=False, create_constraint=True)),
        sa.Column("active", sa.Boolean(create_constraint=True,
                                       name="ck_service_active" if named else None)),
    ]


@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
def test_type_check_of_an_added_column_is_made_once(
    tmp_path: Path, db_url: str, named: bool
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_service(), _service(*_typed(named)))
    upgrade = rev.text.split("def downgrade")[0]
    assert "create_check_constraint" not in upgrade
    assert ("# check constraint ck_service_kind is created with column kind" in upgrade) is named
    project.upgrade()
    _as_create_all_builds(project, _service(*_typed(named)))


@pytest.mark.backends("sqlite")
def test_sqlite_type_check_of_an_added_column_rebuilds_and_keeps_unnamed_checks(
    tmp_path: Path, db_url: str
) -> None:
    # add_column adds the type's CHECK as a constraint of its own: SQLite's batch block
    # rebuilds the table for it, so the unnamed CHECK already there is restated first.
    def metadata(*columns: sa.Column[Any]) -> sa.MetaData:
        return _service(*columns, sa.CheckConstraint("length(host) > 2"))

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(metadata(), metadata(*_typed(named=False)))
    assert re.search(r"create_check_constraint\(batch_op\.f\('ck_service_[0-9a-f]{8}'\), "
                     r"'length\(host\) > 2'\)", rev.text), rev.text


# -- plain Alembic: produce_migrations with a plugin list, no hooks of ours --------------------

def _plain_autogenerate(url: str, metadata: sa.MetaData, plugins: list[str]) -> ops.MigrationScript:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "target_metadata": metadata, "autogenerate_plugins": plugins,
            "render_as_batch": True})
        return produce_migrations(context, metadata)


def _plain_run(url: str, directive: ops.UpgradeOps | ops.DowngradeOps) -> str:
    """Render ``directive`` as Alembic alone does, run it on the database, return its text."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        context = MigrationContext.configure(connection)
        text = render_python_code(directive, render_as_batch=True, migration_context=context)
        with Operations.context(context):
            exec("def run():\n    " + text + "\n    pass\nrun()", {"op": op, "sa": sa})
    return text


def _plain_round_trip(
    url: str, before: sa.MetaData, after: sa.MetaData, plugins: list[str]
) -> str:
    """``round_trip`` in plain Alembic terms; returns the upgrade text."""
    before.create_all(sa.create_engine(url, poolclass=sa.pool.NullPool))
    script = _plain_autogenerate(url, after, plugins)
    assert not script.upgrade_ops.is_empty(), "autogenerate found no change"
    upgrade = _plain_run(url, script.upgrade_ops)
    assert _plain_autogenerate(url, after, plugins).upgrade_ops.as_diffs() == [], (
        "second autogenerate after upgrade is not empty")
    _plain_run(url, script.downgrade_ops)
    assert _plain_autogenerate(url, before, plugins).upgrade_ops.as_diffs() == [], (
        "autogenerate after downgrade does not match A")
    return upgrade


OURS = ["alembic.autogenerate.*", "flask_migrate_plus.*"]
WITH_ALEMBIC_CHECKS = ["alembic.autogenerate.*", "alembic.ext.checkconstraint_byname",
                       "flask_migrate_plus.*"]


@pytest.mark.parametrize("named", [True, False], ids=["named", "unnamed"])
def test_plain_alembic_type_check_of_an_added_column(db_url: str, named: bool) -> None:
    upgrade = _plain_round_trip(db_url, _service(), _service(*_typed(named)), OURS)
    assert "create_check_constraint" not in upgrade


def _changed_added_dropped() -> tuple[sa.MetaData, sa.MetaData]:
    return (_service(sa.CheckConstraint("length(host) > 0", name="ck_host"),
                     sa.CheckConstraint("length(host) < 30", name="ck_gone")),
            _service(sa.CheckConstraint("length(host) > 3", name="ck_host"),
                     sa.CheckConstraint("length(host) < 40", name="ck_new")))


def _each_once(upgrade: str) -> None:
    for kind, name in [("create_check_constraint", "ck_host"), ("drop_constraint", "ck_host"),
                       ("create_check_constraint", "ck_new"), ("drop_constraint", "ck_gone")]:
        assert len(re.findall(rf"{kind}\((batch_op\.f\()?'{name}'", upgrade)) == 1, upgrade


def test_plain_alembic_with_alembic_check_plugin_compares_each_check_once(db_url: str) -> None:
    _each_once(_plain_round_trip(db_url, *_changed_added_dropped(), WITH_ALEMBIC_CHECKS))


def test_alembic_check_plugin_alone_still_runs(db_url: str) -> None:
    # Ours stands aside only while it is on; without it, Alembic's plugin compares.
    metadata = _service()
    metadata.create_all(sa.create_engine(db_url, poolclass=sa.pool.NullPool))
    after = _service(sa.CheckConstraint("length(host) > 3", name="ck_host"))
    plugins = [*WITH_ALEMBIC_CHECKS, "~flask_migrate_plus.checks"]
    diffs = _plain_autogenerate(db_url, after, plugins).upgrade_ops.as_diffs()
    assert [diff[0] for diff in diffs] == ["add_constraint"]


def test_with_alembic_check_plugin_in_a_flask_migrate_project(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url,
                             options={"autogenerate_plugins": WITH_ALEMBIC_CHECKS})
    _each_once(project.round_trip(*_changed_added_dropped()).text.split("def downgrade")[0])


# -- a dialect that cannot reflect CHECKs ------------------------------------------------------

class SQLiteWithoutCheckReflection(SQLiteDialect_pysqlite):
    """SQLite as a dialect that does not implement CHECK reflection sees it."""

    supports_statement_cache = True

    def get_check_constraints(self, connection: Any, table_name: str,
                              schema: str | None = None, **kw: Any) -> Any:
        raise NotImplementedError()


sa.dialects.registry.register("sqlite.nocheckreflection", __name__,
                              "SQLiteWithoutCheckReflection")


def _without_check_reflection(tmp_path: Path) -> str:
    return f"sqlite+nocheckreflection:///{tmp_path / 'app.db'}"


def _checked(*columns: sa.Column[Any]) -> sa.MetaData:
    return _service(*columns, sa.CheckConstraint("length(host) > 2", name="ck_host"),
                    sa.CheckConstraint("length(host) < 30"))


@pytest.mark.backends("sqlite")
def test_checks_not_compared_where_the_dialect_cannot_reflect_them(
    tmp_path: Path, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = _without_check_reflection(tmp_path)
    project = AlembicProject(tmp_path, url)
    with project.engine.connect() as conn:
        with pytest.raises(NotImplementedError):
            sa.inspect(conn).get_check_constraints("service")
    rev = project.round_trip(_checked(), _checked(sa.Column("port", sa.Integer)))
    assert "check_constraint" not in rev.text
    assert "CHECK constraints cannot be reflected" in caplog.text


@pytest.mark.backends("sqlite")
def test_plain_alembic_where_the_dialect_cannot_reflect_checks(
    tmp_path: Path, backend: str
) -> None:
    upgrade = _plain_round_trip(_without_check_reflection(tmp_path), _checked(),
                                _checked(sa.Column("port", sa.Integer)), OURS)
    assert "check_constraint" not in upgrade and "add_column" in upgrade
