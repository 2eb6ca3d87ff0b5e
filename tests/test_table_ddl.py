"""DDL the application attaches to its tables: the first script builds what create_all builds.

``event.listen(table, "after_create", DDL(...).execute_if(dialect=...))``: ``create_all`` runs
the statement with the table; the script now does too (under the same dialect condition),
its downgrade drops what it made, and an index such DDL made is never proposed for a drop.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa

from flask_migrate_plus.ops.table_ddl import undo_items
from flask_migrate_plus.schema.table_ddl import CreatedObject, argument_types, created_objects

from harness import AlembicProject

# -- the models: one table, DDL for each backend ---------------------------------------------

PG_DDL = [
    ("before_create", "CREATE FUNCTION touch_updated() RETURNS trigger LANGUAGE plpgsql AS "
                      "$$ BEGIN NEW.updated := now(); RETURN NEW; END $$"),
    ("after_create", "CREATE UNIQUE INDEX uq_documents_body ON %(fullname)s "
                     "(md5(body), COALESCE(owner_id, -1))"),
    ("after_create", "CREATE TRIGGER trg_documents_touch BEFORE UPDATE ON %(fullname)s "
                     "FOR EACH ROW EXECUTE FUNCTION touch_updated()"),
]
SQLITE_DDL = [
    ("after_create", "CREATE INDEX ix_documents_lower ON %(table)s (lower(body))"),
    ("after_create", "CREATE TRIGGER trg_documents_touch AFTER UPDATE OF body ON %(table)s "
                     "BEGIN UPDATE %(table)s SET updated = CURRENT_TIMESTAMP "
                     "WHERE id = NEW.id; END"),
]
MARIADB_DDL = [
    ("after_create", "CREATE INDEX ix_documents_body ON %(table)s (body(20))"),
    ("after_create", "CREATE TRIGGER trg_documents_touch BEFORE UPDATE ON %(table)s "
                     "FOR EACH ROW SET NEW.updated = NOW()"),
]
DDL_BY_BACKEND = {"postgresql": (PG_DDL, "postgresql"), "sqlite": (SQLITE_DDL, "sqlite"),
                  "mariadb": (MARIADB_DDL, ("mysql", "mariadb"))}


def _models(*extra: sa.Column[Any], schema: str | None = None,
            listeners: bool = True) -> sa.MetaData:
    """``documents`` with the DDL of every backend, each limited to its own dialect."""
    metadata = sa.MetaData()
    table = sa.Table(
        "documents", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.String(200)),
        sa.Column("owner_id", sa.Integer),
        sa.Column("updated", sa.DateTime),
        *extra,
        schema=schema,
    )
    if listeners:
        for statements, dialect in DDL_BY_BACKEND.values():
            for event, sql in statements:
                sa.event.listen(table, event, sa.DDL(sql).execute_if(dialect=dialect))
    return metadata


def _halves(text: str) -> tuple[str, str]:
    up, down = text.split("def downgrade():")
    return up.split("def upgrade():")[1], down


def _objects(project: AlembicProject, backend: str) -> set[tuple[str, str]]:
    """The indexes, triggers and functions of the database, with their definitions."""
    queries = {
        "postgresql": [
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
            "SELECT proname, pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'",
        ],
        "sqlite": ["SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"],
        "mariadb": [
            "SELECT INDEX_NAME, GROUP_CONCAT(COLUMN_NAME, SUB_PART) FROM "
            "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY INDEX_NAME",
            "SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS "
            "WHERE TRIGGER_SCHEMA = DATABASE()",
        ],
    }[backend]
    with project.engine.connect() as conn:
        return {(str(row[0]), str(row[1])) for query in queries
                for row in conn.execute(sa.text(query))}


# -- a new table ---------------------------------------------------------------------------------


def test_first_script_builds_what_create_all_builds(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.stamp_base()
    empty = _objects(project, backend)  # alembic_version's key
    rev = project.revision(_models())
    assert rev is not None
    up, down = _halves(rev.text)
    # Every backend's DDL is in the script, each under its condition.
    assert "if op.get_context().dialect.name == 'postgresql':" in up
    assert "if op.get_context().dialect.name == 'sqlite':" in up
    assert "if op.get_context().dialect.name in ('mysql', 'mariadb'):" in up
    assert up.index("CREATE FUNCTION touch_updated()") < up.index("op.create_table(")
    assert up.index("op.create_table(") < up.index("CREATE UNIQUE INDEX uq_documents_body")
    assert "ON documents (md5(body), COALESCE(owner_id, -1))" in up
    for line in ("DROP TRIGGER IF EXISTS trg_documents_touch ON documents",
                 "DROP INDEX IF EXISTS uq_documents_body",
                 "DROP FUNCTION IF EXISTS touch_updated()",
                 "DROP INDEX IF EXISTS ix_documents_lower",
                 "DROP TRIGGER IF EXISTS trg_documents_touch'",
                 "DROP INDEX ix_documents_body ON documents"):
        assert line in down, line
    assert down.index("DROP FUNCTION IF EXISTS touch_updated()") > down.index("drop_table(")

    project.upgrade()
    by_script = _objects(project, backend)
    assert "trg_documents_touch" in {name for name, _ in by_script}
    assert project.diff(_models()) == []  # the DDL's index is not proposed for a drop
    project.downgrade()
    assert project.diff(sa.MetaData()) == []
    assert _objects(project, backend) == empty  # nothing left behind (the function too)
    _models().create_all(project.engine)
    assert _objects(project, backend) == by_script


def test_ddl_index_of_an_existing_table_is_never_dropped(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(), _models(sa.Column("title", sa.String(50))))
    assert "drop_index" not in rev.text and "create_index" not in rev.text
    before = _objects(project, backend)
    project.upgrade()
    assert _objects(project, backend) == before


@pytest.mark.backends("postgresql")
def test_function_in_the_app_schema_goes_and_so_does_the_schema(
    tmp_path: Path, db_url: str
) -> None:
    metadata = _models(schema="app", listeners=False)
    table = metadata.tables["app.documents"]
    sa.event.listen(table, "before_create", sa.DDL(
        "CREATE FUNCTION %(schema)s.touch_updated() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.updated := now(); RETURN NEW; END $$"))
    sa.event.listen(table, "after_create", sa.DDL(
        "CREATE TRIGGER trg_touch BEFORE UPDATE ON %(fullname)s "
        "FOR EACH ROW EXECUTE FUNCTION %(schema)s.touch_updated()"))
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(sa.MetaData(), metadata)
    up, down = _halves(rev.text)
    assert up.index("CreateSchema('app'") < up.index("CREATE FUNCTION app.touch_updated()")
    assert "DROP FUNCTION IF EXISTS app.touch_updated()" in down
    assert "DROP TRIGGER IF EXISTS trg_touch ON app.documents" in down
    with project.engine.connect() as conn:
        assert "app" not in sa.inspect(conn).get_schema_names()


# -- what cannot be written ----------------------------------------------------------------------


def test_python_listeners_and_conditions_are_said_not_run(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    def set_up_audit(target: Any, connection: Any, **kw: Any) -> None:
        """An application's own listener: Python, not DDL."""

    def only_in_production(ddl: Any, target: Any, bind: Any, **kw: Any) -> bool:
        return False

    metadata = _models(listeners=False)
    table = metadata.tables["documents"]
    sa.event.listen(table, "after_create", set_up_audit)
    sa.event.listen(table, "after_create", sa.DDL(
        "CREATE INDEX ix_documents_owner ON %(table)s (owner_id)"
    ).execute_if(callable_=only_in_production))
    sa.event.listen(table, "after_create", sa.DDL("GRANT SELECT ON %(table)s TO auditor")
                    .execute_if(callable_=only_in_production))
    project = AlembicProject(tmp_path, db_url)
    with caplog.at_level(logging.WARNING, logger="flask_migrate_plus"):
        rev = project.round_trip(sa.MetaData(), metadata)
    warnings = [r.getMessage() for r in caplog.records if r.name == "flask_migrate_plus"]
    assert len(warnings) == 1 and "documents" in warnings[0]
    assert "set_up_audit" in warnings[0]
    up, down = _halves(rev.text)
    assert "# review: create_all also runs the Python function" in up
    assert "set_up_audit" in up
    assert "# review: create_all runs this only when" in up
    assert "# CREATE INDEX ix_documents_owner ON documents (owner_id)" in up
    assert "op.execute('CREATE INDEX ix_documents_owner" not in up
    assert "# review: no reverse derived for: GRANT SELECT ON documents TO auditor" in down


# -- reading the statements ----------------------------------------------------------------------


@pytest.mark.parametrize(("sql", "expected"), [
    ('CREATE UNIQUE INDEX IF NOT EXISTS "Uq" ON s.t (md5(a))',
     CreatedObject("index", '"Uq"', "s.t")),
    ("CREATE INDEX CONCURRENTLY ix ON ONLY t USING gin (a)", CreatedObject("index", "ix", "t")),
    ("create index on t (a)", CreatedObject("index", None, "t")),
    ("CREATE OR REPLACE FUNCTION f(a int, b text DEFAULT 'x') RETURNS int AS $b$ "
     "SELECT 1; $b$ LANGUAGE sql", CreatedObject("function", "f", None, "a int, b text "
                                                 "DEFAULT 'x'")),
    ("CREATE CONSTRAINT TRIGGER trg AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
     CreatedObject("trigger", "trg", "t")),
    ("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1", CreatedObject(
        "materialized view", "mv")),
    ("CREATE TEMP VIEW v AS SELECT 1", CreatedObject("view", "v")),
    ("ALTER TABLE ONLY t ADD CONSTRAINT ck CHECK (a > 0)", CreatedObject("constraint", "ck",
                                                                          "t")),
    ("COMMENT ON COLUMN t.a IS 'x'", CreatedObject("table change", None, "t.a")),
    ("GRANT SELECT ON t TO someone", None),
])
def test_what_a_statement_creates(sql: str, expected: CreatedObject | None) -> None:
    (statement,) = created_objects(sql)
    assert statement.created == expected


def test_statements_are_split_outside_quotes_comments_and_bodies() -> None:
    sql = ("-- a comment; CREATE INDEX not_this ON t (a)\n"
           "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
           "COMMENT ON TABLE t IS 'one; two';\n"
           "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
           "  IF NEW.a IS NULL THEN SET NEW.a = CASE WHEN 1 THEN 2 END; END IF;\n"
           "END;\n"
           "CREATE INDEX ix ON t (a)")
    kinds = [(s.created.kind, s.created.name) if s.created else None
             for s in created_objects(sql, backslash_escapes=True)]
    assert kinds == [("function", "f"), ("table change", None), ("trigger", "trg"),
                     ("index", "ix")]


def test_reverse_by_dialect() -> None:
    statements = created_objects(
        "CREATE INDEX ix ON s.t (a); CREATE TRIGGER trg BEFORE INSERT ON s.t FOR EACH ROW "
        "EXECUTE FUNCTION f(); CREATE EXTENSION IF NOT EXISTS pg_trgm")
    assert undo_items(statements, "t", "postgresql") == (
        ("note", "the pg_trgm extension is kept"),
        ("sql", "DROP TRIGGER IF EXISTS trg ON s.t"),
        ("sql", "DROP INDEX IF EXISTS s.ix"),
    )
    assert undo_items(created_objects("CREATE INDEX ix ON t (a)"), "t", "mariadb") == (
        ("sql", "DROP INDEX ix ON t"),
    )
    assert argument_types("a integer, b numeric(10, 2) = 3, VARIADIC c text[]") == (
        "a integer, b numeric(10, 2), VARIADIC c text[]"
    )
