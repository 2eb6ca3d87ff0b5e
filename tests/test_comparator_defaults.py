"""The ``flask_migrate_plus.defaults`` comparator on real databases.

No false positives for the defaults people write (the sweep), real changes found and applied
both ways on every backend, and no server-side evaluation on PostgreSQL (quotes, JSON and
volatile functions used to crash or flap).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from harness import AlembicProject

ColumnFactory = Callable[[], sa.Column[Any]]


def _metadata(*columns: sa.Column[Any], name: str = "t") -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    return metadata


def _common_columns() -> list[sa.Column[Any]]:
    """Common types with the defaults people give them, valid on every backend."""
    return [
        sa.Column("flag_false", sa.Boolean, server_default=sa.false(), nullable=False),
        sa.Column("flag_true", sa.Boolean, server_default=sa.true()),
        sa.Column("flag_text", sa.Boolean, server_default="0"),
        sa.Column("created", sa.DateTime, server_default=sa.func.now()),
        sa.Column("stamped", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("day", sa.Date, server_default=sa.text("CURRENT_DATE")),
        sa.Column("count", sa.Integer, server_default="0", nullable=False),
        sa.Column("count_text", sa.Integer, server_default=sa.text("0")),
        sa.Column("expr", sa.Integer, server_default=sa.text("(1+1)")),
        sa.Column("big", sa.BigInteger, server_default="-1"),
        sa.Column("small", sa.SmallInteger, server_default=sa.text("-5")),
        sa.Column("price", sa.Numeric(10, 2), server_default="1.50"),
        sa.Column("ratio", sa.Float, server_default="0.5"),
        sa.Column("name", sa.String(20), server_default="abc"),
        sa.Column("quoted", sa.String(20), server_default="it's"),
        sa.Column("quotes", sa.String(20), server_default="a'b'c"),
        sa.Column("backslash", sa.String(20), server_default="a\\b"),
        sa.Column("empty", sa.String(20), server_default=""),
        sa.Column("literal", sa.String(20), server_default=sa.text("'x'")),
        sa.Column("unicode", sa.String(20), server_default="ÄÖ"),
        sa.Column("lowered", sa.String(20), server_default=sa.func.lower("X")),
        sa.Column("body", sa.Text, server_default="abc"),
        sa.Column("clock", sa.Time, server_default=sa.text("CURRENT_TIME")),
        sa.Column("epoch", sa.Date, server_default="2020-01-01"),
        sa.Column("epoch_at", sa.DateTime, server_default="2020-01-01 00:00:00"),
        sa.Column("zero_price", sa.Numeric(10, 2), server_default=sa.text("0")),
        sa.Column("short_price", sa.Numeric(10, 2), server_default="1.5"),
        sa.Column("zero_ratio", sa.Float, server_default=sa.text("0")),
        sa.Column("percent", sa.String(20), server_default="100%"),
        sa.Column("spaced", sa.String(20), server_default="  a  b "),
        sa.Column("upper_true", sa.Boolean, server_default=sa.text("TRUE")),
        sa.Column("kind", sa.Enum("a", "b", name="kind_enum"), server_default="a"),
        sa.Column("kind_str", sa.Enum("a", "b", native_enum=False), server_default="b"),
    ]


def _dialect_columns(backend: str) -> list[sa.Column[Any]]:
    if backend == "postgresql":
        return [
            sa.Column("doc", sa.JSON, server_default="{}"),
            sa.Column("docb", postgresql.JSONB, server_default=sa.text("'{}'::jsonb")),
            sa.Column("tags", postgresql.ARRAY(sa.Integer), server_default="{}"),
            sa.Column("noise", sa.Float, server_default=sa.text("(random() * 10)")),
            sa.Column("noise2", sa.Float, server_default=sa.func.random()),
            sa.Column("tick", sa.DateTime, server_default=sa.func.clock_timestamp()),
            sa.Column("aware", sa.DateTime(timezone=True), server_default=sa.func.now()),
            sa.Column("midnight", sa.DateTime, server_default=sa.text("now()::date")),
            sa.Column("span", sa.Interval, server_default="1 day"),
            sa.Column("uid", sa.Uuid, server_default=sa.text("gen_random_uuid()")),
            sa.Column("nowtext", sa.DateTime, server_default=sa.text("now()")),
        ]
    if backend == "mariadb":
        return [
            sa.Column("upd", mysql.TIMESTAMP, server_default=sa.text(
                "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP")),
            sa.Column("shout", sa.DateTime, server_default=sa.text("NOW()")),
            sa.Column("flag_word", sa.Boolean, server_default=sa.text("false")),
            sa.Column("fsp", mysql.DATETIME(fsp=6), server_default=sa.text("CURRENT_TIMESTAMP(6)")),
        ]
    return [sa.Column("paren", sa.String(20), server_default=sa.text("('p')"))]


def test_common_defaults_give_no_script(tmp_path: Path, db_url: str, backend: str) -> None:
    def models() -> sa.MetaData:
        return _metadata(*_common_columns(), *_dialect_columns(backend))

    project = AlembicProject(tmp_path, db_url)
    project.create(models())
    assert project.diff(models()) == []
    assert project.revision(models()) is None


# The database written one way, the model another: the same default, so no change.
SPELLINGS: dict[str, list[tuple[Any, Any, Any]]] = {
    "sqlite": [
        (sa.String(20), sa.text("('x')"), "x"),
        (sa.Integer, sa.text("(1+1)"), sa.text("1 + 1")),
        (sa.String(20), sa.text("'it''s'"), "it's"),
        (sa.String(20), sa.text("NULL"), None),
    ],
    "postgresql": [
        (sa.DateTime, sa.func.now(), sa.text("CURRENT_TIMESTAMP")),
        (sa.String(20), sa.text("'x'::character varying"), "x"),
        (sa.Integer, sa.text("(1 + 1)"), sa.text("1+1")),
        (sa.JSON, sa.text("'{}'::json"), "{}"),
        (sa.Boolean, sa.text("false"), "0"),
        (sa.String(20), sa.text("NULL"), None),
    ],
    "mariadb": [
        (sa.DateTime, sa.text("NOW()"), sa.func.now()),
        (sa.DateTime, sa.text("current_timestamp()"), sa.text("CURRENT_TIMESTAMP")),
        (sa.Date, sa.text("curdate()"), sa.text("CURRENT_DATE")),
        (sa.String(20), sa.text("lcase('X')"), sa.func.lower("X")),
        (sa.Integer, sa.text("(1 + 1)"), sa.text("(1+1)")),
        (sa.Boolean, sa.text("0"), sa.false()),
        (sa.String(20), sa.text("NULL"), None),
    ],
}


@pytest.mark.parametrize("direction", ["database_first", "model_first"])
def test_other_spellings_of_one_default_give_no_change(
    tmp_path: Path, db_url: str, backend: str, direction: str
) -> None:
    def models(side: int) -> sa.MetaData:
        return _metadata(*(
            sa.Column(f"c{number}", spelling[0], server_default=spelling[side])
            for number, spelling in enumerate(SPELLINGS[backend])
        ))

    database, model = (1, 2) if direction == "database_first" else (2, 1)
    project = AlembicProject(tmp_path, db_url)
    project.create(models(database))
    assert project.diff(models(model)) == []


@pytest.mark.backends("postgresql")
def test_postgresql_comparison_runs_no_sql(tmp_path: Path, db_url: str) -> None:
    # Alembic's own comparison ran a SELECT per differing default; ours adds no statement.
    def models() -> sa.MetaData:
        metadata = sa.MetaData()
        for number in range(10):
            sa.Table(f"t{number}", metadata, sa.Column("id", sa.Integer, sa.Identity(),
                                                       primary_key=True),
                     sa.Column("q", sa.String(20), server_default="it's"),
                     sa.Column("j", sa.JSON, server_default="{}"),
                     sa.Column("r", sa.Float, server_default=sa.text("(random() * 10)")))
        return metadata

    def statements_of_one_run(options: dict[str, Any], folder: str) -> int:
        project = AlembicProject(tmp_path / folder, db_url, options=options)
        project.create(models())
        statements: list[str] = []
        sa.event.listen(project.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, *args: statements.append(statement))
        assert project.diff(models()) == []
        return len(statements)

    compared = statements_of_one_run({}, "on")
    assert compared == statements_of_one_run({"compare_server_default": False}, "off")


# -- real changes, both ways -----------------------------------------------------------------

CHANGES: dict[str, tuple[ColumnFactory, ColumnFactory, str]] = {
    "added_quoted": (
        lambda: sa.Column("c", sa.String(20)),
        lambda: sa.Column("c", sa.String(20), server_default="it's"),
        'server_default="it\'s"',
    ),
    "removed_false": (
        lambda: sa.Column("c", sa.Boolean, server_default=sa.false()),
        lambda: sa.Column("c", sa.Boolean),
        "server_default=None",
    ),
    "false_to_true": (
        lambda: sa.Column("c", sa.Boolean, server_default=sa.false()),
        lambda: sa.Column("c", sa.Boolean, server_default=sa.true()),
        "server_default=sa.text(",
    ),
    "expression_changed": (
        lambda: sa.Column("c", sa.Integer, server_default=sa.text("(1+1)")),
        lambda: sa.Column("c", sa.Integer, server_default=sa.text("(2+2)")),
        "server_default=sa.text('(2+2)')",
    ),
    "string_changed": (
        lambda: sa.Column("c", sa.String(20), server_default="x"),
        lambda: sa.Column("c", sa.String(20), server_default="y"),
        "server_default='y'",
    ),
    "number_changed": (
        lambda: sa.Column("c", sa.Numeric(10, 2), server_default="1.50"),
        lambda: sa.Column("c", sa.Numeric(10, 2), server_default="2.25"),
        "server_default='2.25'",
    ),
    "function_changed": (
        lambda: sa.Column("c", sa.String(20), server_default=sa.func.lower("X")),
        lambda: sa.Column("c", sa.String(20), server_default=sa.func.upper("X")),
        "server_default=sa.text(",
    ),
    "now_to_today": (
        lambda: sa.Column("c", sa.DateTime, server_default=sa.func.now()),
        lambda: sa.Column("c", sa.DateTime, server_default=sa.text("CURRENT_DATE")),
        "CURRENT_DATE",  # SQLite writes it parenthesised
    ),
}


def op_kinds(diff: list[Any]) -> list[str]:
    """Alembic's diff entries are tuples, or lists of tuples for one column's changes."""
    return [item[0] for entry in diff for item in (entry if isinstance(entry, list) else [entry])]


@pytest.mark.parametrize("case", sorted(CHANGES))
def test_default_change_round_trip(tmp_path: Path, db_url: str, backend: str, case: str) -> None:
    before, after, rendered = CHANGES[case]
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(before()))
    assert op_kinds(project.diff(_metadata(after()))) == ["modify_default"]
    rev = project.round_trip(_metadata(before()), _metadata(after()))
    assert "alter_column('c'" in rev.text
    upgrade, downgrade = rev.text.split("def downgrade")
    assert rendered in upgrade
    assert "server_default=" in downgrade


def test_change_is_reported_as_modify_default(tmp_path: Path, db_url: str, backend: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(sa.Column("c", sa.String(20), server_default="it's")))
    with caplog.at_level(logging.INFO):
        diff = project.diff(_metadata(sa.Column("c", sa.String(20), server_default="its")))
    assert len(diff) == 1 and diff[0][0][0] == "modify_default"
    assert diff[0][0][-1].arg == "its"
    assert [r for r in caplog.messages if r.startswith("Detected server default change on 't.c'")]


@pytest.mark.backends("postgresql")
def test_postgresql_json_default_change_compares_without_the_server(
    tmp_path: Path, db_url: str
) -> None:
    rev = AlembicProject(tmp_path, db_url).round_trip(
        _metadata(sa.Column("doc", sa.JSON, server_default="{}")),
        _metadata(sa.Column("doc", sa.JSON, server_default="[]")),
    )
    assert "server_default='[]'" in rev.text


def test_user_callable_decides_first_and_none_falls_through_to_us(
    tmp_path: Path, db_url: str
) -> None:
    seen: list[str] = []

    def rule(context: Any, conn_col: Any, model_col: Any, *defaults: Any) -> bool | None:
        seen.append(model_col.name)
        return True if model_col.name == "forced" else None

    columns = lambda: [  # noqa: E731
        sa.Column("quoted", sa.String(20), server_default="it's"),
        sa.Column("flag", sa.Boolean, server_default=sa.false()),
        sa.Column("forced", sa.String(20), server_default="x"),
    ]
    project = AlembicProject(tmp_path, db_url, options={"compare_server_default": rule})
    project.create(_metadata(*columns()))
    diff = project.diff(_metadata(*columns()))
    assert [(d[0][0], d[0][3]) for d in diff] == [("modify_default", "forced")]
    assert sorted(seen) == ["flag", "forced", "quoted"]


def test_user_setting_false_turns_comparison_off(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, options={"compare_server_default": False})
    project.create(_metadata(sa.Column("c", sa.String(20), server_default="x")))
    assert project.diff(_metadata(sa.Column("c", sa.String(20), server_default="y"))) == []


@pytest.mark.backends("mariadb")
def test_mariadb_catalog_read_is_one_query_per_run(tmp_path: Path, db_url: str) -> None:
    def models(tables: int) -> sa.MetaData:
        metadata = sa.MetaData()
        for number in range(tables):
            sa.Table(f"t{number}", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("c", sa.String(20), server_default=sa.func.lower("X")),
                     sa.Column("d", sa.String(20)))
        return metadata

    project = AlembicProject(tmp_path, db_url)
    statements: list[str] = []
    sa.event.listen(project.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: statements.append(statement))
    for tables in (1, 12):
        project.create(models(tables))
        statements.clear()
        assert project.diff(models(tables)) == []
        assert sum("information_schema.COLUMNS" in s for s in statements) == 1


@pytest.mark.backends("mariadb")
def test_mariadb_scheme_gets_the_same_rules(tmp_path: Path, db_url: str) -> None:
    # mariadb+pymysql:// makes the dialect "mariadb" instead of "mysql"
    url = db_url.replace("mysql+pymysql://", "mariadb+pymysql://")
    project = AlembicProject(tmp_path, url)
    assert project.engine.dialect.name == "mariadb"
    project.create(_metadata(*_common_columns(), *_dialect_columns("mariadb")))
    assert project.diff(_metadata(*_common_columns(), *_dialect_columns("mariadb"))) == []
    models = _metadata(*_common_columns(), *_dialect_columns("mariadb"))
    models.tables["t"].c.flag_false.server_default = sa.DefaultClause(sa.true())
    assert op_kinds(project.diff(models)) == ["modify_default"]
