"""The lint rules, one test each on a hand-written script: the risky form is reported with
its line, what it locks and its safe form; an acknowledgement comment silences it; the safe
form is not reported. Plus the recorder (batch blocks, autocommit blocks, get_bind, line
numbers) and the SQL reader behind ``op.execute``.

The linter reads scripts and never connects: these tests need no database server.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_migrate_plus.lint import RULES, Finding, LintError, lint_script

HEADER = '''"""a test script"""
from alembic import op
import sqlalchemy as sa

revision = "a1"
down_revision = None


'''

AUTOCOMMIT = "with op.get_context().autocommit_block():"


def _body(code: str) -> str:
    """``code`` as a function body; its first line may start at column 0 and the others
    be indented (a case written inline after its opening quotes)."""
    code = code.strip("\n")
    first, _, rest = code.partition("\n")
    if rest and not first[:1].isspace():
        lines = rest.splitlines()
        base = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
        if first.rstrip().endswith(":"):  # the next line is the opener's body
            base = len(lines[0]) - len(lines[0].lstrip()) - 4
        code = "\n".join([first, *(line[base:] for line in lines)])
    return textwrap.indent(textwrap.dedent(code), "    ")


def line_of(path: Path, fragment: str, occurrence: int = 1) -> int:
    """The number of the line holding ``fragment`` (its n-th occurrence)."""
    found = [number for number, line in enumerate(path.read_text().splitlines(), 1)
             if fragment in line]
    return found[occurrence - 1]


def write_script(tmp_path: Path, upgrade: str, downgrade: str = "pass",
                 name: str = "a1_script.py") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "def upgrade():\n" + _body(upgrade) + "\n\n\ndef downgrade():\n"
                    + _body(downgrade) + "\n")
    return path


def rules_of(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


@dataclass
class Case:
    rule: str
    risky: str
    safe: str
    dialect: str = "postgresql"
    server_version: tuple[int, ...] | None = None
    #: SQL run before the safe form on a real server, after SCHEMA.
    setup: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.dialect}"


CASES = [
    Case("require-concurrent-index-creation",
         'op.create_index("ix_name", "author", ["name"])',
         f'''{AUTOCOMMIT}
             op.create_index("ix_name", "author", ["name"], postgresql_concurrently=True)'''),
    Case("require-concurrent-index-creation",
         'op.execute("CREATE INDEX ix_name ON author (name)")',
         f'''{AUTOCOMMIT}
             op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_name ON author (name)")'''),
    Case("require-concurrent-index-deletion",
         'op.drop_index("ix_name", table_name="author")',
         f'''{AUTOCOMMIT}
             op.drop_index("ix_name", table_name="author", postgresql_concurrently=True)''',
         setup="CREATE INDEX ix_name ON author (name)"),
    Case("ban-concurrent-index-creation-in-transaction",
         'op.create_index("ix_name", "author", ["name"], postgresql_concurrently=True)',
         f'''{AUTOCOMMIT}
             op.create_index("ix_name", "author", ["name"], postgresql_concurrently=True)'''),
    Case("constraint-missing-not-valid",
         'op.create_check_constraint("ck_points", "author", "points >= 0")',
         f'''op.create_check_constraint("ck_points", "author", "points >= 0",
                                     postgresql_not_valid=True)
         {AUTOCOMMIT}
             op.execute("ALTER TABLE author VALIDATE CONSTRAINT ck_points")'''),
    Case("constraint-missing-not-valid",
         '''op.execute("ALTER TABLE author ADD CONSTRAINT ck_points CHECK (points >= 0) NOT VALID")
         op.execute("ALTER TABLE author VALIDATE CONSTRAINT ck_points")''',
         '''op.execute("ALTER TABLE author ADD CONSTRAINT ck_points CHECK (points >= 0) NOT VALID")
         op.execute("COMMIT")
         op.execute("BEGIN")
         op.execute("ALTER TABLE author VALIDATE CONSTRAINT ck_points")'''),
    Case("constraint-missing-not-valid",
         'op.create_check_constraint("ck_points", "author", "points >= 0")',
         'op.execute("ALTER TABLE author ADD CONSTRAINT ck_points CHECK (points >= 0), '
         'ALGORITHM=INPLACE")',
         dialect="mariadb"),
    Case("adding-foreign-key-constraint",
         'op.create_foreign_key("fk_post_author", "post", "author", ["author_id"], ["id"])',
         f'''op.create_foreign_key("fk_post_author", "post", "author", ["author_id"], ["id"],
                               postgresql_not_valid=True)
         {AUTOCOMMIT}
             op.execute("ALTER TABLE post VALIDATE CONSTRAINT fk_post_author")'''),
    Case("adding-foreign-key-constraint",
         'op.create_foreign_key("fk_post_author", "post", "author", ["author_id"], ["id"])',
         '''op.create_table("note", sa.Column("id", sa.BigInteger(), primary_key=True),
                         sa.Column("author_id", sa.BigInteger()))
         op.create_foreign_key("fk_note_author", "note", "author", ["author_id"], ["id"])''',
         dialect="mariadb"),
    Case("adding-not-nullable-field",
         'op.add_column("author", sa.Column("age", sa.BigInteger(), nullable=False))',
         'op.add_column("author", sa.Column("age", sa.BigInteger(), nullable=True))',
         dialect="sqlite"),
    Case("adding-not-nullable-field",
         'op.execute("ALTER TABLE author ADD COLUMN age bigint NOT NULL")',
         'op.execute("ALTER TABLE author ADD COLUMN age bigint NOT NULL DEFAULT 0")'),
    Case("setting-not-nullable-field",
         'op.alter_column("author", "points", existing_type=sa.BigInteger(), nullable=False)',
         f'''op.execute("ALTER TABLE author ADD CONSTRAINT ck_nn CHECK (points IS NOT NULL) "
                    "NOT VALID")
         {AUTOCOMMIT}
             op.execute("ALTER TABLE author VALIDATE CONSTRAINT ck_nn")
         op.alter_column("author", "points", existing_type=sa.BigInteger(), nullable=False)
         op.drop_constraint("ck_nn", "author", type_="check")'''),
    Case("changing-column-type",
         'op.alter_column("author", "points", existing_type=sa.Integer(), type_=sa.BigInteger())',
         'op.alter_column("author", "name", existing_type=sa.String(100), type_=sa.String(200))'),
    Case("changing-column-type",
         'op.alter_column("author", "points", existing_type=sa.Integer(), type_=sa.BigInteger())',
         '''op.create_table("note", sa.Column("id", sa.BigInteger(), primary_key=True))
         op.alter_column("note", "id", existing_type=sa.BigInteger(), type_=sa.Numeric(20))''',
         dialect="mariadb"),
    Case("adding-field-with-default",
         'op.add_column("author", sa.Column("token", sa.Uuid(), '
         'server_default=sa.text("gen_random_uuid()")))',
         'op.add_column("author", sa.Column("seen", sa.DateTime(timezone=True), '
         'server_default=sa.text("now()")))'),
    Case("adding-field-with-default",
         'op.add_column("author", sa.Column("level", sa.BigInteger(), server_default="0"))',
         'op.add_column("author", sa.Column("level", sa.BigInteger()))',
         server_version=(10, 23)),
    Case("adding-field-with-default",
         'op.add_column("author", sa.Column("token", sa.String(36), '
         'server_default=sa.text("(uuid())")))',
         'op.add_column("author", sa.Column("kind", sa.String(36), server_default="plain"))',
         dialect="mariadb"),
    Case("renaming-column",
         'op.alter_column("author", "name", new_column_name="full_name")',
         'op.add_column("author", sa.Column("full_name", sa.Text()))',
         dialect="sqlite"),
    Case("renaming-column",
         'op.execute("ALTER TABLE author RENAME COLUMN name TO full_name")',
         'op.execute("ALTER TABLE author RENAME CONSTRAINT ck_a TO ck_b")'),
    Case("renaming-table",
         'op.rename_table("author", "writer")',
         '''op.create_table("draft", sa.Column("id", sa.BigInteger(), primary_key=True))
         op.rename_table("draft", "sketch")'''),
    Case("ban-drop-column",
         'op.drop_column("author", "points")',
         'op.add_column("author", sa.Column("nickname", sa.Text()))',
         dialect="sqlite"),
    Case("ban-drop-table",
         'op.drop_table("post")',
         '''op.create_table("draft", sa.Column("id", sa.BigInteger(), primary_key=True))
         op.drop_table("draft")'''),
    Case("ban-drop-database",
         'op.execute("DROP DATABASE production")',
         'op.execute("DROP TABLE IF EXISTS scratch_copy")'),
    Case("require-lock-timeout",
         'op.add_column("author", sa.Column("bio", sa.Text()))',
         '''op.execute("SET LOCAL lock_timeout = '2s'")
         op.add_column("author", sa.Column("bio", sa.Text()))'''),
    Case("prefer-bigint-over-int",
         'op.add_column("author", sa.Column("visits", sa.Integer()))',
         'op.add_column("author", sa.Column("visits", sa.BigInteger()))'),
    Case("prefer-bigint-over-smallint",
         'op.add_column("author", sa.Column("rank", sa.SmallInteger()))',
         'op.add_column("author", sa.Column("rank", sa.BigInteger()))'),
    Case("prefer-identity",
         'op.create_table("tag", sa.Column("id", sa.BigInteger(), primary_key=True))',
         'op.create_table("tag", sa.Column("id", sa.BigInteger(), sa.Identity(), '
         'primary_key=True))'),
    Case("prefer-identity",
         'op.execute("CREATE TABLE tag (id bigserial PRIMARY KEY)")',
         'op.execute("CREATE TABLE tag (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)")'),
    Case("prefer-text-field",
         'op.add_column("author", sa.Column("email", sa.String(120)))',
         'op.add_column("author", sa.Column("email", sa.Text()))'),
    Case("prefer-timestamptz",
         'op.add_column("author", sa.Column("seen_at", sa.DateTime()))',
         'op.add_column("author", sa.Column("seen_at", sa.DateTime(timezone=True)))'),
    Case("ban-char-field",
         'op.add_column("author", sa.Column("country", sa.CHAR(2)))',
         'op.add_column("author", sa.Column("country", sa.Text()))'),
    Case("disallowed-unique-constraint",
         'op.create_unique_constraint("uq_name", "author", ["name"])',
         f'''{AUTOCOMMIT}
             op.create_index("uq_name", "author", ["name"], unique=True,
                             postgresql_concurrently=True)
         op.execute("ALTER TABLE author ADD CONSTRAINT uq_name UNIQUE USING INDEX uq_name")'''),
    Case("adding-primary-key-constraint",
         'op.create_primary_key("pk_label", "label", ["id"])',
         'op.execute("ALTER TABLE label ADD CONSTRAINT pk_label PRIMARY KEY USING INDEX '
         'ix_label_id")'),
    Case("adding-stored-generated-column",
         'op.add_column("author", sa.Column("name_length", sa.BigInteger(), '
         'sa.Computed("length(name)", persisted=True)))',
         'op.add_column("author", sa.Column("name_length", sa.BigInteger()))'),
    Case("adding-stored-generated-column",
         'op.execute("ALTER TABLE author ADD COLUMN name_length int AS (length(name)) STORED")',
         'op.execute("ALTER TABLE author ADD COLUMN name_length int AS (length(name)) VIRTUAL")',
         dialect="mariadb"),
    Case("executing-raw-sql",
         'op.execute("LOCK TABLE author IN ACCESS EXCLUSIVE MODE")',
         'op.execute("COMMENT ON TABLE author IS \'people who write\'")'),
    Case("backfill-in-ddl-transaction",
         '''op.add_column("author", sa.Column("bio", sa.Text()))
         op.execute("UPDATE author SET bio = ''")''',
         f'''op.add_column("author", sa.Column("bio", sa.Text()))
         {AUTOCOMMIT}
             bind = op.get_bind()
             while True:
                 # each statement commits by itself here: one batch, one transaction
                 done = bind.execute(sa.text(
                     "UPDATE author SET bio = '' WHERE id IN "
                     "(SELECT id FROM author WHERE bio IS NULL LIMIT 1000)"))
                 if done.rowcount == 0:
                     break'''),
]


def test_every_rule_has_a_case_and_there_are_at_least_twenty() -> None:
    assert len(RULES) >= 20
    assert {case.rule for case in CASES} == set(RULES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_fires_on_the_risky_form(case: Case, tmp_path: Path) -> None:
    path = write_script(tmp_path, case.risky)
    findings = [f for f in lint_script(path, case.dialect, server_version=case.server_version)
                if f.rule == case.rule]
    assert findings, rules_of(lint_script(path, case.dialect))
    finding = findings[0]
    lines = path.read_text().splitlines()
    assert "op." in lines[finding.line - 1], (finding, lines[finding.line - 1])
    assert finding.file == str(path) and finding.function == "upgrade"
    assert finding.locks and finding.safe == RULES[case.rule].safe_form(
        "mysql" if case.dialect == "mariadb" else case.dialect)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_acknowledged_rule_is_silent(case: Case, tmp_path: Path) -> None:
    path = write_script(tmp_path, case.risky)
    findings = [f for f in lint_script(path, case.dialect, server_version=case.server_version)
                if f.rule == case.rule]
    lines = path.read_text().splitlines(keepends=True)
    for line in sorted({f.line for f in findings}, reverse=True):
        indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
        lines.insert(line - 1, f"{indent}# migrate-plus: safe {case.rule}, ban-drop-table\n")
    path.write_text("".join(lines))
    assert case.rule not in rules_of(
        lint_script(path, case.dialect, server_version=case.server_version))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_safe_form_is_not_reported(case: Case, tmp_path: Path) -> None:
    path = write_script(tmp_path, case.safe)
    assert case.rule not in rules_of(
        lint_script(path, case.dialect, server_version=case.server_version))


#: The tables the cases' scripts work on, with rows, for running the safe forms.
SCHEMA = """
CREATE TABLE author (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                     name text NOT NULL, points bigint, CONSTRAINT ck_a CHECK (points >= 0));
INSERT INTO author (name, points) VALUES ('ann', 1), ('bob', 2);
CREATE TABLE post (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                   author_id bigint, title text);
INSERT INTO post (author_id, title) VALUES (1, 'hello');
CREATE TABLE label (id bigint NOT NULL);
CREATE UNIQUE INDEX ix_label_id ON label (id);
"""


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("case", [case for case in CASES if case.dialect == "postgresql"],
                         ids=lambda case: case.id)
def test_safe_form_runs_on_postgresql(case: Case, db_url: str, tmp_path: Path) -> None:
    """The safe forms the rules advise are working scripts: run on a server, against
    tables with rows, inside Alembic's transaction as ``flask db upgrade`` runs them."""
    import sqlalchemy as sa
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    from flask_migrate_plus.lint.recorder import load_script

    path = write_script(tmp_path, case.safe)
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for statement in (SCHEMA + ";" + case.setup).split(";"):
                if statement.strip():
                    connection.exec_driver_sql(statement)
        module = load_script(str(path))
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            with Operations.context(context), context.begin_transaction():
                module.upgrade()
        with engine.connect() as connection:  # every row is still there
            assert connection.exec_driver_sql("SELECT count(*) FROM author").scalar() == 2
            assert connection.exec_driver_sql("SELECT count(*) FROM post").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_is_switched_off_by_ignore(case: Case, tmp_path: Path) -> None:
    path = write_script(tmp_path, case.risky)
    assert case.rule not in rules_of(lint_script(
        path, case.dialect, server_version=case.server_version, ignore=[case.rule]))


# -- dialects --------------------------------------------------------------------------------

def test_postgresql_rules_do_not_fire_on_sqlite(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.create_index("ix_name", "author", ["name"])
        op.add_column("author", sa.Column("email", sa.String(120)))
        op.alter_column("author", "points", existing_type=sa.Integer(), nullable=False)
    ''')
    assert rules_of(lint_script(path, "sqlite")) == []
    on_postgresql = set(rules_of(lint_script(path, "postgresql")))
    assert {"require-concurrent-index-creation", "prefer-text-field",
            "setting-not-nullable-field", "require-lock-timeout"} <= on_postgresql


def test_lock_timeout_set_by_the_runner(tmp_path: Path) -> None:
    path = write_script(tmp_path, 'op.add_column("author", sa.Column("bio", sa.Text()))')
    assert "require-lock-timeout" in rules_of(lint_script(path, "postgresql"))
    assert "require-lock-timeout" not in rules_of(
        lint_script(path, "postgresql", assume_lock_timeout=True))


def test_lock_timeout_is_reported_once_per_function(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.add_column("author", sa.Column("bio", sa.Text()))
        op.add_column("author", sa.Column("motto", sa.Text()))
    ''', 'op.drop_column("author", "motto")')
    found = [f for f in lint_script(path, "postgresql") if f.rule == "require-lock-timeout"]
    assert [(f.function, f.line) for f in found] == [
        ("upgrade", line_of(path, '"bio"')), ("downgrade", line_of(path, "drop_column"))]


def test_lock_timeout_acknowledged_once_for_the_function(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        # migrate-plus: safe require-lock-timeout
        op.add_column("author", sa.Column("bio", sa.Text()))
        op.add_column("author", sa.Column("motto", sa.Text()))
    ''')
    assert lint_script(path, "postgresql") == []


def test_a_local_lock_timeout_ends_with_its_transaction(tmp_path: Path) -> None:
    path = write_script(tmp_path, f'''
        op.execute("SET LOCAL lock_timeout = '2s'")
        {AUTOCOMMIT}
            op.execute("SELECT 1")
        op.add_column("author", sa.Column("bio", sa.Text()))
    ''')
    assert "require-lock-timeout" in rules_of(lint_script(path, "postgresql"))


def test_new_table_is_not_an_existing_one(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.create_table("tag", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                        sa.Column("name", sa.Text(), nullable=False))
        op.create_index("ix_tag_name", "tag", ["name"])
        op.add_column("tag", sa.Column("slug", sa.Text(), nullable=False))
        op.create_unique_constraint("uq_tag_slug", "tag", ["slug"])
    ''', '''
        op.execute("SET lock_timeout = '2s'")
        op.drop_table("tag")
    ''')
    assert lint_script(path, "postgresql") == []


def test_downgrade_dropping_what_upgrade_added_is_fine(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute("SET lock_timeout = '2s'")
        op.add_column("author", sa.Column("bio", sa.Text()))
    ''', '''
        op.execute("SET lock_timeout = '2s'")
        op.drop_column("author", "bio")
    ''')
    assert lint_script(path, "postgresql") == []


# -- the recorder ----------------------------------------------------------------------------

def test_batch_ops_and_lines(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        with op.batch_alter_table("author", schema=None) as batch_op:
            batch_op.add_column(sa.Column("bio", sa.Text()))
            batch_op.create_index(
                batch_op.f("ix_author_bio"),
                ["bio"],
                unique=False,
            )
    ''')
    findings = [f for f in lint_script(path, "postgresql")
                if f.rule == "require-concurrent-index-creation"]
    assert [f.line for f in findings] == [line_of(path, "batch_op.create_index(")]
    assert "author" in findings[0].locks


def test_acknowledgement_on_a_line_inside_a_multiline_call(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute("SET LOCAL lock_timeout = '2s'")
        op.create_index(
            "ix_name",
            "author",  # migrate-plus: safe require-concurrent-index-creation
            ["name"],
        )
    ''')
    assert lint_script(path, "postgresql") == []


def test_acknowledgement_names_only_its_rules(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        # migrate-plus: safe prefer-text-field
        op.add_column("author", sa.Column("email", sa.String(120)))
    ''')
    assert rules_of(lint_script(path, "postgresql")) == ["require-lock-timeout"]


def test_acknowledgement_in_a_string_does_not_count(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute("DROP DATABASE x -- # migrate-plus: safe ban-drop-database")
    ''')
    assert "ban-drop-database" in rules_of(lint_script(path, "postgresql"))


def test_sqlalchemy_statements_given_to_execute_are_read(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.add_column("author", sa.Column("bio", sa.Text()))
        author = sa.table("author", sa.column("bio"))
        op.execute(author.update().values(bio=""))
    ''')
    found = [f for f in lint_script(path, "postgresql") if f.rule == "backfill-in-ddl-transaction"]
    assert [f.line for f in found] == [line_of(path, "op.execute(author")]


def test_do_blocks_are_read_statement_by_statement(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute(
            "DO $fmp$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'kind') "
            "THEN CREATE TYPE kind AS ENUM ('a', 'b'); END IF; END$fmp$"
        )
        op.execute("DO $$BEGIN CREATE INDEX ix_name ON author (name); END$$")
        op.execute("DO $$BEGIN EXECUTE 'DROP TABLE ' || 'x'; END$$")
    ''')
    found = [(f.line, f.rule) for f in lint_script(path, "postgresql", assume_lock_timeout=True)]
    assert found == [(line_of(path, "CREATE INDEX"), "require-concurrent-index-creation"),
                     (line_of(path, "EXECUTE"), "executing-raw-sql")]


def test_get_bind_reads_return_no_rows(tmp_path: Path) -> None:
    path = write_script(tmp_path, f'''
        bind = op.get_bind()
        assert bind.dialect.name == op.get_context().dialect.name == "postgresql"
        assert bind.execute(sa.text("SELECT count(*) FROM author")).scalar() is None
        assert bind.execute(sa.text("SELECT id FROM author")).fetchall() == []
        {AUTOCOMMIT}
            for _ in range(3):
                bind.execute(sa.text("DELETE FROM author WHERE id IN "
                                     "(SELECT id FROM author LIMIT 10)"))
    ''')
    assert lint_script(path, "postgresql") == []


def test_a_failing_script_is_one_clear_error(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.add_column("author", sa.Column("bio", sa.Text()))
        raise RuntimeError("boom")
    ''')
    line = line_of(path, "boom")
    with pytest.raises(LintError, match=rf"{path.name}:{line}: upgrade\(\) failed while "
                                        r"being linted: RuntimeError: boom"):
        lint_script(path, "postgresql")


def test_a_script_that_does_not_load_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.py"
    path.write_text("from alembic import op\nimport no_such_module_here\n")
    with pytest.raises(LintError, match="cannot be loaded: ModuleNotFoundError"):
        lint_script(path, "postgresql")


def test_unknown_rule_in_ignore(tmp_path: Path) -> None:
    path = write_script(tmp_path, "pass")
    with pytest.raises(ValueError, match="'prefer-txt-field' .*did you mean 'prefer-text-field'"):
        lint_script(path, "postgresql", ignore=["prefer-txt-field"])


def test_multi_database_scripts_lint_each_function(tmp_path: Path) -> None:
    path = tmp_path / "multi.py"
    path.write_text(HEADER + textwrap.dedent('''
        def upgrade(engine_name):
            globals()["upgrade_%s" % engine_name]()


        def downgrade(engine_name):
            globals()["downgrade_%s" % engine_name]()


        def upgrade_():
            op.drop_column("author", "points")


        def downgrade_():
            pass


        def upgrade_audit():
            op.drop_table("event")


        def downgrade_audit():
            pass
    '''))
    found = [(f.function, f.rule) for f in lint_script(path, "sqlite")]
    assert found == [("upgrade_", "ban-drop-column"), ("upgrade_audit", "ban-drop-table")]
    # each bind's functions on its own database: PostgreSQL's rules for the audit bind only
    found = [(f.function, f.rule) for f in lint_script(
        path, "sqlite", bind_dialects={"": "sqlite", "audit": "postgresql"})]
    assert found == [("upgrade_", "ban-drop-column"), ("upgrade_audit", "ban-drop-table"),
                     ("upgrade_audit", "require-lock-timeout")]


def test_alembic_op_is_restored_after_linting(tmp_path: Path) -> None:
    from alembic import op

    path = write_script(tmp_path, 'op.drop_table("post")')
    before = getattr(op, "_proxy", None)
    lint_script(path, "postgresql")
    assert getattr(op, "_proxy", None) is before  # whatever ran before the lint runs on


def test_acknowledgements_in_a_block_of_comments_above(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        # migrate-plus: safe require-lock-timeout
        # reviewed: the table has twelve rows
        # migrate-plus: safe require-concurrent-index-creation
        op.create_index("ix_name", "author", ["name"])
    ''')
    assert lint_script(path, "postgresql") == []


def test_commit_in_sql_starts_a_new_transaction(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute("SET lock_timeout = '2s'")
        op.add_column("author", sa.Column("bio", sa.Text()))
        op.execute("COMMIT")
        op.execute("UPDATE author SET bio = ''")
    ''')
    assert lint_script(path, "postgresql") == []


def test_mysql_fills_a_new_not_null_column_itself(tmp_path: Path) -> None:
    path = write_script(tmp_path, 'op.add_column("author", sa.Column("n", sa.BigInteger(), '
                                  'nullable=False))')
    assert "adding-not-nullable-field" not in rules_of(lint_script(path, "mariadb"))
    assert "adding-not-nullable-field" in rules_of(lint_script(path, "postgresql"))


def test_irreversible_downgrade_and_alembic_context(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        from alembic import context
        if not context.is_offline_mode() and context.get_x_argument(as_dictionary=True) == {}:
            op.drop_column("author", "points")
    ''', '''
        op.drop_table("post")
        raise NotImplementedError("this revision cannot be undone")
    ''')
    found = [(f.function, f.rule) for f in lint_script(path, "sqlite")]
    assert found == [("upgrade", "ban-drop-column"), ("downgrade", "ban-drop-table")]


def test_mariadb_statements_that_cannot_copy_the_table(tmp_path: Path) -> None:
    path = write_script(tmp_path, '''
        op.execute("ALTER TABLE author MODIFY points bigint, ALGORITHM=COPY")
        op.execute("SET STATEMENT lock_wait_timeout=2 FOR "
                   "ALTER TABLE author MODIFY points bigint, ALGORITHM=INPLACE, LOCK=NONE")
        op.execute("ALTER TABLE post ADD CONSTRAINT fk_post_author FOREIGN KEY (author_id) "
                   "REFERENCES author (id)")
        op.execute("SET STATEMENT lock_wait_timeout=2 FOR ALTER TABLE post ADD CONSTRAINT "
                   "fk_b FOREIGN KEY (author_id) REFERENCES author (id), ALGORITHM=INPLACE")
    ''')
    found = [(f.line, f.rule) for f in lint_script(path, "mariadb")]
    assert found == [(line_of(path, "ALGORITHM=COPY"), "changing-column-type"),
                     (line_of(path, "fk_post_author"), "adding-foreign-key-constraint")]


def test_online_step_shapes(tmp_path: Path) -> None:
    """The shapes MIGRATE_PLUS_ONLINE writes: DO blocks with SET LOCAL lock_timeout and a
    retry loop, a leftover check through the bind, batched fills that COMMIT inside."""
    retry = (" DECLARE attempt integer := 0; BEGIN\\n  IF {done} THEN RETURN; END IF;\\n"
             "  LOOP BEGIN\\n    SET LOCAL lock_timeout = '2000ms';\\n    {sql};\\n"
             "    RETURN;\\n  EXCEPTION WHEN lock_not_available THEN\\n"
             "    attempt := attempt + 1;\\n    IF attempt > 5 THEN RAISE lock_not_available "
             "USING MESSAGE = 'x'; END IF;\\n    PERFORM pg_catalog.pg_sleep(0.5);\\n"
             "  END; END LOOP;\\nEND ")
    add = retry.format(done="EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk')",
                       sql="ALTER TABLE post ADD CONSTRAINT fk FOREIGN KEY (author_id) "
                           "REFERENCES author (id) NOT VALID")
    validate = retry.format(done="false", sql="ALTER TABLE post VALIDATE CONSTRAINT fk")
    fill = (" DECLARE attempt integer; filled bigint; BEGIN LOOP "
            "UPDATE author SET bio = DEFAULT WHERE ctid = ANY (ARRAY("
            "SELECT ctid FROM author WHERE bio IS NULL LIMIT 100)); "
            "GET DIAGNOSTICS filled = ROW_COUNT; COMMIT; EXIT WHEN filled = 0; END LOOP; END ")
    path = write_script(tmp_path, f'''
        op.execute("SET LOCAL lock_timeout = '2000ms'")
        op.add_column("author", sa.Column("bio", sa.Text()))
        {AUTOCOMMIT}
            if not op.get_context().as_sql and op.get_bind().execute(
                    sa.text("SELECT NOT indisvalid FROM pg_index")).scalar():
                op.drop_index("ix_name", table_name="author", if_exists=True,
                              postgresql_concurrently=True)
            op.create_index("ix_name", "author", ["name"], postgresql_concurrently=True)
            op.execute("DO $fmp${add}$fmp$")
            op.execute("DO $fmp${validate}$fmp$")
            op.execute("ALTER TABLE author ALTER COLUMN bio SET DEFAULT 'x'")
            op.execute("DO $fmp${fill}$fmp$")
    ''')
    found = [(f.line, f.rule) for f in lint_script(path, "postgresql")]
    assert found == [(line_of(path, "SET DEFAULT"), "require-lock-timeout")]


def test_the_package_name_lint_is_the_linter() -> None:
    """``flask_migrate_plus.lint`` stays the linter package (the command's Python function
    is ``flask_migrate_plus.commands.lint``), before and after the linter is imported."""
    import importlib

    import flask_migrate_plus

    linter = importlib.import_module("flask_migrate_plus.lint")
    assert flask_migrate_plus.lint is linter
    assert callable(linter.lint_script)


def test_type_rules_leave_downgrades_alone(tmp_path: Path) -> None:
    """A downgrade that puts back a dropped table writes the types it had."""
    path = write_script(tmp_path, '''
        op.execute("SET lock_timeout = '2s'")
        op.drop_table("draft")  # migrate-plus: safe ban-drop-table
    ''', '''
        op.create_table("draft", sa.Column("id", sa.INTEGER(), autoincrement=True,
                                           nullable=False),
                        sa.Column("title", sa.String(20)), sa.PrimaryKeyConstraint("id"))
    ''')
    assert lint_script(path, "postgresql") == []


def test_helper_functions_named_upgrade_something_are_not_entry_points(tmp_path: Path) -> None:
    path = write_script(tmp_path, "upgrade_data()")
    path.write_text(path.read_text() + '\n\ndef upgrade_data():\n    op.drop_table("post")\n')
    found = [(f.function, f.rule) for f in lint_script(path, "sqlite")]
    assert found == [("upgrade", "ban-drop-table")]


def test_unknown_dialect_is_one_clear_error(tmp_path: Path) -> None:
    path = write_script(tmp_path, "pass")
    with pytest.raises(LintError, match="cannot lint for dialect 'postgres-ql'"):
        lint_script(path, "postgres-ql")


@pytest.mark.parametrize(("sql", "dialect", "expected"), [
    ("ALTER TABLE author CHANGE name full_name varchar(100)", "mariadb",
     ["renaming-column", "changing-column-type"]),
    ("RENAME TABLE author TO writer", "mariadb", ["renaming-table"]),
    ("ALTER TABLE author RENAME TO writer", "postgresql", ["renaming-table"]),
    ("DROP INDEX ix_name ON author", "mariadb", []),
    ("DROP INDEX IF EXISTS ix_name", "postgresql", ["require-concurrent-index-deletion"]),
    ("ALTER TABLE ONLY author ALTER COLUMN points SET DATA TYPE bigint", "postgresql",
     ["changing-column-type"]),
    ("ALTER TABLE author ALTER COLUMN name TYPE text", "postgresql", ["changing-column-type"]),
    ("ALTER TABLE author ADD COLUMN editor_id bigint REFERENCES author (id)", "postgresql",
     ["adding-foreign-key-constraint"]),
    ("ALTER TABLE author ADD PRIMARY KEY (id)", "postgresql", ["adding-primary-key-constraint"]),
    ("ALTER TABLE author ADD UNIQUE (name)", "postgresql", ["disallowed-unique-constraint"]),
    ("WITH gone AS (DELETE FROM post RETURNING id) SELECT count(*) FROM gone", "postgresql",
     []),
    ("DROP SCHEMA app", "mariadb", ["ban-drop-database"]),
    ("TRUNCATE post", "postgresql", ["executing-raw-sql"]),
])
def test_statements_read_from_sql(sql: str, dialect: str, expected: list[str],
                                  tmp_path: Path) -> None:
    path = write_script(tmp_path, f"op.execute({sql!r})")
    ignore = ["require-lock-timeout"]
    assert rules_of(lint_script(path, dialect, ignore=ignore)) == expected


def test_the_rules_left_out_by_default_are_rules_the_linter_knows() -> None:
    from flask_migrate_plus.lint import RULE_NAMES
    from flask_migrate_plus.settings import ADVISORY_RULES

    assert ADVISORY_RULES and set(ADVISORY_RULES) <= set(RULE_NAMES)
