"""Plugin ``flask_migrate_plus.schemas``: models in several schemas, on real servers.

PostgreSQL: three application schemas (``billing``, ``inventory``, ``crm``) with cross-schema
foreign keys, an enum type in a schema, partial and expression indexes, CHECKs, a sequence,
an identity column and comments; plus schemas the application does not use (``legacy``,
PostGIS-like ``topology``), which must stay untouched. MariaDB: a second database. SQLite:
one line. Each case runs the scripts for real, both ways (``AlembicProject.round_trip``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.util import CommandError

from flask_migrate_plus.comparators.schemas import model_schemas
from flask_migrate_plus.describe import describe_op
from flask_migrate_plus.ops.objects import CreateObjectOp, DropObjectOp, Schema

from backends import admin_url
from cli_runner import FIXTURES, FlaskApp, assert_one_line_error
from harness import AlembicProject

pg_only = pytest.mark.backends("postgresql")
mariadb_only = pytest.mark.backends("mariadb")
sqlite_only = pytest.mark.backends("sqlite")

APP_SCHEMAS = ("billing", "crm", "inventory")
SCHEMAS_APP = FIXTURES / "schemas" / "app.py"


# -- models --------------------------------------------------------------------------------


def pg_models(version: int = 1) -> sa.MetaData:
    """Tables in public and three schemas; version 2 changes something in each schema."""
    metadata = sa.MetaData()
    statuses = ("open", "paid") if version == 1 else ("open", "paid", "void")
    status = sa.Enum(*statuses, name="invoice_status", schema="billing")
    sa.Table(
        "users", metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    sa.Table(
        "accounts", metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("owner_id", sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("balance", sa.Numeric(10, 2), nullable=False, server_default="0"),
        sa.CheckConstraint(
            "balance >= 0" if version == 1 else "balance >= 10", name="ck_accounts_balance"
        ),
        *([sa.Column("currency", sa.String(3), comment="ISO 4217")] if version == 2 else []),
        schema="billing",
        comment="money" if version == 1 else "money held",
    )
    sa.Table(
        "invoices", metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "account_id",
            sa.ForeignKey(
                "billing.accounts.id", ondelete="SET NULL" if version == 1 else "CASCADE"
            ),
        ),
        sa.Column("status", status, nullable=False),
        sa.Column("total", sa.Numeric(10, 2), nullable=False),
        sa.Index(
            "ix_invoices_large", "account_id",
            postgresql_where=sa.text("total > 1000" if version == 1 else "total > 5000"),
        ),
        schema="billing",
    )
    sa.Sequence(
        "invoice_numbers", schema="billing", metadata=metadata,
        increment=1 if version == 1 else 10,
    )
    sa.Table(
        "items", metadata,
        sa.Column("id", sa.Integer, sa.Identity(increment=1 if version == 1 else 5),
                  primary_key=True),
        sa.Column("sku", sa.String(20), nullable=False, comment="stock unit"),
        sa.Index("ix_items_lower_sku", sa.func.lower(sa.text("sku")), unique=True),
        schema="inventory",
    )
    sa.Table(
        "lines", metadata,
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column(
            "invoice_id", sa.ForeignKey("billing.invoices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.ForeignKey("inventory.items.id"), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_lines_quantity"),
        schema="crm",
    )
    if version == 2:
        sa.Table(
            "notes", metadata,
            sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
            sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE")),
            schema="crm",
        )
    return metadata


def _create_schemas(project: AlembicProject, *names: str) -> None:
    with project.engine.begin() as conn:
        for name in names:
            conn.execute(sa.schema.CreateSchema(name))


def _not_owned(project: AlembicProject) -> None:
    """Schemas the application does not use: a DBA's ``legacy`` and PostGIS-like ``topology``."""
    with project.engine.begin() as conn:
        for schema in ("legacy", "topology"):
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
            conn.execute(sa.text(f"CREATE TABLE {schema}.audit (id int PRIMARY KEY, what text)"))
        conn.execute(sa.text("CREATE TYPE legacy.mood AS ENUM ('ok', 'bad')"))


def _schemas(project: AlembicProject) -> set[str]:
    with project.engine.connect() as conn:
        return set(sa.inspect(conn).get_schema_names())


def _upgrade(text: str) -> str:
    return text.split("def upgrade():")[1].split("def downgrade():")[0]


def _downgrade(text: str) -> str:
    return text.split("def downgrade():")[1]


# -- PostgreSQL --------------------------------------------------------------------------------


@pg_only
def test_pg_first_script_creates_the_schemas_and_downgrade_drops_them(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = AlembicProject(tmp_path, db_url)
    _not_owned(project)
    with caplog.at_level(logging.INFO, logger="alembic.autogenerate.compare"):
        rev = project.round_trip(sa.MetaData(), pg_models())
    up, down = _upgrade(rev.text), _downgrade(rev.text)

    creates = [f"op.execute(sa.schema.CreateSchema({name!r}, if_not_exists=True))"
               for name in APP_SCHEMAS]
    # Every schema is created before anything is put into it.
    first_table = up.index("op.create_table(")
    assert all(0 <= up.index(line) < first_table for line in creates), up
    assert "'legacy'" not in rev.text and "'topology'" not in rev.text
    for name in APP_SCHEMAS:
        assert f"schema={name!r}" in up
        assert f"Detected added schema {name!r}" in caplog.text
    # The downgrade drops each schema after its last table (and the enum type made there),
    # when nothing is left in it.
    drops = {name: down.index(f"DROP SCHEMA {name};") for name in APP_SCHEMAS}
    assert drops["billing"] > down.index("op.drop_table('accounts', schema='billing')")
    assert drops["billing"] > down.index(
        "op.execute('DROP TYPE IF EXISTS billing.invoice_status')"
    )
    assert drops["crm"] > down.index("op.drop_table('lines', schema='crm')")
    assert drops["inventory"] > down.index("op.drop_table('items', schema='inventory')")
    assert "CASCADE)" not in down and "cascade=True" not in down

    # round_trip ended downgraded: our schemas are gone, the others untouched.
    assert _schemas(project) & set(APP_SCHEMAS) == set()
    assert {"legacy", "topology"} <= _schemas(project)
    with project.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names(schema="legacy") == ["audit"]
        assert sa.inspect(conn).get_table_names(schema="topology") == ["audit"]

    # Offline (--sql) both ways: nothing in the script needs a live server.
    project.upgrade(sql=True)
    with project.active(project.metadata):
        command.downgrade(project.config(), f"{rev.rev_id}:base", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE SCHEMA IF NOT EXISTS billing;" in sql
    assert "DROP TYPE IF EXISTS billing.invoice_status;" in sql
    assert sql.index("DROP TABLE billing.invoices;") < sql.index("DROP SCHEMA billing;")

    # The script upgrades again after a downgrade to base, and then nothing is left to do.
    project.upgrade()
    assert set(APP_SCHEMAS) <= _schemas(project)
    assert project.revision(pg_models()) is None


@pg_only
def test_pg_changes_inside_schemas(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    _create_schemas(project, *APP_SCHEMAS)
    rev = project.round_trip(pg_models(1), pg_models(2))
    up = _upgrade(rev.text)
    assert "CreateSchema" not in rev.text and "DropSchema" not in rev.text
    assert "op.create_table('notes'" in up and "schema='crm'" in up
    assert "batch_op.add_column(sa.Column('currency'" in up
    assert "'void'" in up  # the enum in billing gets its new value
    assert "balance >= 10" in up
    assert "total > 5000" in up
    assert "ondelete='CASCADE'" in up
    assert "money held" in up
    assert "ALTER SEQUENCE billing.invoice_numbers INCREMENT BY 10" in up
    assert "ALTER TABLE inventory.items ALTER COLUMN id SET INCREMENT BY 5" in up


@pg_only
def test_pg_identical_models_write_nothing(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    _not_owned(project)
    _create_schemas(project, *APP_SCHEMAS)
    project.create(pg_models())
    project.stamp_base()
    assert project.diff(pg_models()) == []
    assert project.revision(pg_models()) is None


@pg_only
def test_pg_schema_made_by_someone_else_is_never_dropped(tmp_path: Path, db_url: str) -> None:
    # `shared` exists and holds a table that is not ours: the script adds a table there,
    # creates no schema, and its downgrade leaves the schema (and the other table) alone.
    def models() -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table("reports", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 schema="shared")
        return metadata

    project = AlembicProject(tmp_path, db_url, plugin_options={"ignore_tables": ["shared.other"]})
    with project.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA shared"))
        conn.execute(sa.text("CREATE TABLE shared.other (id int)"))
    rev = project.round_trip(sa.MetaData(), models())
    assert "op.create_table('reports'" in rev.text
    assert "Schema" not in rev.text and "other" not in rev.text
    with project.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names(schema="shared") == ["other"]


@pg_only
def test_pg_include_schemas_true_still_leaves_other_schemas_alone(
    tmp_path: Path, db_url: str
) -> None:
    # Plain Alembic with include_schemas=True would propose dropping legacy.audit and
    # topology.audit; the application's schemas are the ones its models name.
    project = AlembicProject(tmp_path, db_url, options={"include_schemas": True})
    _not_owned(project)
    rev = project.round_trip(sa.MetaData(), pg_models())
    assert "audit" not in rev.text


@pg_only
def test_pg_listed_schema_and_the_users_schema_filter(tmp_path: Path, db_url: str) -> None:
    # A schema whose models are all gone is compared only when listed: its table is dropped.
    def models(with_archive: bool) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
        if with_archive:
            sa.Table("old_users", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     schema="archive")
        return metadata

    seen: list[tuple[str | None, str]] = []

    def include_name(name, type_, parent_names):  # type: ignore[no-untyped-def]
        if type_ == "schema":
            seen.append((name, type_))
        return True

    listed = AlembicProject(tmp_path / "listed", db_url,
                            options={"include_name": include_name},
                            plugin_options={"schemas": ["archive"]})
    _create_schemas(listed, "archive")
    rev = listed.round_trip(models(True), models(False))
    assert "op.drop_table('old_users', schema='archive')" in _upgrade(rev.text)
    assert ("archive", "schema") in seen and (None, "schema") in seen

    def no_archive(name, type_, parent_names):  # type: ignore[no-untyped-def]
        return not (type_ == "schema" and name == "archive")

    filtered = AlembicProject(tmp_path / "filtered", db_url,
                              options={"include_name": no_archive},
                              plugin_options={"schemas": ["archive"]})
    assert filtered.diff(models(False)) == []
    auto = AlembicProject(tmp_path / "auto", db_url)
    assert auto.diff(models(False)) == []  # "auto": archive is not named by the models


@pg_only
def test_pg_setting_none_is_alembics_own_behaviour(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, plugin_options={"schemas": None})
    _create_schemas(project, *APP_SCHEMAS)
    project.create(pg_models())  # tables in all schemas exist ...
    # ... but without include_schemas Alembic looks at public only, and proposes them again.
    added = {(diff[1].schema, diff[1].name) for diff in project.diff(pg_models())
             if diff[0] == "add_table"}
    assert added == {("billing", "accounts"), ("billing", "invoices"),
                     ("inventory", "items"), ("crm", "lines")}


@pg_only
@pytest.mark.parametrize("key", ["identity", "serial"])
def test_pg_catalog_queries_do_not_grow_with_tables(
    tmp_path: Path, db_url: str, key: str
) -> None:
    # Alembic 1.20 batches reflection for its first schema only: 53 queries for 2 tables per
    # schema and 197 for 10 before this plugin filled the cache for every schema.
    def models(count: int) -> sa.MetaData:
        metadata = sa.MetaData()
        for schema in APP_SCHEMAS:
            for number in range(count):
                identity = [sa.Identity()] if key == "identity" else []
                sa.Table(f"t{number}", metadata,
                         sa.Column("id", sa.Integer, *identity, primary_key=True),
                         schema=schema)
        return metadata

    def recorded(engine: sa.Engine) -> list[str]:
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        return statements

    counts = []
    for count in (2, 10):
        project = AlembicProject(tmp_path / str(count), db_url)
        with project.engine.begin() as conn:
            for schema in APP_SCHEMAS:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
                conn.execute(sa.schema.CreateSchema(schema))
        project.create(models(count))
        statements = recorded(project.engine)
        assert project.diff(models(count)) == []
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def _enum_in_schema_models(kind: str) -> sa.MetaData:
    """One table in ``billing`` whose enum column (type ``billing.kind``) is used by ``kind``."""
    metadata = sa.MetaData()
    column_default = "a" if kind == "server_default" else None
    extras = {
        "check": [sa.CheckConstraint("k <> 'b'", name="ck_t_k")],
        "partial_index": [sa.Index("ix_t_a", "id", postgresql_where=sa.text("k = 'a'"))],
        "server_default": [],
    }[kind]
    sa.Table(
        "t", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("k", sa.Enum("a", "b", name="kind", schema="billing"),
                  server_default=column_default),
        *extras,
        schema="billing",
    )
    return metadata


@pg_only
@pytest.mark.parametrize("kind", ["check", "partial_index", "server_default"])
def test_pg_expressions_on_an_enum_of_another_schema(
    tmp_path: Path, db_url: str, kind: str
) -> None:
    # PostgreSQL spells such an expression with a schema-qualified cast ('a'::billing.kind);
    # the same models in the default schema give no diff (see the other plugins' tests).
    project = AlembicProject(tmp_path, db_url)
    _create_schemas(project, "billing")
    project.create(_enum_in_schema_models(kind))
    assert project.diff(_enum_in_schema_models(kind)) == []


@pg_only
def test_pg_cli_cycle(tmp_path: Path, db_url: str) -> None:
    # Flask-Migrate's defaults made the first script fail and every later `migrate` propose
    # the schemas' tables again; here: no configuration, and `check` passes.
    app = FlaskApp(tmp_path, db_url, app=SCHEMAS_APP, env={"WITH_CRM": "1"})
    app.ok("init")
    app.ok("migrate", "-m", "tables in three schemas")
    (script,) = app.scripts()
    text = script.read_text()
    assert "sa.schema.CreateSchema('billing', if_not_exists=True)" in text
    assert "sa.schema.CreateSchema('crm', if_not_exists=True)" in text
    assert "flask_migrate_plus" not in text
    app.ok("upgrade")
    assert "No changes in schema detected." in app.ok("migrate").stderr
    assert len(app.scripts()) == 1
    app.ok("check")
    app.ok("downgrade", "base")
    project = AlembicProject(tmp_path / "inspect", db_url)
    assert {"billing", "crm"} & _schemas(project) == set()
    app.ok("upgrade")
    assert {"billing", "crm"} <= _schemas(project)

    # The last model of `crm` is gone: `crm` is no longer named by the models, so it is
    # compared only if the setting lists it (see docs/schemas.md).
    app.env["WITH_CRM"] = "0"
    app.config["MIGRATE_PLUS_SCHEMAS"] = ["crm"]
    assert_one_line_error(app.db("check"), "drop table crm.contacts")


# -- MariaDB ---------------------------------------------------------------------------------


@pytest.fixture
def second_database(db_url: str) -> Iterator[str]:
    """A second database on the MariaDB server, made with the admin URL (our job is not)."""
    name = "fmp_other_" + uuid.uuid4().hex[:8]
    engine = sa.create_engine(admin_url("mariadb"), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield name
    finally:
        with engine.begin() as conn:
            # The test database's tables may still point here; it is dropped after this one.
            conn.execute(sa.text("SET FOREIGN_KEY_CHECKS = 0"))
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


def mariadb_models(other: str, version: int = 1) -> sa.MetaData:
    """``teams`` and ``reports`` in the database ``other``, ``users`` in the default one.

    The foreign keys point into ``other``: MariaDB resolves an unqualified reference (which
    is how SQLAlchemy spells a table of the default database) in the referencing table's
    own database, so a key from ``other`` back to the default database cannot be declared.
    """
    metadata = sa.MetaData()
    sa.Table(
        "teams", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False, unique=True),
        schema=other,
    )
    sa.Table(
        "users", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.ForeignKey(f"{other}.teams.id", ondelete="SET NULL")),
    )
    sa.Table(
        "reports", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("team_id", sa.ForeignKey(f"{other}.teams.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.Enum("daily", "weekly", name="report_kind"), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.CheckConstraint("pages > 0" if version == 1 else "pages > 1", name="ck_pages"),
        sa.Index("ix_reports_kind", "kind"),
        *([sa.Column("title", sa.String(100), comment="shown")] if version == 2 else []),
        schema=other,
    )
    return metadata


@mariadb_only
def test_mariadb_tables_in_a_second_database(
    tmp_path: Path, db_url: str, second_database: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(sa.MetaData(), mariadb_models(second_database))
    up = _upgrade(rev.text)
    assert f"schema={second_database!r}" in up
    assert "ondelete='CASCADE'" in up and "Schema" not in rev.text
    project.upgrade()
    assert project.revision(mariadb_models(second_database)) is None
    project.downgrade("base")
    with project.engine.connect() as conn:
        assert sa.inspect(conn).get_table_names(schema=second_database) == []


@mariadb_only
def test_mariadb_changes_in_a_second_database(
    tmp_path: Path, db_url: str, second_database: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(mariadb_models(second_database, 1),
                             mariadb_models(second_database, 2))
    up = _upgrade(rev.text)
    assert f"batch_alter_table('reports', schema={second_database!r})" in up
    assert "add_column(sa.Column('title'" in up and "pages > 1" in up


@mariadb_only
def test_mariadb_identical_models_write_nothing(
    tmp_path: Path, db_url: str, second_database: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(mariadb_models(second_database))
    project.stamp_base()
    assert project.revision(mariadb_models(second_database)) is None


@mariadb_only
def test_mariadb_missing_database_is_one_line(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.stamp_base()
    with pytest.raises(CommandError) as error:
        project.revision(mariadb_models("fmp_no_such_db"))
    message = str(error.value)
    assert "\n" not in message and "fmp_no_such_db" in message and "CREATE DATABASE" in message
    assert list((project.directory / "versions").glob("*.py")) == []


@mariadb_only
def test_mariadb_cli_missing_database(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url, app=SCHEMAS_APP, env={"BILLING_SCHEMA": "fmp_no_such_db"})
    app.ok("init")
    assert_one_line_error(app.db("migrate"), "fmp_no_such_db", "do not exist")
    assert app.scripts() == []


# -- SQLite ------------------------------------------------------------------------------------


@sqlite_only
def test_sqlite_schema_is_one_line(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.stamp_base()
    with pytest.raises(CommandError) as error:
        project.revision(pg_models())
    message = str(error.value)
    assert "\n" not in message and "billing, crm, inventory" in message
    assert "attached databases" in message


@sqlite_only
def test_sqlite_cli_schema_is_one_line(tmp_path: Path, db_url: str) -> None:
    app = FlaskApp(tmp_path, db_url, app=SCHEMAS_APP)
    app.ok("init")
    assert_one_line_error(app.db("migrate"), "billing", "attached databases")
    assert app.scripts() == []


def test_schema_ops_reverse_and_describe() -> None:
    create = CreateObjectOp(Schema("billing", enum_types=("invoice_status",)))
    drop = create.reverse()
    assert isinstance(drop, DropObjectOp) and drop.obj.enum_types == ("invoice_status",)
    assert isinstance(drop.reverse(), CreateObjectOp)
    assert list(describe_op(create)) == ["create schema billing"]
    assert list(describe_op(drop)) == ["drop schema billing"]
    assert create.to_diff_tuple() == ("add_schema", "billing")


def test_model_schemas_reads_tables_sequences_and_types() -> None:
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("c", sa.Enum("a", name="e", schema="types")))
    sa.Sequence("s", schema="counters", metadata=metadata)
    sa.Table("u", metadata, sa.Column("id", sa.Integer), schema="data")
    assert model_schemas(metadata) == {"types", "counters", "data"}
    assert model_schemas([metadata, sa.MetaData()]) == {"types", "counters", "data"}
