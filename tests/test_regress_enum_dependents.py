"""Regression: enum values change under indexes and CHECKs that compare against a value.

On PostgreSQL a removed (or reordered) value rebuilds the type: a new type is made and every
column cast to it. A partial index ``WHERE status = 'new'`` or a ``CHECK (status <> 'x')``
holds a constant of the old type, and the cast fails on it (``operator does not exist:
order_status_new = order_status``). The values change now drops those first and creates them
again from their definition, in whichever direction rebuilds; one that the same migration
changes or drops is dropped and created exactly once each way. MariaDB and SQLite keep enum
values in the column (or a plain string column): the same models must round-trip there too.
"""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path
from typing import Any

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from flask_migrate_plus.schema.enums import PG_ENUM_DEPENDENTS

from harness import AlembicProject

pg_only = pytest.mark.backends("postgresql")

ALL_VALUES = ("new", "paid", "cancelled", "old")


def _models(
    values: tuple[str, ...] = ALL_VALUES,
    *,
    partial: str | None = "new",
    check: str | None = "status <> 'cancelled'",
    tags_check: bool = False,
) -> sa.MetaData:
    """``orders`` with an enum status, a partial index on one value and a CHECK naming one."""
    metadata = sa.MetaData()
    status = sa.Enum(*values, name="order_status")
    columns: list[Any] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", status),
    ]
    if check is not None:
        columns.append(sa.CheckConstraint(check, name="ck_orders_status"))
    orders = sa.Table("orders", metadata, *columns)
    if partial is not None:
        where = orders.c.status == partial
        sa.Index("ix_orders_open", orders.c.id, postgresql_where=where, sqlite_where=where)
    if tags_check:  # an array of the type, compared against an array constant
        sa.Table(
            "Order Tags",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("tags", sa.ARRAY(status)),
            sa.CheckConstraint("NOT ('{cancelled}' <@ tags)", name="Tags Not Old"),
        )
    return metadata


def _halves(text: str) -> tuple[str, str]:
    """The bodies of ``upgrade()`` and ``downgrade()``."""
    upgrade, downgrade = text.split("def upgrade():")[1].split("def downgrade():")
    return upgrade, downgrade


def _executed(text: str) -> list[str]:
    """The SQL strings passed to ``op.execute`` in a block of script text, in order."""
    calls = [
        node
        for node in ast.walk(ast.parse(textwrap.dedent(text)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "execute"
    ]
    return [ast.literal_eval(call.args[0]) for call in sorted(calls, key=lambda c: c.lineno)]


def _position(statements: list[str], start: str) -> int:
    found = [index for index, sql in enumerate(statements) if sql.startswith(start)]
    assert len(found) == 1, (start, statements)
    return found[0]


def _dependents(project: AlembicProject) -> dict[str, str]:
    """Index and CHECK name -> definition, as the database has them now."""
    with project.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'orders'::regclass AND NOT indisprimary "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'orders'::regclass AND contype = 'c'"
        ))
        return {name: definition for name, definition in rows}


def _insert(project: AlembicProject, *values: str) -> None:
    with project.engine.begin() as conn:
        for value in values:
            conn.execute(sa.text("INSERT INTO orders (status) VALUES (:v)"), {"v": value})


@pg_only
def test_pg_removed_value_keeps_partial_index_and_checks(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(tags_check=True), _models(ALL_VALUES[:3], tags_check=True)
    project.create(before)
    _insert(project, "new", "paid", "paid")
    definitions = _dependents(project)
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, downgrade = _halves(rev.text)
    up = _executed(upgrade)
    create_type = _position(up, "CREATE TYPE order_status_new")
    rename = _position(up, "ALTER TYPE order_status_new RENAME TO order_status")
    for drop in ("DROP INDEX ix_orders_open",
                 "ALTER TABLE orders DROP CONSTRAINT ck_orders_status",
                 'ALTER TABLE "Order Tags" DROP CONSTRAINT "Tags Not Old"'):
        assert _position(up, drop) < create_type
    for create in ("CREATE INDEX ix_orders_open ON orders USING btree (id) "
                   "WHERE (status = 'new'::order_status)",
                   "ALTER TABLE orders ADD CONSTRAINT ck_orders_status CHECK (",
                   'ALTER TABLE "Order Tags" ADD CONSTRAINT "Tags Not Old" CHECK ('):
        assert _position(up, create) > rename
    # adding the value back needs no rebuild: the dependents stay untouched
    assert _executed(downgrade) == ["ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'old'"]
    project.upgrade()
    assert _dependents(project) == definitions
    assert project.diff(after) == []
    project.downgrade()
    assert _dependents(project) == definitions
    assert project.diff(before) == []


@pg_only
def test_pg_added_value_downgrade_rebuilds_around_dependents(
    tmp_path: Path, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(ALL_VALUES[:3]), _models(ALL_VALUES)
    rev = project.round_trip(before, after)
    upgrade, downgrade = _halves(rev.text)
    assert "DROP INDEX" not in upgrade and "DROP CONSTRAINT" not in upgrade
    down = _executed(downgrade)
    create_type = _position(down, "CREATE TYPE order_status_new")
    assert _position(down, "DROP INDEX ix_orders_open") < create_type
    assert _position(down, "ALTER TABLE orders DROP CONSTRAINT ck_orders_status") < create_type
    rename = _position(down, "ALTER TYPE order_status_new RENAME TO order_status")
    assert _position(down, "CREATE INDEX ix_orders_open ON orders") > rename
    assert _position(down, "ALTER TABLE orders ADD CONSTRAINT ck_orders_status") > rename


@pg_only
def test_pg_dependents_changed_in_the_same_migration(tmp_path: Path, db_url: str) -> None:
    # The removed value is the one the index and the CHECK compare against, so the models
    # change both: each is dropped once (before the rebuild) and created once (after it),
    # in both directions (reordered values: both directions rebuild the type).
    project = AlembicProject(tmp_path, db_url)
    before = _models(partial="old", check="status <> 'old'")
    after = _models(("paid", "new", "cancelled"), partial="paid", check="status <> 'cancelled'")
    project.create(before)
    definitions = _dependents(project)
    _insert(project, "new", "paid")
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, downgrade = _halves(rev.text)
    for half in (upgrade, downgrade):
        assert half.count("ix_orders_open") == 2, half  # one drop, one create
        assert half.count("ck_orders_status") == 2, half
    up, down = _executed(upgrade), _executed(downgrade)
    assert _position(up, "DROP INDEX ix_orders_open") < _position(up, "CREATE TYPE")
    assert _position(up, "ALTER TABLE orders DROP CONSTRAINT ck_orders_status") < _position(
        up, "CREATE TYPE")
    assert not any(sql.startswith(("CREATE INDEX", "ALTER TABLE orders ADD")) for sql in up)
    assert upgrade.index("RENAME TO order_status") < upgrade.index("create_index('ix_orders_open'")
    assert downgrade.index("drop_index('ix_orders_open'") < downgrade.index("CREATE TYPE")
    rename = _position(down, "ALTER TYPE order_status_new RENAME TO order_status")
    assert _position(down, "CREATE INDEX ix_orders_open") > rename
    assert _position(down, "ALTER TABLE orders ADD CONSTRAINT ck_orders_status") > rename
    project.upgrade()
    assert "'paid'::order_status" in _dependents(project)["ix_orders_open"]
    assert project.diff(after) == []
    project.downgrade()
    assert _dependents(project) == definitions
    assert project.diff(before) == []


@pg_only
def test_pg_dependents_dropped_in_the_same_migration(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    before = _models(partial="old", check="status <> 'old'")
    after = _models(ALL_VALUES[:3], partial=None, check=None)
    project.create(before)
    definitions = _dependents(project)
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, downgrade = _halves(rev.text)
    for half in (upgrade, downgrade):
        assert half.count("ix_orders_open") == 1, half
        assert half.count("ck_orders_status") == 1, half
    assert "drop_index" not in upgrade and "create_index" not in downgrade
    project.upgrade()
    assert _dependents(project) == {}
    assert project.diff(after) == []
    project.downgrade()
    assert _dependents(project) == definitions
    assert project.diff(before) == []


@pg_only
def test_pg_value_added_and_index_moved_to_it(tmp_path: Path, db_url: str) -> None:
    # The upgrade only adds a value (no rebuild): the changed index is dropped by the values
    # change and made by Alembic's create_index after it. The downgrade rebuilds: the new
    # index goes first (Alembic's drop_index), the old one comes back after the rebuild.
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(ALL_VALUES[:3]), _models(ALL_VALUES, partial="old")
    rev = project.round_trip(before, after)
    upgrade, downgrade = _halves(rev.text)
    assert upgrade.index("DROP INDEX ix_orders_open") < upgrade.index("ADD VALUE") < (
        upgrade.index("create_index('ix_orders_open'"))
    assert upgrade.count("ix_orders_open") == 2 and downgrade.count("ix_orders_open") == 2
    down = _executed(downgrade)
    assert downgrade.index("drop_index('ix_orders_open'") < downgrade.index("CREATE TYPE")
    assert _position(down, "CREATE INDEX ix_orders_open") > _position(down, "ALTER TYPE")
    assert "WHERE (status = 'new'::order_status)" in down[-1]


@pg_only
@pytest.mark.parametrize("index_stays", [True, False], ids=["kept", "dropped"])
def test_pg_index_on_two_rebuilt_types(tmp_path: Path, db_url: str, index_stays: bool) -> None:
    # Each type's rebuild drops and remakes the index in turn; dropped by the migration, it
    # is dropped once, by the first, and made again once on downgrade.
    def models(values: tuple[str, ...], with_index: bool) -> sa.MetaData:
        metadata = sa.MetaData()
        table = sa.Table("jobs", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("state", sa.Enum(*values, name="job_state")),
                         sa.Column("kind", sa.Enum(*values, name="job_kind")))
        if with_index:
            sa.Index("ix_jobs_a", table.c.id,
                     postgresql_where=sa.and_(table.c.state == "a", table.c.kind == "a"))
        return metadata

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(models(("a", "b", "c"), True), models(("a", "c"), index_stays))
    upgrade, downgrade = _halves(rev.text)
    up, down = _executed(upgrade), _executed(downgrade)
    assert up.count("DROP INDEX ix_jobs_a") == (2 if index_stays else 1)
    assert sum(sql.startswith("CREATE INDEX ix_jobs_a") for sql in up) == (
        2 if index_stays else 0)
    assert down.count("DROP INDEX ix_jobs_a") == 0  # adding values back: nothing rebuilt
    assert sum(sql.startswith("CREATE INDEX ix_jobs_a") for sql in down) == (
        0 if index_stays else 1)


@pg_only
def test_pg_dependents_read_in_one_query_only_for_rebuilds(tmp_path: Path, db_url: str) -> None:
    def models(first: tuple[str, ...], second: tuple[str, ...]) -> sa.MetaData:
        metadata = sa.MetaData()
        for name, values in (("first", first), ("second", second)):
            table = sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True),
                             sa.Column("status", sa.Enum(*values, name=f"{name}_status")))
            sa.Index(f"ix_{name}", table.c.id, postgresql_where=table.c.status == "a")
        return metadata

    def dependent_reads(project: AlembicProject, metadata: sa.MetaData) -> int:
        statements: list[str] = []

        def seen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        sa.event.listen(project.engine, "before_cursor_execute", seen)
        try:
            project.diff(metadata)
        finally:
            sa.event.remove(project.engine, "before_cursor_execute", seen)
        return sum(statement == PG_ENUM_DEPENDENTS.text for statement in statements)

    project = AlembicProject(tmp_path, db_url)
    project.create(models(("a", "b", "c"), ("a", "b", "c")))
    assert dependent_reads(project, models(("a", "c"), ("c", "b", "a"))) == 1  # two rebuilds
    assert dependent_reads(project, models(("a", "x", "c"), ("a", "b", "c"))) == 0  # a rename


def test_removed_value_with_partial_index_and_check_round_trips(
    tmp_path: Path, db_url: str
) -> None:
    # Every backend: MariaDB's ENUM and SQLite's string column need nothing special, and the
    # script must not try anything PostgreSQL-shaped there.
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(), _models(ALL_VALUES[:3])
    project.create(before)
    _insert(project, "new", "paid")
    project.stamp_base()
    rev = project.revision(after)
    if rev is not None:  # SQLite: a non-native enum without its CHECK is a plain string
        project.upgrade()
        assert project.diff(after) == []
        project.downgrade()
    assert project.diff(before) == []
    with project.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 2


# -- plain Alembic: the plugins on, none of the extension's hooks ---------------------------------

PLAIN_ALEMBIC_PLUGINS = ["alembic.autogenerate.*", "flask_migrate_plus.*"]


def _plain_script(engine: sa.Engine, metadata: sa.MetaData) -> tuple[str, str]:
    """Upgrade and downgrade code as a plain Alembic ``env.py`` with our plugins renders it."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "target_metadata": metadata,
            "autogenerate_plugins": PLAIN_ALEMBIC_PLUGINS,
            "compare_type": True,
        })
        script = produce_migrations(context, metadata)
        return (render_python_code(script.upgrade_ops, migration_context=context),
                render_python_code(script.downgrade_ops, migration_context=context))


def _run(engine: sa.Engine, code: str) -> None:
    """Run script code as Alembic runs a migration: in the context's own transaction."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        with context.begin_transaction():
            body = re.sub(r"(?m)^    ", "", code)  # render_python_code indents the body
            exec(body, {"op": Operations(context), "sa": sa})


def _plain_diff(engine: sa.Engine, metadata: sa.MetaData) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "target_metadata": metadata,
            "autogenerate_plugins": PLAIN_ALEMBIC_PLUGINS,
            "compare_type": True,
        })
        return list(produce_migrations(context, metadata).upgrade_ops.as_diffs())


@pg_only
def test_plain_alembic_removed_value_under_partial_index(tmp_path: Path, db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    before, after = _models(), _models(ALL_VALUES[:3])
    before.create_all(engine)
    upgrade, downgrade = _plain_script(engine, after)
    assert "DROP INDEX ix_orders_open" in upgrade
    _run(engine, upgrade)
    assert _plain_diff(engine, after) == []
    _run(engine, downgrade)
    assert _plain_diff(engine, before) == []
