"""Plugin ``flask_migrate_plus.enums``: changed values of native enum types, on real servers.

Each case: database state A (made by the models A), models B, autogenerate, check the op and
the rendered text, upgrade, autogenerate again (empty), downgrade, autogenerate against A
(empty): ``AlembicProject.round_trip``.
"""

from __future__ import annotations

import ast
import enum
import logging
import textwrap
from pathlib import Path

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from flask_migrate_plus.ops.enums import (
    AddedValue,
    SyncEnumValuesOp,
    added_values,
    free_temporary_name,
    renamed_value,
)

from harness import AlembicProject

pg_only = pytest.mark.backends("postgresql")
mysql_only = pytest.mark.backends("mariadb")


def _models(
    values: tuple[str, ...],
    *,
    name: str = "status",
    schema: str | None = None,
    default: str | None = None,
    second_table: bool = True,
) -> sa.MetaData:
    """Two tables sharing one enum type; ``orders.status`` may carry a server default."""
    metadata = sa.MetaData()
    status = sa.Enum(*values, name=name, schema=schema)
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", status, server_default=default),
    )
    if second_table:
        sa.Table(
            "items",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("status", status),
        )
    return metadata


def _upgrade_text(rev_text: str) -> str:
    return rev_text.split("def upgrade():")[1].split("def downgrade():")[0]


def _downgrade_text(rev_text: str) -> str:
    return rev_text.split("def downgrade():")[1]


def _executed_sql(text: str) -> list[str]:
    """The SQL strings passed to ``op.execute`` in a block of script text."""
    calls = [
        node
        for node in ast.walk(ast.parse(textwrap.dedent(text)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execute"
    ]
    return [ast.literal_eval(call.args[0]) for call in sorted(calls, key=lambda c: c.lineno)]


def _enum_values(project: AlembicProject, name: str = "status") -> list[str]:
    with project.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                "WHERE t.typname = :name ORDER BY e.enumsortorder"
            ),
            {"name": name},
        )
        return [row[0] for row in rows]


def _insert(project: AlembicProject, table: str, *values: str) -> None:
    with project.engine.begin() as conn:
        for value in values:
            conn.execute(sa.text(f"INSERT INTO {table} (status) VALUES (:v)"), {"v": value})


def _column_values(project: AlembicProject, table: str) -> list[str]:
    with project.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT status::text FROM {table} ORDER BY id"))
        return [row[0] for row in rows]


# -- the plan, as plain functions ----------------------------------------------------------------


def test_plan_additions_name_their_neighbours() -> None:
    assert added_values(("a", "b"), ("a", "b", "c")) == [AddedValue("c")]
    assert added_values(("c",), ("a", "b", "c", "d")) == [
        AddedValue("a", before="c"),
        AddedValue("b", after="a"),
        AddedValue("d"),
    ]
    assert added_values(("a", "b"), ("b", "a", "c")) is None  # reordered: not additions
    assert added_values(("a", "b"), ("a",)) is None


def test_plan_rename_only_in_place() -> None:
    assert renamed_value(("a", "b", "c"), ("a", "x", "c")) == ("b", "x")
    assert renamed_value(("a", "b"), ("x", "y")) is None  # two changes: not a rename
    assert renamed_value(("a", "b"), ("b", "x")) is None  # shifted, not in place
    assert renamed_value(("a", "b"), ("a", "b", "x")) is None


def test_temporary_name_is_free_and_short() -> None:
    assert free_temporary_name("status") == "status_new"
    assert free_temporary_name("status", {"status_new"}) == "status_new1"
    assert len(free_temporary_name("x" * 63).encode()) == 63


def test_op_reverse_and_diff_tuple() -> None:
    op = SyncEnumValuesOp(None, "status", ["a", "b"], ["a", "c"])
    assert op.reverse().old_values == ("a", "c")
    assert op.to_diff_tuple() == ("sync_enum_values", None, "status", ("a", "b"), ("a", "c"))
    assert SyncEnumValuesOp(None, "s", ["a"], ["b"], allow_rename=False).recreates_type


# -- PostgreSQL ---------------------------------------------------------------------------------


@pg_only
def test_pg_value_appended(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(("a", "b")), _models(("a", "b", "c")))
    up = _upgrade_text(rev.text)
    assert "with op.get_context().autocommit_block():" in up
    assert """op.execute("ALTER TYPE status ADD VALUE IF NOT EXISTS 'c'")""" in up
    down = _downgrade_text(rev.text)
    assert "# rows holding 'c' make a cast below fail" in down
    assert """op.execute("CREATE TYPE status_new AS ENUM ('a', 'b')")""" in down
    assert "USING status::text::status_new" in down
    assert _enum_values(project) == ["a", "b"]


@pg_only
def test_pg_values_inserted_before_and_after(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(("b", "d")), _models(("a", "b", "c", "d", "e")))
    up = _upgrade_text(rev.text)
    assert "ADD VALUE IF NOT EXISTS 'a' BEFORE 'b'" in up
    assert "ADD VALUE IF NOT EXISTS 'c' AFTER 'b'" in up
    assert "ADD VALUE IF NOT EXISTS 'e'\")" in up
    project.upgrade()
    assert _enum_values(project) == ["a", "b", "c", "d", "e"]


@pg_only
def test_pg_added_value_usable_in_same_migration(tmp_path: Path, db_url: str) -> None:
    # The new value is committed at once, so a new table's default may use it in the same
    # script (inside the migration's transaction PostgreSQL would refuse: "unsafe use").
    models_b = _models(("a", "b", "c"), second_table=False)
    sa.Table(
        "items",
        models_b,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", models_b.tables["orders"].c.status.type, server_default="c"),
    )
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(("a", "b"), second_table=False), models_b)
    up = _upgrade_text(rev.text)
    assert up.index("ADD VALUE IF NOT EXISTS 'c'") < up.index("op.create_table('items'")


@pg_only
def test_pg_value_removed_keeps_rows_and_default(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    models_a = _models(("a", "b", "c"), default="a")
    project.create(models_a)
    _insert(project, "orders", "a", "c")
    _insert(project, "items", "c")
    project.stamp_base()
    rev = project.revision(_models(("a", "c"), default="a"))
    assert rev is not None
    up = _upgrade_text(rev.text)
    assert "# rows holding 'b' make a cast below fail" in up
    assert """op.execute("CREATE TYPE status_new AS ENUM ('a', 'c')")""" in up
    for table in ("orders", "items"):  # one op for the type, every column cast
        assert (
            f"op.execute('ALTER TABLE {table} ALTER COLUMN status TYPE status_new "
            "USING status::text::status_new')"
        ) in up
    assert "op.execute('ALTER TABLE orders ALTER COLUMN status DROP DEFAULT')" in up
    assert "op.execute('DROP TYPE status')" in up
    assert "op.execute('ALTER TYPE status_new RENAME TO status')" in up
    assert up.index("RENAME TO status") < up.index("SET DEFAULT 'a'::status")
    assert up.count("CREATE TYPE") == 1
    project.upgrade()
    assert _enum_values(project) == ["a", "c"]
    assert _column_values(project, "orders") == ["a", "c"]
    assert _column_values(project, "items") == ["c"]
    assert project.diff(_models(("a", "c"), default="a")) == []
    with project.engine.begin() as conn:  # the restored default still applies
        conn.execute(sa.text("INSERT INTO orders DEFAULT VALUES"))
    assert _column_values(project, "orders") == ["a", "c", "a"]
    project.downgrade()
    assert _enum_values(project) == ["a", "b", "c"]
    assert project.diff(models_a) == []


@pg_only
@pytest.mark.parametrize(
    ("old", "new", "old_default", "new_default"),
    [
        (("a", "b", "c"), ("a", "c"), "b", "c"),  # the default's value is removed
        (("a", "b"), ("a", "x"), "b", "x"),  # renamed
        (("a", "b"), ("a", "b", "c"), "a", "c"),  # added
        (("a", "b"), ("b", "a"), "a", None),  # reordered, default dropped
    ],
    ids=["removed", "renamed", "added", "reordered"],
)
def test_pg_default_changed_with_the_values(
    tmp_path: Path,
    db_url: str,
    old: tuple[str, ...],
    new: tuple[str, ...],
    old_default: str,
    new_default: str | None,
) -> None:
    # The enum op sets the default itself, on the right side of the type change both ways:
    # a separate alter_column would, on downgrade, set a value the type only gets back later.
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _models(old, default=old_default), _models(new, default=new_default)
    )
    assert "server_default=" not in rev.text
    up = _executed_sql(_upgrade_text(rev.text))
    down = _executed_sql(_downgrade_text(rev.text))
    if new_default is None:
        assert "ALTER TABLE orders ALTER COLUMN status DROP DEFAULT" in up
        assert not any("SET DEFAULT" in sql for sql in up)
    else:
        assert up[-1] == f"ALTER TABLE orders ALTER COLUMN status SET DEFAULT '{new_default}'"
    assert down[-1] == f"ALTER TABLE orders ALTER COLUMN status SET DEFAULT '{old_default}'::status"


@pg_only
def test_pg_removed_value_in_use_fails_the_upgrade(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(("a", "b")))
    _insert(project, "items", "b")
    project.stamp_base()
    assert project.revision(_models(("a",))) is not None
    with pytest.raises(sa.exc.DataError, match="invalid input value for enum status_new"):
        project.upgrade()
    assert _enum_values(project) == ["a", "b"]  # rolled back, row kept
    assert _column_values(project, "items") == ["b"]


@pg_only
def test_pg_downgrade_of_addition_fails_on_rows_with_new_value(
    tmp_path: Path, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(("a",)))
    project.stamp_base()
    assert project.revision(_models(("a", "b"))) is not None
    project.upgrade()
    _insert(project, "orders", "b")
    with pytest.raises(sa.exc.DataError, match="invalid input value"):
        project.downgrade()
    assert _column_values(project, "orders") == ["b"]


@pg_only
def test_pg_value_renamed_in_place(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    models_a = _models(("a", "b", "c"))
    project.create(models_a)
    _insert(project, "orders", "b", "c")
    project.stamp_base()
    rev = project.revision(_models(("a", "x", "c")))
    assert rev is not None
    assert """op.execute("ALTER TYPE status RENAME VALUE 'b' TO 'x'")""" in _upgrade_text(rev.text)
    assert """op.execute("ALTER TYPE status RENAME VALUE 'x' TO 'b'")""" in _downgrade_text(
        rev.text
    )
    project.upgrade()
    assert _column_values(project, "orders") == ["x", "c"]
    assert project.diff(_models(("a", "x", "c"))) == []
    project.downgrade()
    assert _column_values(project, "orders") == ["b", "c"]
    assert project.diff(models_a) == []


@pg_only
def test_pg_rename_option_off_rebuilds(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(
        tmp_path, db_url, plugin_options={"enum_rename_values": False}
    )
    rev = project.round_trip(_models(("a", "b")), _models(("a", "x")))
    assert "RENAME VALUE" not in rev.text
    assert "CREATE TYPE status_new AS ENUM ('a', 'x')" in _upgrade_text(rev.text)


@pg_only
def test_pg_values_reordered(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    models_a = _models(("low", "high"))
    project.create(models_a)
    _insert(project, "orders", "low", "high")
    project.stamp_base()
    rev = project.revision(_models(("high", "low")))
    assert rev is not None
    assert "CREATE TYPE status_new AS ENUM ('high', 'low')" in _upgrade_text(rev.text)
    assert "rows holding" not in rev.text  # nothing removed either way
    project.upgrade()
    assert _enum_values(project) == ["high", "low"]
    with project.engine.connect() as conn:  # the sort order is the enum order
        ordered = conn.execute(sa.text("SELECT status::text FROM orders ORDER BY status"))
        assert [row[0] for row in ordered] == ["high", "low"]
    assert project.diff(_models(("high", "low"))) == []
    project.downgrade()
    assert project.diff(models_a) == []


class Colour(enum.Enum):
    red = 1
    green = 2
    blue = 3


class ColourV2(enum.Enum):
    red = 1
    blue = 3
    violet = 4


def _colour_models(enum_class: type[enum.Enum]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "paint",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("colour", sa.Enum(enum_class, name="colour"), nullable=False),
    )
    return metadata


@pg_only
def test_pg_python_enum_class(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_colour_models(Colour), _colour_models(ColourV2))
    assert "CREATE TYPE colour_new AS ENUM ('red', 'blue', 'violet')" in rev.text
    assert "USING colour::text::colour_new" in rev.text


@pg_only
def test_pg_array_of_enum(tmp_path: Path, db_url: str) -> None:
    def models(values: tuple[str, ...]) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table(
            "tagged",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tags", postgresql.ARRAY(sa.Enum(*values, name="tag"))),
        )
        return metadata

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(models(("x", "y", "z")), models(("z", "x")))
    assert (
        "ALTER TABLE tagged ALTER COLUMN tags TYPE tag_new[] USING tags::text[]::tag_new[]"
        in rev.text
    )


@pg_only
def test_pg_quoting_of_names_and_values(tmp_path: Path, db_url: str) -> None:
    odd_old = ("it's", "a:b", "x :y", "100%")
    odd_new = ("it's", "x :y", "100%", 'say "hi"', ":z")

    def models(values: tuple[str, ...]) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table(
            "Order",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("Status", sa.Enum(*values, name="Order Status"), server_default="it's"),
        )
        return metadata

    # Alembic's own server-default comparison cannot parse "it's" on PostgreSQL (the defaults
    # plugin's business); this test is about the enum op only.
    project = AlembicProject(tmp_path, db_url, options={"compare_server_default": False})
    project.create(models(odd_old))
    with project.engine.begin() as conn:
        conn.execute(sa.text('INSERT INTO "Order" ("Status") VALUES (:v)'), {"v": "100%"})
    project.stamp_base()
    rev = project.revision(models(odd_new))
    assert rev is not None
    up = _executed_sql(_upgrade_text(rev.text))
    assert up[0] == (
        """CREATE TYPE "Order Status_new" AS ENUM ('it''s', 'x \\:y', '100%', 'say "hi"', '\\:z')"""
    )  # quotes doubled; a colon that text() would take for a parameter is escaped
    assert up[1] == 'ALTER TABLE "Order" ALTER COLUMN "Status" DROP DEFAULT'
    assert up[-1] == (
        'ALTER TABLE "Order" ALTER COLUMN "Status" SET DEFAULT \'it\'\'s\'::"Order Status"'
    )
    project.upgrade()
    assert _enum_values(project, "Order Status") == list(odd_new)
    assert project.diff(models(odd_new)) == []
    project.downgrade()
    assert _enum_values(project, "Order Status") == list(odd_old)
    assert project.diff(models(odd_old)) == []


@pg_only
def test_pg_enum_in_other_schema(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    with project.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA lookup"))
    rev = project.round_trip(
        _models(("a", "b"), schema="lookup"), _models(("b", "c"), schema="lookup")
    )
    up = _upgrade_text(rev.text)
    assert "CREATE TYPE lookup.status_new AS ENUM ('b', 'c')" in up
    assert "USING status::text::lookup.status_new" in up
    assert "DROP TYPE lookup.status" in up
    assert "ALTER TYPE lookup.status_new RENAME TO status" in up
    assert _enum_values(project, "status_new") == []  # no temporary type left behind


@pg_only
def test_pg_new_table_in_same_migration_uses_new_values(tmp_path: Path, db_url: str) -> None:
    # The type op comes before the table ops: the new table is created on the new type.
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _models(("a", "b"), second_table=False), _models(("b", "a"), second_table=True)
    )
    up = _upgrade_text(rev.text)
    assert up.index("CREATE TYPE status_new") < up.index("op.create_table('items'")
    down = _downgrade_text(rev.text)
    assert down.index("op.drop_table('items')") < down.index("CREATE TYPE status_new")


@pg_only
def test_pg_dropped_table_comes_back_without_create_type(tmp_path: Path, db_url: str) -> None:
    # Alembic's create_table issues CREATE TYPE unchecked; the downgrade of a drop_table must
    # not, since the type stays (another table uses it).
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(("a", "b")), _models(("a", "b"), second_table=False))
    down = _downgrade_text(rev.text)
    assert "postgresql.ENUM('a', 'b', name='status', create_type=False)" in down
    assert "from sqlalchemy.dialects import postgresql" in rev.text


@pg_only
def test_pg_table_in_other_schema(tmp_path: Path, db_url: str) -> None:
    def models(values: tuple[str, ...]) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table(
            "orders",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("status", sa.Enum(*values, name="status", schema="shop")),
            schema="shop",
        )
        return metadata

    project = AlembicProject(tmp_path, db_url, options={"include_schemas": True})
    with project.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA shop"))
    rev = project.round_trip(models(("a", "b")), models(("b", "a", "c")))
    up = _executed_sql(_upgrade_text(rev.text))
    assert up == [
        "CREATE TYPE shop.status_new AS ENUM ('b', 'a', 'c')",
        "ALTER TABLE shop.orders ALTER COLUMN status TYPE shop.status_new "
        "USING status::text::shop.status_new",
        "DROP TYPE shop.status",
        "ALTER TYPE shop.status_new RENAME TO status",
    ]


@pg_only
def test_pg_excluded_table_blocks_rebuild_with_warning(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A table the models do not know, kept out by include_object (the usual recipe):
    # it uses the type, so the type cannot be rebuilt without touching it.
    def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return not (type_ == "table" and reflected and compare_to is None)

    project = AlembicProject(tmp_path, db_url, options={"include_object": include_object})
    project.create(_models(("a", "b")))
    with project.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE legacy (id int, status status)"))
    project.stamp_base()
    with caplog.at_level(logging.WARNING, logger="alembic.autogenerate.compare"):
        assert project.revision(_models(("a",))) is None
        # an addition, too: its downgrade rebuilds the type
        assert project.revision(_models(("a", "b", "c"))) is None
    assert "could not convert excluded column legacy.status" in caplog.text
    assert caplog.text.count("skipped") == 2
    # a rename touches no column, either way: still migrated
    rev = project.revision(_models(("a", "x")))
    assert rev is not None and "RENAME VALUE 'b' TO 'x'" in rev.text


@pg_only
def test_pg_view_on_the_type_blocks_rebuild_with_warning(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # PostgreSQL cannot change a column type under a view, nor drop a type a view uses.
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(("a", "b")))
    with project.engine.begin() as conn:
        conn.execute(sa.text("CREATE VIEW open_orders AS SELECT status FROM orders"))
    project.stamp_base()
    with caplog.at_level(logging.WARNING, logger="alembic.autogenerate.compare"):
        assert project.revision(_models(("b", "a"))) is None
    assert "could not convert view open_orders.status" in caplog.text


@pg_only
def test_pg_excluded_table_does_not_declare_values(tmp_path: Path, db_url: str) -> None:
    def include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return not (type_ == "table" and name == "items")

    def models_b() -> sa.MetaData:  # only the excluded table still declares the enum
        metadata = sa.MetaData()
        sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "items",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("status", sa.Enum("a", "b", "c", name="status")),
        )
        return metadata

    filtered = AlembicProject(tmp_path / "f", db_url, options={"include_object": include_object})
    filtered.create(_models(("a", "b")))
    assert [diff[0] for diff in filtered.diff(models_b())] == ["remove_column"]
    unfiltered = AlembicProject(tmp_path / "u", db_url)
    assert "sync_enum_values" in [diff[0] for diff in unfiltered.diff(models_b())]


def test_query_count_does_not_grow_with_tables(tmp_path: Path, db_url: str, backend: str) -> None:
    # PostgreSQL: two catalog queries per run (types with values, columns using them);
    # elsewhere the enum is part of the column Alembic already reflected: none.
    def models(tables: int) -> sa.MetaData:
        metadata = sa.MetaData()
        status = sa.Enum("a", "b", name="status")
        identity = [sa.Identity()] if backend == "postgresql" else []  # no SERIAL lookups
        for index in range(tables):
            sa.Table(
                f"t{index}",
                metadata,
                sa.Column("id", sa.Integer, *identity, primary_key=True),
                sa.Column("status", status),
            )
        return metadata

    def queries(project: AlembicProject, metadata: sa.MetaData) -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        sa.event.listen(project.engine, "before_cursor_execute", count)
        try:
            assert project.diff(metadata) == []
        finally:
            sa.event.remove(project.engine, "before_cursor_execute", count)
        return len(statements)

    added = []
    for tables in (2, 12):
        on = AlembicProject(tmp_path / f"on{tables}", db_url)
        off = AlembicProject(tmp_path / f"off{tables}", db_url, disabled_plugins=("enums",))
        metadata = models(tables)
        on.create(metadata)
        added.append(queries(on, metadata) - queries(off, metadata))
        metadata.drop_all(on.engine)
    assert added == ([2, 2] if backend == "postgresql" else [0, 0])


# -- MySQL / MariaDB ----------------------------------------------------------------------------


def _mysql_models(values: tuple[str, ...], default: str | None = None) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "status",
            sa.Enum(*values, name="status"),
            nullable=False,
            server_default=default,
        ),
    )
    return metadata


@mysql_only
@pytest.mark.parametrize("scheme", ["mysql+pymysql", "mariadb+pymysql"])
def test_mysql_values_reordered(tmp_path: Path, db_url: str, scheme: str) -> None:
    # Alembic dispatches on the URL's dialect name: both spellings must be covered.
    project = AlembicProject(tmp_path, db_url.replace("mysql+pymysql", scheme, 1))
    models_a = _mysql_models(("low", "high"), default="low")
    project.create(models_a)
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (status) VALUES ('low'), ('high')"))
    project.stamp_base()
    rev = project.revision(_mysql_models(("high", "low"), default="low"))
    assert rev is not None
    up = _upgrade_text(rev.text)
    assert "existing_type=mysql.ENUM('low', 'high')" in up
    assert "type_=sa.Enum('high', 'low', name='status')" in up
    project.upgrade()
    with project.engine.connect() as conn:
        ordered = conn.execute(sa.text("SELECT status FROM orders ORDER BY status"))
        assert [row[0] for row in ordered] == ["high", "low"]
    assert project.diff(_mysql_models(("high", "low"), default="low")) == []
    project.downgrade()
    assert project.diff(models_a) == []


@mysql_only
@pytest.mark.parametrize(
    ("old", "new"),
    [(("a", "b"), ("a", "b", "c")), (("a", "b", "c"), ("a", "c")), (("a", "b"), ("a", "x"))],
    ids=["added", "removed", "renamed"],
)
def test_mysql_added_and_removed_values_still_work(
    tmp_path: Path, db_url: str, old: tuple[str, ...], new: tuple[str, ...]
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_mysql_models(old), _mysql_models(new))
    assert f"type_=sa.Enum({', '.join(map(repr, new))}, name='status')" in rev.text
    assert rev.text.count("alter_column(") == 2


@mysql_only
def test_mysql_removed_value_in_use_fails_the_upgrade(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_mysql_models(("a", "b")))
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (status) VALUES ('b')"))
    project.stamp_base()
    assert project.revision(_mysql_models(("a",))) is not None
    with pytest.raises(sa.exc.DatabaseError, match="[Dd]ata truncated"):
        project.upgrade()


# -- no false positives, every backend ----------------------------------------------------------


def _all_kinds_of_enum(backend: str) -> sa.MetaData:
    metadata = sa.MetaData()
    status = sa.Enum("new", "it's", "done", name="status")
    columns = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", status, server_default="new", nullable=False),
        sa.Column("colour", sa.Enum(Colour, name="colour")),
        sa.Column("plain", sa.Enum("x", "y", native_enum=False)),
    ]
    if backend == "postgresql":
        columns.append(sa.Column("tags", postgresql.ARRAY(sa.Enum("p", "q", name="tag"))))
    sa.Table("things", metadata, *columns)
    sa.Table(
        "others", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("s", status)
    )
    return metadata


def test_identical_enums_write_no_script(tmp_path: Path, db_url: str, backend: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_all_kinds_of_enum(backend))
    project.stamp_base()
    assert project.diff(_all_kinds_of_enum(backend)) == []
    assert project.revision(_all_kinds_of_enum(backend)) is None


@pg_only
def test_pg_reference_by_name_without_values_is_not_a_change(tmp_path: Path, db_url: str) -> None:
    # postgresql.ENUM(name=..., create_type=False) refers to an existing type; its empty value
    # list says nothing about the values.
    reference = sa.MetaData()
    sa.Table(
        "orders",
        reference,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", postgresql.ENUM(name="status", create_type=False)),
    )
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(("a", "b"), second_table=False))
    project.stamp_base()
    assert project.diff(reference) == []
    assert project.revision(reference) is None
