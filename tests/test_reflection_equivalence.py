"""Catalog read in bulk = the dialect's own reflection, record for record, on every backend.

Autogenerate with our plugins fills the inspector's reflection cache from a few catalog
statements where the dialect reads one table at a time (``flask_migrate_plus.catalog``).
These tests reflect the same schemas both ways (every plugin on, with and without the bulk
reader, so that the repairs other plugins make to reflected records apply to both) and
compare every record: a schema with
every kind of column, index, key option, CHECK, comment, default and generated column, the
odd spellings SQLite keeps verbatim, a seeded random set of tables, and the model sets of
the random-model oracle (``oracle_models``: a fixed, derandomised set of examples).
"""

from __future__ import annotations

import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.operations.ops import UpgradeOps
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st
from oracle_models import SECOND_SCHEMA, build_metadata, model_specs
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.types import TypeEngine

from flask_migrate_plus.schema import sqlite_catalog
from flask_migrate_plus.wiring import alembic_configure_args

from backends import fresh_database

KINDS = ("columns", "pk_constraint", "foreign_keys", "indexes", "unique_constraints",
         "check_constraints", "table_options", "table_comment")


# -- the schemas -------------------------------------------------------------------------------


def every_kind(backend: str) -> sa.MetaData:
    """One of each: column types, defaults, generated columns, indexes, keys, CHECKs."""
    metadata = sa.MetaData()
    stored = backend == "postgresql"  # PostgreSQL has stored generated columns only
    sa.Table(
        "parent", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("region", sa.String(10), nullable=False),
        sa.UniqueConstraint("code", "region", name="uq_parent_code_region"),
        comment="parents of everything",
    )
    sa.Table(
        "kinds", metadata,
        sa.Column("id", sa.BigInteger, sa.Identity() if backend != "sqlite" else None,
                  primary_key=True),
        sa.Column("small", sa.SmallInteger, server_default="3"),
        sa.Column("name", sa.String(100), nullable=False, server_default="", comment="a name"),
        sa.Column("body", sa.Text),
        sa.Column("price", sa.Numeric(10, 2), server_default="0"),
        sa.Column("ratio", sa.Float),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("born", sa.Date),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("status", sa.Enum("new", "old", name="kind_status", native_enum=False)),
        sa.Column("token", sa.Uuid),
        sa.Column("doubled", sa.Integer, sa.Computed("small * 2", persisted=True)),
        sa.Column("tripled", sa.Integer, sa.Computed("small * 3", persisted=stored or None)),
        sa.Column("parent_id", sa.Integer,
                  sa.ForeignKey("parent.id", ondelete="CASCADE", onupdate="SET NULL")),
        sa.Column("parent_code", sa.String(20)),
        sa.Column("parent_region", sa.String(10)),
        sa.ForeignKeyConstraint(["parent_code", "parent_region"],
                                ["parent.code", "parent.region"], name="fk_kinds_parent_pair"),
        sa.CheckConstraint("small > 0", name="ck_kinds_small"),
        sa.CheckConstraint("price >= 0 AND (ratio IS NULL OR ratio < 1.5)"),
        sa.CheckConstraint("name <> ')'", name="ck kinds name"),
        sa.Index("ix_kinds_name", "name"),
        sa.Index("ix_kinds_pair", "parent_code", "parent_region", unique=True),
        sa.Index("ix_kinds_desc", sa.desc("created_at")),
        *([sa.Index("ix_kinds_lower", sa.func.lower(sa.column("name")))]
          if backend != "mariadb" else []),  # MariaDB has no expression indexes
        sa.Index("ix_kinds_partial", "small", sqlite_where=sa.text("small > 5"),
                 postgresql_where=sa.text("small > 5")),
        comment="every kind",
    )
    sa.Table(
        "Mixed Case", metadata,
        sa.Column("Id", sa.Integer, primary_key=True),
        sa.Column("Kind Id", sa.BigInteger, sa.ForeignKey("kinds.id", name="fk mixed kind")),
        sa.Column("Label", sa.String(30), unique=True),
        sa.Index("ix Mixed Label Kind", "Label", "Kind Id"),
    )
    sa.Table(
        "pairs", metadata,
        sa.Column("a", sa.Integer, primary_key=True),
        sa.Column("b", sa.String(5), primary_key=True),
        sa.Column("kind_id", sa.BigInteger),
        sa.ForeignKeyConstraint(["kind_id"], ["kinds.id"], name="fk_pairs_kind",
                                **({} if backend == "mariadb" else  # MariaDB: never deferred
                                   {"deferrable": True, "initially": "DEFERRED"})),
    )
    if backend == "postgresql":
        # Identity columns with options, two in one table (the other keys are SERIAL).
        sa.Table(
            "identities", metadata,
            sa.Column("id", sa.BigInteger, sa.Identity(always=True, start=5, increment=3,
                                                       minvalue=1, maxvalue=10_000, cycle=True,
                                                       cache=2), primary_key=True),
            sa.Column("other", sa.SmallInteger, sa.Identity(start=-1, increment=-1)),
        )
    return metadata


def random_tables(seed: int, count: int) -> sa.MetaData:
    """``count`` tables of random columns, defaults, indexes, keys and CHECKs (seeded)."""
    rng = random.Random(seed)
    types = [sa.Integer, sa.BigInteger, sa.SmallInteger, lambda: sa.String(rng.randint(1, 200)),
             sa.Text, sa.Boolean, sa.Date, sa.DateTime, lambda: sa.Numeric(12, rng.randint(0, 4)),
             sa.Float, sa.LargeBinary]
    defaults: dict[type, list[Any]] = {sa.Integer: ["0", "42"], sa.String: ["", "x y"],
                                       sa.Boolean: [sa.false(), sa.true()]}
    actions = [None, "CASCADE", "SET NULL", "RESTRICT"]
    metadata = sa.MetaData()
    for t in range(count):
        name = f"r{seed}_{t:02d}"
        columns: list[Any] = [sa.Column("id", sa.Integer, primary_key=True)]
        for c in range(rng.randint(1, 8)):
            type_ = rng.choice(types)()
            default = None
            for kind, choices in defaults.items():
                if isinstance(type_, kind) and rng.random() < 0.5:
                    default = rng.choice(choices)
            columns.append(sa.Column(f"c{c}", type_, nullable=rng.random() < 0.6,
                                     server_default=default))
        extras: list[Any] = []
        indexable = [c.name for c in columns[1:]
                     if not isinstance(c.type, sa.Text | sa.LargeBinary)
                     and not (isinstance(c.type, sa.String) and (c.type.length or 0) > 100)]
        for i in range(rng.randint(0, 3)):
            if indexable:
                picked = rng.sample(indexable, rng.randint(1, min(2, len(indexable))))
                extras.append(sa.Index(f"ix_{name}_{i}", *picked, unique=rng.random() < 0.3))
        if t and rng.random() < 0.7:
            target = f"r{seed}_{rng.randrange(t):02d}"
            columns.append(sa.Column("ref_id", sa.Integer))
            named = rng.random() < 0.5
            extras.append(sa.ForeignKeyConstraint(
                ["ref_id"], [f"{target}.id"], name=f"fk_{name}_ref" if named else None,
                ondelete=rng.choice(actions), onupdate=rng.choice(actions)))
        if rng.random() < 0.4:
            extras.append(sa.CheckConstraint("c0 IS NULL OR c0 = c0", name=f"ck_{name}_c0"))
        sa.Table(name, metadata, *columns, *extras)
    return metadata


#: CREATE TABLE texts as people write them by hand: SQLite keeps them verbatim.
SQLITE_TEXTS = [
    'create table "lower case" (id integer primary key, "a b" text unique, c int '
    "constraint c_positive check (c > 0), d text check (d <> 'x)'))",
    "CREATE TABLE brackets ([id] INTEGER NOT NULL, [name] VARCHAR(10), "
    "CONSTRAINT pk_brackets PRIMARY KEY ([id]), UNIQUE ([name]))",
    "CREATE TABLE strict_one (id INTEGER PRIMARY KEY, n INT NOT NULL DEFAULT (1 + 2)) STRICT",
    "CREATE TABLE no_rowid (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID",
    "CREATE TABLE refs (id INTEGER PRIMARY KEY, p INTEGER REFERENCES brackets, "
    "q INTEGER, ghost INTEGER REFERENCES nowhere (id),\n"
    "  CONSTRAINT fk_refs_q FOREIGN KEY (q) REFERENCES \"lower case\" (id)\n"
    "  ON DELETE SET DEFAULT ON UPDATE\nCASCADE DEFERRABLE INITIALLY IMMEDIATE)",
    "CREATE TABLE gen (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, "
    "c TEXT AS (upper('x' || a)) STORED)",
    "CREATE INDEX ix_gen_expr ON gen (a + 1)",
    "CREATE UNIQUE INDEX ix_refs_pq ON refs (p, q) WHERE q IS NOT NULL",
]


def build(backend: str, url: str) -> sa.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    every_kind(backend).create_all(engine)
    for seed in (1, 2):
        random_tables(seed, 25).create_all(engine)
    if backend == "sqlite":
        with engine.begin() as connection:
            for text in SQLITE_TEXTS:
                connection.exec_driver_sql(text)
    return engine


# -- comparing records -------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Records as plain data: types and SQL by their class and text."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, TypeEngine):
        return ("type", type(value).__name__, repr(value))
    if isinstance(value, ClauseElement):
        return ("sql", str(value))
    if isinstance(value, str):
        return str(value)  # a conv() name is its text
    return value


def reflection_cache(connection: sa.Connection, plugins: list[str]) -> dict[str, Any]:
    """Alembic's ``alembic_<kind>`` cache entries after comparing ``connection``'s schema."""
    args = alembic_configure_args({"compare_type": True, "compare_server_default": True})
    args["autogenerate_plugins"] = plugins
    args.pop("process_revision_directives", None)
    metadata = sa.MetaData()
    context = MigrationContext.configure(connection, opts={"target_metadata": metadata, **args})
    autogen_context = AutogenContext(context, metadata)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        autogen_context.comparators.dispatch("autogenerate", qualifier=connection.dialect.name)(
            autogen_context, UpgradeOps(ops=[]))
    cache = autogen_context.inspector.info_cache
    return {kind: plain(cache.get(f"alembic_{kind}")) for kind in KINDS}


# -- the tests ---------------------------------------------------------------------------------


#: Every plugin, and every plugin but the bulk catalog reader: the dialect reflects each table.
WITH_CATALOG = ["alembic.autogenerate.*", "flask_migrate_plus.*"]
WITHOUT_CATALOG = [*WITH_CATALOG, "~flask_migrate_plus.catalog"]


def test_the_run_reflects_what_the_dialect_reflects(backend: str, db_url: str) -> None:
    engine = build(backend, db_url)
    with engine.connect() as connection:
        ours = reflection_cache(connection, WITH_CATALOG)
    with engine.connect() as connection:
        dialect = reflection_cache(connection, WITHOUT_CATALOG)
    assert dialect["columns"] and len(dialect["columns"]) >= 50
    for kind in KINDS:
        assert ours[kind] == dialect[kind], kind


@pytest.mark.backends("sqlite")
def test_bulk_records_equal_the_dialect_records_with_the_same_warnings(db_url: str) -> None:
    engine = build("sqlite", db_url)
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
        with warnings.catch_warnings(record=True) as ours_warned:
            warnings.simplefilter("always")
            catalog = sqlite_catalog.read_catalog(connection, None, names)
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        with warnings.catch_warnings(record=True) as dialect_warned:
            warnings.simplefilter("always")
            own = {kind: inspector.__getattribute__(f"get_multi_{kind}")(filter_names=names)
                   for kind in catalog}
    assert set(catalog) == set(KINDS) - {"table_comment"}
    for kind, records in catalog.items():
        assert set(records) == {(None, name) for name in names}, kind
        assert plain(records) == plain(own[kind]), kind
    messages = sorted(str(w.message) for w in ours_warned)
    assert messages == sorted(str(w.message) for w in dialect_warned)
    assert any("expression-based index ix_gen_expr" in m for m in messages)


@pytest.mark.backends("postgresql")
def test_postgresql_identity_sequences_found_by_dependency(db_url: str) -> None:
    engine = build("postgresql", db_url)
    statements: list[str] = []
    with engine.connect() as connection:
        sa.event.listen(connection, "before_cursor_execute",
                        lambda _c, _cur, statement, *_: statements.append(statement))
        ours = reflection_cache(connection, WITH_CATALOG)
    columns = {column["name"]: column for column in ours["columns"][(None, "identities")]}
    assert columns["id"]["identity"] == {
        "always": True, "start": 5, "increment": 3, "minvalue": 1, "maxvalue": 10_000,
        "cache": 2, "cycle": True}
    assert columns["other"]["identity"]["increment"] == -1
    serial = {column["name"]: column for column in ours["columns"][(None, "parent")]}["id"]
    assert "identity" not in serial
    assert any("pg_catalog.pg_depend" in statement for statement in statements)
    assert not any("pg_get_serial_sequence" in statement for statement in statements)


@pytest.mark.backends("sqlite")
def test_sqlite_statements_do_not_grow_with_tables(tmp_path: Path) -> None:
    counts = []
    for size in (5, 40):
        engine = sa.create_engine(f"sqlite:///{tmp_path / f'{size}.db'}",
                                  poolclass=sa.pool.NullPool)
        random_tables(3, size).create_all(engine)
        statements = 0

        def count(*_: Any) -> None:
            nonlocal statements
            statements += 1

        with engine.connect() as connection:
            sa.event.listen(connection, "before_cursor_execute", count)
            reflection_cache(connection, WITH_CATALOG)
        counts.append(statements)
    assert counts[1] == counts[0] <= 12, counts


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.filter_too_much])
@given(data=st.data())
def test_oracle_models_reflect_the_same_both_ways(backend: str, data: st.DataObject) -> None:
    spec = data.draw(model_specs(backend), label="models")
    metadata = build_metadata(spec, backend)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                if any(table.schema for table in spec.tables):
                    connection.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {SECOND_SCHEMA}")
                metadata.create_all(connection)
        except sa.exc.DBAPIError:
            # A model set the server refuses (the generator can draw a column's unique=True
            # and a table UNIQUE on it under one name) has nothing to reflect.
            engine.dispose()
            reject()
        with engine.connect() as connection:
            ours = reflection_cache(connection, WITH_CATALOG)
        with engine.connect() as connection:
            dialect = reflection_cache(connection, WITHOUT_CATALOG)
        engine.dispose()
    for kind in KINDS:
        assert ours[kind] == dialect[kind], kind
