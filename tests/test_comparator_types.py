"""The ``flask_migrate_plus.types`` comparator on real databases.

Spellings the database stores as one type give no script; changes Alembic used to miss
(unsigned, fractional seconds, collation) round-trip; PostgreSQL type changes across families
carry a cast both ways; Alembic's own detections still happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy_utils as su
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.ext.compiler import compiles, deregister

from backends import fresh_database, selected_backends
from harness import AlembicProject

ColumnFactory = Callable[[], sa.Column[Any]]


def _metadata(*columns: sa.Column[Any]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    return metadata


def op_kinds(diff: list[Any]) -> list[str]:
    """Alembic's diff entries are tuples, or lists of tuples for one column's changes."""
    return [item[0] for entry in diff for item in (entry if isinstance(entry, list) else [entry])]


class PackedId(sa.TypeDecorator[bytes]):
    """An application type whose storage differs per dialect, like sqlalchemy-utils' UUIDType."""

    impl = sa.LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.BYTEA())
        return dialect.type_descriptor(sa.BINARY(12))


def _common_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("flag", sa.Boolean),
        sa.Column("small", sa.SmallInteger),
        sa.Column("big", sa.BigInteger),
        sa.Column("real", sa.Float),
        sa.Column("double", sa.Float(53)),
        sa.Column("dbl", sa.Double),
        sa.Column("money", sa.Numeric(10, 2)),
        sa.Column("name", sa.String(50)),
        sa.Column("code", sa.CHAR(10)),
        sa.Column("body", sa.Text),
        sa.Column("title", sa.Unicode(50)),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("small_blob", sa.LargeBinary(100)),
        sa.Column("mid_blob", sa.LargeBinary(70000)),
        sa.Column("day", sa.Date),
        sa.Column("at", sa.DateTime),
        sa.Column("at_tz", sa.DateTime(timezone=True)),
        sa.Column("clock", sa.Time),
        sa.Column("doc", sa.JSON),
        sa.Column("kind", sa.Enum("a", "b", name="kind_enum")),
        sa.Column("kind_str", sa.Enum("a", "b", native_enum=False)),
        sa.Column("uid", sa.Uuid),
        sa.Column("uid_str", sa.Uuid(native_uuid=False)),
        sa.Column("su_uuid_bin", su.UUIDType(binary=True)),
        sa.Column("su_uuid_str", su.UUIDType(binary=False)),
        sa.Column("su_email", su.EmailType),
        sa.Column("su_choice", su.ChoiceType([("a", "A")])),
        sa.Column("packed", PackedId),
        sa.Column("variant", sa.Integer().with_variant(mysql.INTEGER(unsigned=True), "mysql",
                                                        "mariadb")),
    ]


def _dialect_columns(backend: str) -> list[sa.Column[Any]]:
    if backend == "postgresql":
        return [
            sa.Column("c_name", sa.String(50, collation="C")),
            sa.Column("default_named", sa.String(50, collation="default")),
            sa.Column("tags", postgresql.ARRAY(sa.String(20))),
            sa.Column("docb", postgresql.JSONB),
            sa.Column("ip", postgresql.INET),
            sa.Column("ts3", postgresql.TIMESTAMP(precision=3)),
        ]
    if backend == "mariadb":
        return [
            sa.Column("bin_name", sa.String(50, collation="utf8mb4_bin")),
            sa.Column("default_named", sa.String(50, collation="utf8mb4_general_ci")),
            sa.Column("latin", mysql.VARCHAR(50, charset="latin1")),
            sa.Column("both", mysql.VARCHAR(50, charset="utf8mb4", collation="utf8mb4_bin")),
            sa.Column("natl", sa.NVARCHAR(20)),
            sa.Column("natl_char", sa.NCHAR(5)),
            sa.Column("unsigned", mysql.INTEGER(unsigned=True)),
            sa.Column("zero", mysql.INTEGER(zerofill=True)),
            sa.Column("fsp", mysql.DATETIME(fsp=6)),
            sa.Column("ts3", mysql.TIMESTAMP(fsp=3), nullable=True),
            sa.Column("tiny", mysql.TINYINT(4)),
            sa.Column("bit", mysql.BIT(1)),
            sa.Column("long_blob", sa.LargeBinary(20_000_000)),
            sa.Column("year", mysql.YEAR),
        ]
    return [sa.Column("nocase", sa.String(20, collation="NOCASE"))]


def test_common_types_give_no_script(tmp_path: Path, db_url: str, backend: str) -> None:
    def models() -> sa.MetaData:
        return _metadata(*_common_columns(), *_dialect_columns(backend))

    project = AlembicProject(tmp_path, db_url)
    project.create(models())
    assert project.diff(models()) == []
    assert project.revision(models()) is None


@pytest.mark.backends("mariadb")
def test_mariadb_bit_column_matches_boolean_model(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    with project.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, c BIT(1))")
    assert project.diff(_metadata(sa.Column("c", sa.Boolean))) == []
    # ... while a real change next to it is still found
    assert op_kinds(project.diff(_metadata(sa.Column("c", sa.Integer)))) == ["modify_type"]


# -- changes Alembic misses, round trip ------------------------------------------------------

MISSED: dict[str, tuple[tuple[str, ...], ColumnFactory, ColumnFactory, str]] = {
    "unsigned": (
        ("mariadb",),
        lambda: sa.Column("c", sa.Integer),
        lambda: sa.Column("c", mysql.INTEGER(unsigned=True)),
        "type_=mysql.INTEGER(unsigned=True)",
    ),
    "datetime_fsp": (
        ("mariadb",),
        lambda: sa.Column("c", sa.DateTime),
        lambda: sa.Column("c", mysql.DATETIME(fsp=6)),
        "type_=mysql.DATETIME(fsp=6)",
    ),
    "time_fsp": (
        ("mariadb",),
        lambda: sa.Column("c", mysql.TIME(fsp=3)),
        lambda: sa.Column("c", sa.Time),
        "type_=sa.Time()",
    ),
    "timestamp_fsp": (
        ("mariadb",),
        lambda: sa.Column("c", mysql.TIMESTAMP, nullable=True),
        lambda: sa.Column("c", mysql.TIMESTAMP(fsp=3), nullable=True),
        "type_=mysql.TIMESTAMP(fsp=3)",
    ),
    "mariadb_collation_added": (
        ("mariadb",),
        lambda: sa.Column("c", sa.String(50)),
        lambda: sa.Column("c", sa.String(50, collation="utf8mb4_bin")),
        "collation='utf8mb4_bin'",
    ),
    "mariadb_collation_changed": (
        ("mariadb",),
        lambda: sa.Column("c", sa.String(50, collation="utf8mb4_bin")),
        lambda: sa.Column("c", sa.String(50, collation="utf8mb4_unicode_ci")),
        "collation='utf8mb4_unicode_ci'",
    ),
    "pg_collation_added": (
        ("postgresql",),
        lambda: sa.Column("c", sa.String(50)),
        lambda: sa.Column("c", sa.String(50, collation="C")),
        "collation='C'",
    ),
    "pg_timestamp_precision": (
        ("postgresql",),
        lambda: sa.Column("c", sa.DateTime),
        lambda: sa.Column("c", postgresql.TIMESTAMP(precision=3)),
        "type_=postgresql.TIMESTAMP(precision=3)",
    ),
    "pg_collation_removed": (
        ("postgresql",),
        lambda: sa.Column("c", sa.Text(collation="POSIX")),
        lambda: sa.Column("c", sa.Text),
        "type_=sa.Text()",
    ),
}


def _missed_change_round_trip(tmp_path: Path, db_url: str, case: str) -> None:
    _, before, after, rendered = MISSED[case]
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(before()))
    assert op_kinds(project.diff(_metadata(after()))) == ["modify_type"]
    rev = project.round_trip(_metadata(before()), _metadata(after()))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert rendered in upgrade
    assert "alter_column('c'" in downgrade


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("case", sorted(c for c in MISSED if "mariadb" in MISSED[c][0]))
def test_mariadb_missed_change_round_trip(tmp_path: Path, db_url: str, case: str) -> None:
    _missed_change_round_trip(tmp_path, db_url, case)


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("case", sorted(c for c in MISSED if "postgresql" in MISSED[c][0]))
def test_postgresql_missed_change_round_trip(tmp_path: Path, db_url: str, case: str) -> None:
    _missed_change_round_trip(tmp_path, db_url, case)


# -- PostgreSQL casts ------------------------------------------------------------------------

def _with_enum(column: sa.Column[Any]) -> sa.MetaData:
    # a second column keeps the enum type alive in both states
    return _metadata(column, sa.Column("keep", sa.Enum("a", "b", name="mood")))


CASTS: dict[str, tuple[ColumnFactory, ColumnFactory, Any, str, str]] = {
    "bool_to_int": (lambda: sa.Column("c", sa.Boolean), lambda: sa.Column("c", sa.Integer),
                    True, "'c::INTEGER'", "'c::BOOLEAN'"),
    "int_to_bool": (lambda: sa.Column("c", sa.Integer), lambda: sa.Column("c", sa.Boolean),
                    1, "'c::BOOLEAN'", "'c::INTEGER'"),
    "bool_to_smallint": (lambda: sa.Column("c", sa.Boolean),
                         lambda: sa.Column("c", sa.SmallInteger),
                         False, "'c::integer::SMALLINT'", "'c::integer::BOOLEAN'"),
    "char_to_uuid": (lambda: sa.Column("c", sa.CHAR(32)), lambda: sa.Column("c", sa.Uuid),
                     "0123456789abcdef0123456789abcdef", "'c::UUID'",
                     # the dashed text (36 characters) would be cut to 32
                     "\"replace(c::text, '-', '')::CHAR(32)\""),
    "text_to_int": (lambda: sa.Column("c", sa.Text), lambda: sa.Column("c", sa.Integer),
                    "42", "'c::INTEGER'", "'c::TEXT'"),
    "text_to_enum": (lambda: sa.Column("c", sa.Text),
                     lambda: sa.Column("c", sa.Enum("a", "b", name="mood")),
                     "b", "'c::mood'", "'c::TEXT'"),
}


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("case", sorted(CASTS))
def test_postgresql_cross_family_change_casts_both_ways(
    tmp_path: Path, db_url: str, case: str
) -> None:
    before, after, value, using, using_back = CASTS[case]
    project = AlembicProject(tmp_path, db_url)
    metadata_a, metadata_b = _with_enum(before()), _with_enum(after())
    project.create(metadata_a)
    with project.engine.begin() as conn:
        conn.execute(metadata_a.tables["t"].insert(), {"id": 1, "c": value})
    assert op_kinds(project.diff(metadata_b)) == ["modify_type"]
    rev = project.round_trip(metadata_a, metadata_b)
    upgrade, downgrade = rev.text.split("def downgrade")
    assert f"postgresql_using={using}" in upgrade
    assert f"postgresql_using={using_back}" in downgrade
    with project.engine.connect() as conn:  # back to the first state, the value intact
        assert conn.execute(sa.text("SELECT c FROM t")).scalar() == value


@pytest.mark.backends("postgresql")
def test_postgresql_cast_with_changed_server_default(tmp_path: Path, db_url: str) -> None:
    # a boolean default cannot be cast to integer either: drop it, cast, set the new one
    before = _metadata(sa.Column("c", sa.Boolean, server_default=sa.true(), nullable=False))
    after = _metadata(sa.Column("c", sa.Integer, server_default=sa.text("1"), nullable=False))
    project = AlembicProject(tmp_path, db_url)
    project.create(before)
    assert op_kinds(project.diff(after)) == ["modify_default", "modify_type", "modify_default"]
    rev = project.round_trip(before, after)
    upgrade, downgrade = rev.text.split("def downgrade")
    assert upgrade.index("server_default=None") < upgrade.index("postgresql_using='c::INTEGER'")
    assert upgrade.index("postgresql_using") < upgrade.index("server_default=sa.text('1')")
    assert downgrade.index("server_default=None") < downgrade.index("postgresql_using")
    assert downgrade.index("postgresql_using='c::BOOLEAN'") < downgrade.index(
        "server_default=sa.text('true')")


@pytest.mark.backends("postgresql")
def test_postgresql_cast_keeps_unchanged_server_default(tmp_path: Path, db_url: str) -> None:
    # '42' is the same default for text and integer, so it is set again after the cast
    before = _metadata(sa.Column("c", sa.Text, server_default="42"))
    after = _metadata(sa.Column("c", sa.Integer, server_default="42"))
    rev = AlembicProject(tmp_path, db_url).round_trip(before, after)
    upgrade, downgrade = rev.text.split("def downgrade")
    assert upgrade.count("server_default=") == 2 and "server_default='42'" in upgrade
    assert "postgresql_using='c::TEXT'" in downgrade


@pytest.mark.backends("postgresql")
def test_postgresql_cast_quotes_the_column_name(tmp_path: Path, db_url: str) -> None:
    rev = AlembicProject(tmp_path, db_url).round_trip(
        _metadata(sa.Column("Is Active", sa.Boolean)),
        _metadata(sa.Column("Is Active", sa.Integer)),
    )
    assert """postgresql_using='"Is Active"::INTEGER'""" in rev.text


@pytest.mark.backends("postgresql")
def test_postgresql_same_family_change_has_no_cast(tmp_path: Path, db_url: str) -> None:
    rev = AlembicProject(tmp_path, db_url).round_trip(
        _metadata(sa.Column("c", sa.Integer)), _metadata(sa.Column("c", sa.BigInteger))
    )
    assert "type_=sa.BigInteger()" in rev.text
    assert "postgresql_using" not in rev.text


# -- Alembic's own detections are kept -------------------------------------------------------

KEPT: dict[str, tuple[ColumnFactory, ColumnFactory, str]] = {
    "longer_string": (lambda: sa.Column("c", sa.String(50)),
                      lambda: sa.Column("c", sa.String(100)), "type_=sa.String(length=100)"),
    "wider_integer": (lambda: sa.Column("c", sa.Integer),
                      lambda: sa.Column("c", sa.BigInteger), "type_=sa.BigInteger()"),
    "numeric_scale": (lambda: sa.Column("c", sa.Numeric(10, 2)),
                      lambda: sa.Column("c", sa.Numeric(10, 4)),
                      "type_=sa.Numeric(precision=10, scale=4)"),
    "text_to_string": (lambda: sa.Column("c", sa.Text),
                       lambda: sa.Column("c", sa.String(200)), "type_=sa.String(length=200)"),
}


@pytest.mark.parametrize("case", sorted(KEPT))
def test_builtin_detection_kept(tmp_path: Path, db_url: str, case: str) -> None:
    before, after, rendered = KEPT[case]
    rev = AlembicProject(tmp_path, db_url).round_trip(
        _metadata(before()), _metadata(after())
    )
    assert rendered in rev.text.split("def downgrade")[0]


@pytest.mark.backends("mariadb")
def test_user_callable_none_falls_through_to_us(tmp_path: Path, db_url: str) -> None:
    seen: list[str] = []

    def rule(context: Any, conn_col: Any, model_col: Any, *types: Any) -> bool | None:
        seen.append(model_col.name)
        return None

    project = AlembicProject(tmp_path, db_url, options={"compare_type": rule})
    project.create(_metadata(sa.Column("c", sa.Integer)))
    diff = project.diff(_metadata(sa.Column("c", mysql.INTEGER(unsigned=True))))
    assert op_kinds(diff) == ["modify_type"]
    assert "c" in seen


def test_user_setting_false_turns_comparison_off(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, options={"compare_type": False})
    project.create(_metadata(sa.Column("c", sa.String(50))))
    assert project.diff(_metadata(sa.Column("c", sa.String(100)))) == []


@pytest.mark.backends("mariadb")
def test_mariadb_scheme_gets_the_same_rules(tmp_path: Path, db_url: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    # mariadb+pymysql:// makes the dialect "mariadb" instead of "mysql"
    url = db_url.replace("mysql+pymysql://", "mariadb+pymysql://")
    project = AlembicProject(tmp_path, url)
    assert project.engine.dialect.name == "mariadb"
    models = _metadata(*_common_columns(), *_dialect_columns("mariadb"),
                       sa.Column("c", sa.Integer))
    project.create(models)
    assert project.diff(models) == []
    models.tables["t"].c.c.type = mysql.INTEGER(unsigned=True)
    with caplog.at_level(logging.INFO):
        assert op_kinds(project.diff(models)) == ["modify_type"]
    assert any(m.startswith("Detected type change") and "'t.c' (unsigned)" in m
               for m in caplog.messages)


# -- types the application compiles itself ---------------------------------------------------

@contextmanager
def compiled_as(cls: type[Any], ddl: Callable[[Any], str], *dialects: str) -> Iterator[None]:
    """``@compiles(cls, *dialects)`` for one test: the registration is process-wide, so it is
    removed again afterwards (the class must not have been taken over before)."""
    assert "_compiler_dispatcher" not in cls.__dict__, f"{cls.__name__} is compiled elsewhere"

    def compile_type(type_: Any, compiler: Any, **kw: Any) -> str:
        return ddl(type_)

    compiles(cls, *dialects)(compile_type)
    try:
        yield
    finally:
        deregister(cls)


#: Case -> (backends, class taken over, its DDL per dialect name, the model column).
COMPILED: dict[str, tuple[tuple[str, ...], type[Any], dict[str, Callable[[Any], str]],
                          ColumnFactory]] = {
    "datetime_fsp": (
        ("sqlite", "postgresql", "mariadb"), sa.DateTime,
        {"mysql": lambda t: "DATETIME(6)", "postgresql": lambda t: "TIMESTAMP(3) WITH TIME ZONE",
         "sqlite": lambda t: "DATETIME(6)"},
        lambda: sa.Column("c", sa.DateTime),
    ),
    "unsigned_ids": (
        ("mariadb",), sa.BigInteger, {"mysql": lambda t: "BIGINT UNSIGNED"},
        lambda: sa.Column("c", sa.BigInteger),
    ),
    "binary_collation": (
        ("mariadb", "postgresql"), sa.String,
        {"mysql": lambda t: f"VARCHAR({t.length}) COLLATE utf8mb4_bin",
         "postgresql": lambda t: f'VARCHAR({t.length}) COLLATE "C"'},
        lambda: sa.Column("c", sa.String(40)),
    ),
}


def _compiled_params() -> list[Any]:
    """Each case on each selected backend it applies to (no database made for the others)."""
    return [pytest.param(case, backend, id=f"{case}-{backend}")
            for case in sorted(COMPILED) for backend in selected_backends()
            if backend in COMPILED[case][0]]


@pytest.mark.parametrize(("case", "on"), _compiled_params())
def test_type_the_application_compiles_gives_no_script(
    tmp_path: Path, case: str, on: str
) -> None:
    _, cls, ddl, column = COMPILED[case]
    with fresh_database(on, tmp_path) as url:
        project = AlembicProject(tmp_path, url)
        dialect = project.engine.dialect.name
        with compiled_as(cls, ddl[dialect], dialect):
            project.create(_metadata(column()))
            assert project.diff(_metadata(column())) == []
            assert project.revision(_metadata(column())) is None


#: Per backend: a column type of the dialect's own (not taken over by ``@compiles(DateTime)``)
#: that the compiled ``DATETIME(6)`` / ``TIMESTAMP(3)`` differs from.
BEFORE_COMPILED = {
    "mariadb": lambda: mysql.DATETIME(),
    "postgresql": lambda: postgresql.TIMESTAMP(timezone=True),
    "sqlite": lambda: sa.TIMESTAMP(),
}


def test_change_to_a_compiled_type_round_trips(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    """The database has the plain type; the model's type now compiles to more (DATETIME ->
    DATETIME(6), TIMESTAMP WITH TIME ZONE -> TIMESTAMP(3) WITH TIME ZONE): a change."""
    _, cls, ddl, column = COMPILED["datetime_fsp"]
    project = AlembicProject(tmp_path, db_url)
    dialect = project.engine.dialect.name
    before = _metadata(sa.Column("c", BEFORE_COMPILED[backend]()))
    with compiled_as(cls, ddl[dialect], dialect):
        rev = project.round_trip(before, _metadata(column()))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert "type_=sa.DateTime()" in upgrade
    assert "alter_column('c'" in downgrade
