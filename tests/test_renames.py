"""Renames: a renamed column or table is renamed by the script, its rows kept both ways.

Every case runs on a real server: rows go in before the upgrade, are all there under the new
name after it and under the old name after the downgrade; autogenerate after the upgrade
finds nothing, with the hint still in the models.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import alembic.command  # noqa: F401  # Alembic loads our plugins before we import a room
import pytest
import sqlalchemy as sa

from flask_migrate_plus.rewrite.renames import (
    QUESTION_OPTION,
    RENAMES_OPTION,
    Rename,
    parse_rename,
)

from cli_runner import FlaskApp
from harness import AlembicProject, Revision

ROWS = [{"id": 1, "value": "first"}, {"id": 2, "value": "second"}, {"id": 3, "value": None}]


def _orders(metadata: sa.MetaData, name: str = "orders", column: str = "adress",
            column_info: dict[str, Any] | None = None, table_info: dict[str, Any] | None = None,
            type_: Any = None) -> sa.Table:
    return sa.Table(
        name, metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(column, type_ if type_ is not None else sa.String(80), nullable=True,
                  info=column_info or {}),
        sa.Column("code", sa.String(20), nullable=True),
        info=table_info or {},
    )


def _insert(project: AlembicProject, table: str, column: str) -> None:
    with project.engine.begin() as conn:
        for row in ROWS:
            conn.execute(sa.text(f"INSERT INTO {table} (id, {column}) VALUES (:id, :value)"),
                         row)


def _rows(project: AlembicProject, table: str, column: str) -> list[dict[str, Any]]:
    with project.engine.connect() as conn:
        result = conn.execute(sa.text(f"SELECT id, {column} AS value FROM {table} ORDER BY id"))
        return [dict(row._mapping) for row in result]


def _kept_both_ways(project: AlembicProject, before: sa.MetaData, after: sa.MetaData,
                    old: tuple[str, str], new: tuple[str, str]) -> Revision:
    """A in the database with rows, B in the models: the script keeps every row."""
    project.create(before)
    project.stamp_base()
    _insert(project, *old)
    rev = project.revision(after)
    assert rev is not None, "autogenerate found no change"
    project.upgrade()
    assert _rows(project, *new) == ROWS
    assert project.diff(after) == [], "second autogenerate after upgrade is not empty"
    assert project.revision(after) is None
    project.downgrade()
    assert _rows(project, *old) == ROWS
    assert project.diff(before) == []
    return rev


def _body(rev: Revision) -> tuple[str, str]:
    """The script's ``upgrade()`` and ``downgrade()`` (no revision ids)."""
    upgrade, downgrade = rev.text.split("def upgrade", 1)[1].split("def downgrade")
    return upgrade, downgrade


# -- the rename syntax -------------------------------------------------------------------------


def test_parse_rename() -> None:
    assert parse_rename("orders.adress=address") == Rename("adress", "address", "orders")
    assert parse_rename("orders=customer_orders") == Rename("orders", "customer_orders")
    assert parse_rename(" orders.adress = address ") == Rename("adress", "address", "orders")
    for bad in ("orders", "orders.adress", "=x", "a.b.c=d", "orders.adress=x.y", "a.=b", ""):
        with pytest.raises(ValueError, match="is not a rename"):
            parse_rename(bad)


# -- columns ---------------------------------------------------------------------------------


def test_column_hint_keeps_the_data(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    _orders(after, column="address", column_info={"renamed_from": "adress"})
    rev = _kept_both_ways(project, before, after, ("orders", "adress"), ("orders", "address"))
    upgrade, downgrade = _body(rev)
    assert "new_column_name='address'" in upgrade
    assert "new_column_name='adress'" in downgrade
    assert "drop_column" not in rev.text and "add_column" not in rev.text
    assert "existing_type=" in upgrade and "existing_nullable=True" in upgrade


def test_column_rename_given_for_the_run(db_url: str, tmp_path: Path) -> None:
    hinted = AlembicProject(tmp_path / "hint", db_url)
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    _orders(after, column="address", column_info={"renamed_from": "adress"})
    hinted.create(before)
    hinted.stamp_base()
    by_hint = hinted.revision(after)
    assert by_hint is not None

    plain_after = sa.MetaData()
    _orders(plain_after, column="address")
    flagged = AlembicProject(tmp_path / "flag", db_url,
                             options={RENAMES_OPTION: [parse_rename("orders.adress=address")]})
    flagged.stamp_base()
    by_flag = flagged.revision(plain_after)
    assert by_flag is not None
    assert _body(by_flag) == _body(by_hint)


def test_hint_without_its_old_column_is_ignored(db_url: str, tmp_path: Path) -> None:
    """The hint stays in the models after its migration ran: nothing more is proposed."""
    project = AlembicProject(tmp_path, db_url)
    models = sa.MetaData()
    _orders(models, column="address", column_info={"renamed_from": "adress"})
    project.create(models)
    project.stamp_base()
    assert project.diff(models) == []
    assert project.revision(models) is None


def test_column_rename_and_type_change(db_url: str, tmp_path: Path) -> None:
    """The rename, then the type change under the new name; undone in reverse."""
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    _orders(after, column="address", column_info={"renamed_from": "adress"},
            type_=sa.String(200))
    rev = _kept_both_ways(project, before, after, ("orders", "adress"), ("orders", "address"))
    upgrade, downgrade = _body(rev)
    rename = upgrade.index("new_column_name='address'")
    retype = upgrade.index("type_=sa.String(length=200)")
    assert rename < retype
    assert "alter_column('address'" in upgrade[rename:]  # the change names the new column
    back = re.search(r"type_=\w+\.VARCHAR\(length=80\)", downgrade)
    assert back is not None and back.start() < downgrade.index("new_column_name='adress'")


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _shop(metadata: sa.MetaData, orders: str, info: dict[str, Any] | None = None) -> None:
    """A table with a SERIAL key, an index, a unique and a key from another table."""
    sa.Table(
        orders, metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.String(80), nullable=True, index=True),
        sa.Column("code", sa.String(20), unique=True),
        info=info or {},
    )
    sa.Table(
        "items", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.ForeignKey(f"{orders}.id"), nullable=True),
    )


def _names_with(project: AlembicProject, backend: str, word: str) -> list[str]:
    """Every table, index, constraint and sequence whose name holds ``word``."""
    queries = {
        "postgresql": [
            "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema()",
            "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = current_schema()",
        ],
        "mariadb": [
            "SELECT table_name FROM information_schema.tables WHERE table_schema = database()",
            "SELECT index_name FROM information_schema.statistics "
            "WHERE table_schema = database()",
            "SELECT constraint_name FROM information_schema.table_constraints "
            "WHERE constraint_schema = database()",
        ],
        "sqlite": ["SELECT name FROM sqlite_master", "SELECT sql FROM sqlite_master"],
    }
    found = []
    with project.engine.connect() as conn:
        for query in queries[backend]:
            found += [str(row[0]) for row in conn.execute(sa.text(query)) if row[0]]
    return [name for name in found if word in name]


@pytest.mark.parametrize("convention", [False, True], ids=["server-names", "convention"])
def test_table_rename_leaves_nothing_under_the_old_name(
    backend: str, db_url: str, tmp_path: Path, convention: bool
) -> None:
    project = AlembicProject(tmp_path, db_url)
    naming = NAMING_CONVENTION if convention else {}
    before = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    after = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    _shop(before, "orders")
    _shop(after, "purchases", info={"renamed_from": "orders"})
    project.create(before)
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (value, code) VALUES ('a', 'A'), ('b', 'B')"))
        conn.execute(sa.text("INSERT INTO items (order_id) VALUES (1), (2)"))
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, _ = _body(rev)
    assert "op.rename_table('orders', 'purchases')" in upgrade
    assert "drop_table" not in rev.text and "create_table" not in rev.text
    project.upgrade()
    assert _names_with(project, backend, "orders") == []
    with project.engine.begin() as conn:
        assert conn.execute(sa.text(
            "SELECT p.value FROM items i JOIN purchases p ON p.id = i.order_id ORDER BY i.id"
        )).scalars().all() == ["a", "b"]
        conn.execute(sa.text("INSERT INTO purchases (value, code) VALUES ('c', 'C')"))
        conn.execute(sa.text("INSERT INTO items (order_id) VALUES (3)"))
    assert project.diff(after) == []
    project.downgrade()
    assert _names_with(project, backend, "purchases") == []
    with project.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value FROM orders ORDER BY id")).scalars().all() \
            == ["a", "b", "c"]
    assert project.diff(before) == []


@pytest.mark.backends("postgresql")
def test_postgresql_renames_in_place(db_url: str, tmp_path: Path) -> None:
    """On PostgreSQL the names follow by ALTER ... RENAME, never a rebuilt index."""
    project = AlembicProject(tmp_path, db_url)
    before = sa.MetaData(naming_convention=NAMING_CONVENTION)
    after = sa.MetaData(naming_convention=NAMING_CONVENTION)
    _shop(before, "orders")
    _shop(after, "purchases", info={"renamed_from": "orders"})
    project.create(before)
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, downgrade = _body(rev)
    for old, new in [("ix_orders_value", "ix_purchases_value"),
                     ("uq_orders_code", "uq_purchases_code"), ("pk_orders", "pk_purchases"),
                     ("fk_items_order_id_orders", "fk_items_order_id_purchases"),
                     ("orders_id_seq", "purchases_id_seq")]:
        assert re.search(rf"{old} (RENAME )?TO {new}'", upgrade)
        assert re.search(rf"{new} (RENAME )?TO {old}'", downgrade)
    assert "create_index" not in rev.text and "create_foreign_key" not in rev.text


def test_column_names_follow(backend: str, db_url: str, tmp_path: Path) -> None:
    """An index and a unique constraint named after the column are renamed with it."""
    project = AlembicProject(tmp_path, db_url)
    before = sa.MetaData(naming_convention=NAMING_CONVENTION)
    after = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for metadata, name, info in ((before, "adress", {}),
                                 (after, "address", {"renamed_from": "adress"})):
        sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column(name, sa.String(80), nullable=True, index=True, info=info),
                 sa.Column("code", sa.String(20), nullable=True),
                 sa.UniqueConstraint(name, "code"))
    rev = _kept_both_ways(project, before, after, ("orders", "adress"), ("orders", "address"))
    assert "drop_column" not in rev.text
    project.upgrade()
    assert _names_with(project, backend, "adress") == []
    if backend == "postgresql":
        assert "ALTER INDEX ix_orders_adress RENAME TO ix_orders_address" in rev.text


def _likely(metadata: sa.MetaData, name: str) -> None:
    sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column(name, sa.String(80), nullable=False, server_default="x"))


def test_likely_rename_unanswered_keeps_drop_and_add(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nobody to ask: the script drops and adds, and says how to write the rename."""
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    _likely(before, "adress")
    _likely(after, "address")
    project.create(before)
    project.stamp_base()
    with caplog.at_level("WARNING", logger="flask_migrate_plus"):
        rev = project.revision(after)
    assert rev is not None
    upgrade, _ = _body(rev)
    assert "add_column" in upgrade and "drop_column" in upgrade
    assert "new_column_name" not in rev.text
    assert ('# looks like a rename of orders.adress to orders.address: to keep the data, '
            'write info={"renamed_from": "adress"} on the column in the models') in upgrade
    said = [r.getMessage() for r in caplog.records if "Did you rename" in r.getMessage()]
    assert said == ["Did you rename orders.adress to orders.address? The script drops and "
                    'adds; to keep the data write info={"renamed_from": "adress"} on the '
                    "column in the models"]


def test_likely_rename_answered(db_url: str, tmp_path: Path) -> None:
    """The question's yes writes what the hint writes; a different column is not asked."""
    asked: list[Rename] = []

    def question(rename: Rename) -> bool:
        asked.append(rename)
        return True

    before, after, hinted = sa.MetaData(), sa.MetaData(), sa.MetaData()
    _likely(before, "adress")
    _likely(after, "address")
    sa.Table("orders", hinted, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("address", sa.String(80), nullable=False, server_default="x",
                       info={"renamed_from": "adress"}))
    for metadata in (after, hinted):  # not the same column: never asked about
        sa.Table("other", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("amount", sa.Integer, nullable=True))
    sa.Table("other", before, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("label", sa.String(10), nullable=True))
    by_hint = AlembicProject(tmp_path / "hint", db_url)
    by_hint.create(before)
    by_hint.stamp_base()
    expected = by_hint.revision(hinted)
    asking = AlembicProject(tmp_path / "ask", db_url, options={QUESTION_OPTION: question})
    asking.stamp_base()
    answered = asking.revision(after)
    assert asked == [Rename("adress", "address", "orders")]
    assert expected is not None and answered is not None
    assert _body(answered) == _body(expected)
    assert "new_column_name='address'" in answered.text


# -- flask db migrate: the flag, the question, the advice ------------------------------------

RENAME_APP = Path(__file__).parent / "fixtures" / "renameapp" / "app.py"


def _app_at_version_one(cwd: Path, url: str) -> FlaskApp:
    """An app whose database has ``orders.adress`` with rows, all migrations applied."""
    cwd.mkdir(parents=True, exist_ok=True)
    app = FlaskApp(cwd, url, models=1, app=RENAME_APP)
    app.ok("init")
    app.ok("migrate", "-m", "first")
    app.ok("upgrade")
    _insert(AlembicProject(cwd / "rows", url), "orders", "adress")
    return app


def _functions(path: Path) -> tuple[str, str]:
    upgrade, downgrade = path.read_text().split("def upgrade", 1)[1].split("def downgrade")
    return upgrade, downgrade


def _latest(app: FlaskApp) -> Path:
    """The script written last (file names start with a random revision id)."""
    return max(app.scripts(), key=lambda path: path.stat().st_mtime_ns)


def _migrate_on_terminal(app: FlaskApp, answer: str, *args: str) -> tuple[int, str]:
    """``flask db migrate`` with a pseudo-terminal as stdin/stdout; ``answer`` is typed at
    each question. Returns the exit code and everything the terminal showed."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", f"{app.app}:create_app", "db", "migrate",
         *args],
        cwd=app.cwd, env=app.environ(), stdin=slave, stdout=slave, stderr=slave,
    )
    os.close(slave)
    shown = b""
    answered = 0
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if shown.count(b"[y/N]") > answered:
                answered += 1
                os.write(master, answer.encode() + b"\n")
    finally:
        os.close(master)
        code = process.wait(timeout=120)
    return code, shown.decode(errors="replace")


def test_hint_flag_and_question_write_the_same_script(db_url: str, tmp_path: Path) -> None:
    scripts = {}
    for way in ("hint", "flag", "question"):
        app = _app_at_version_one(tmp_path / way, db_url)
        if way == "hint":
            app.models = 3
            app.ok("migrate", "-m", "rename")
        elif way == "flag":
            app.models = 2
            app.ok("migrate", "-m", "rename", "--rename", "orders.adress=address")
        else:
            app.models = 2
            code, shown = _migrate_on_terminal(app, "y", "-m", "rename")
            assert code == 0, shown
            assert "Did you rename orders.adress to orders.address? [y/N]" in shown
        script = _latest(app)
        scripts[way] = _functions(script)
        assert "new_column_name='address'" in scripts[way][0]
        app.ok("upgrade")
        assert _rows(AlembicProject(tmp_path / way / "rows", db_url), "orders", "address") \
            == ROWS
        assert len(app.scripts()) == 2
        result = app.ok("migrate", "-m", "nothing")
        assert "No changes in schema detected." in result.stdout + result.stderr
        assert len(app.scripts()) == 2
        app.ok("downgrade")
        assert _rows(AlembicProject(tmp_path / way / "rows", db_url), "orders", "adress") \
            == ROWS
        app.ok("downgrade", "base")  # the next way starts from an empty database again
    assert scripts["hint"] == scripts["flag"] == scripts["question"]


def test_no_terminal_never_asks(db_url: str, tmp_path: Path) -> None:
    app = _app_at_version_one(tmp_path, db_url)
    app.models = 2
    result = app.ok("migrate", "-m", "looks like a rename")
    output = result.stdout + result.stderr
    assert "[y/N]" not in output
    assert ("Did you rename orders.adress to orders.address? The script drops and adds; to "
            'keep the data write info={"renamed_from": "adress"} on the column in the models, '
            "or flask db migrate --rename orders.adress=address") in output
    upgrade, _ = _functions(_latest(app))
    assert "add_column" in upgrade and "drop_column" in upgrade
    assert 'info={"renamed_from": "adress"}' in upgrade
    assert "drops column orders.adress and its data" in upgrade


def test_answer_no_keeps_drop_and_add(db_url: str, tmp_path: Path) -> None:
    app = _app_at_version_one(tmp_path, db_url)
    app.models = 2
    code, shown = _migrate_on_terminal(app, "n", "-m", "not a rename")
    assert code == 0, shown
    assert "Did you rename orders.adress to orders.address? [y/N]" in shown
    upgrade, _ = _functions(_latest(app))
    assert "drop_column" in upgrade and "new_column_name" not in upgrade


@pytest.mark.backends("sqlite")
@pytest.mark.parametrize("value", ["orders", "orders.adress", "a.b.c=d", "orders.adress="])
def test_bad_rename_option(db_url: str, tmp_path: Path, value: str) -> None:
    app = _app_at_version_one(tmp_path, db_url)
    app.models = 2
    result = app.db("migrate", "--rename", value)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines == [f"Error: --rename {value!r} is not a rename: write "
                     "table.old_column=new_column or old_table=new_table"]
    assert len(app.scripts()) == 1


# -- more tables -----------------------------------------------------------------------------


def test_table_and_column_renamed_in_one_run(db_url: str, tmp_path: Path) -> None:
    """The run's list names the table; the column in it follows by its hint."""
    project = AlembicProject(tmp_path, db_url,
                             options={RENAMES_OPTION: [parse_rename("orders=purchases")]})
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    _orders(after, name="purchases", column="address",
            column_info={"renamed_from": "adress"})
    rev = _kept_both_ways(project, before, after, ("orders", "adress"),
                          ("purchases", "address"))
    upgrade, downgrade = _body(rev)
    assert upgrade.index("rename_table('orders', 'purchases')") < upgrade.index(
        "new_column_name='address'")
    assert downgrade.index("new_column_name='adress'") < downgrade.index(
        "rename_table('purchases', 'orders')")


def test_likely_table_rename_is_asked(db_url: str, tmp_path: Path) -> None:
    asked: list[Rename] = []

    def question(rename: Rename) -> bool:
        asked.append(rename)
        return True

    project = AlembicProject(tmp_path, db_url, options={QUESTION_OPTION: question})
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    _orders(after, name="purchases")
    rev = _kept_both_ways(project, before, after, ("orders", "adress"), ("purchases", "adress"))
    assert asked == [Rename("orders", "purchases")]
    assert "op.rename_table('orders', 'purchases')" in rev.text


def test_renamed_column_keeps_the_keys_pointing_at_it(db_url: str, tmp_path: Path) -> None:
    """A key in another table follows the column it points at (the server renames it)."""
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    for metadata, name, info in ((before, "number", {}),
                                 (after, "code", {"renamed_from": "number"})):
        sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column(name, sa.Integer, nullable=False, unique=True, info=info))
        sa.Table("items", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("order_number", sa.Integer,
                           sa.ForeignKey(f"orders.{name}"), nullable=True))
    project.create(before)
    project.stamp_base()
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (id, number) VALUES (1, 10), (2, 20)"))
        conn.execute(sa.text("INSERT INTO items (id, order_number) VALUES (1, 20)"))
    rev = project.revision(after)
    assert rev is not None
    assert "foreign_key" not in rev.text
    project.upgrade()
    assert project.diff(after) == []
    with project.engine.connect() as conn:
        assert conn.execute(sa.text(
            "SELECT o.id FROM items i JOIN orders o ON o.code = i.order_number"
        )).scalars().all() == [2]
    project.downgrade()
    assert project.diff(before) == []


@pytest.mark.backends("postgresql")
def test_enum_type_named_after_the_table_follows(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    for metadata, name, info in ((before, "orders", {}),
                                 (after, "purchases", {"renamed_from": "orders"})):
        sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("status", sa.Enum("new", "paid", name=f"{name}_status")),
                 info=info)
    project.create(before)
    project.stamp_base()
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (status) VALUES ('paid'), ('new')"))
    rev = project.revision(after)
    assert rev is not None
    assert "ALTER TYPE orders_status RENAME TO purchases_status" in rev.text
    assert "postgresql_using" not in rev.text and ".create(" not in rev.text
    project.upgrade()
    with project.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status::text FROM purchases ORDER BY id")
                            ).scalars().all() == ["paid", "new"]
        assert conn.execute(sa.text(
            "SELECT count(*) FROM pg_type WHERE typname LIKE '%orders%'")).scalar() == 0
    assert project.diff(after) == []
    project.downgrade()
    assert project.diff(before) == []


def test_given_rename_that_matches_nothing_is_said(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = AlembicProject(tmp_path, db_url,
                             options={RENAMES_OPTION: [parse_rename("orders.nothing=else")]})
    models = sa.MetaData()
    _orders(models)
    project.create(models)
    project.stamp_base()
    with caplog.at_level("WARNING", logger="flask_migrate_plus"):
        assert project.revision(models) is None
    assert [r.getMessage() for r in caplog.records if "not written" in r.getMessage()] == [
        "Rename orders.nothing=else not written: the database has no column orders.nothing, "
        "or the models no column orders.else"
    ]


def test_renamed_key_column_keeps_counting(db_url: str, tmp_path: Path) -> None:
    """The key column renamed: it stays the key and keeps handing out numbers (MariaDB's
    CHANGE COLUMN restates AUTO_INCREMENT; PostgreSQL's sequence follows the name)."""
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    for metadata, name, info in ((before, "id", {}), (after, "order_id", {"renamed_from": "id"})):
        sa.Table("orders", metadata, sa.Column(name, sa.Integer, primary_key=True, info=info),
                 sa.Column("x", sa.String(10), nullable=True))
    project.create(before)
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None and "primary" not in rev.text.lower()
    project.upgrade()
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (x) VALUES ('a'), ('b')"))
        assert conn.execute(sa.text("SELECT order_id FROM orders ORDER BY order_id")
                            ).scalars().all() == [1, 2]
    assert project.diff(after) == []
    project.downgrade()
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO orders (x) VALUES ('c')"))
        assert conn.execute(sa.text("SELECT id FROM orders ORDER BY id")).scalars().all() \
            == [1, 2, 3]
    assert project.diff(before) == []


@pytest.mark.backends("postgresql")
def test_table_renamed_and_moved_to_another_schema(db_url: str, tmp_path: Path) -> None:
    """PostgreSQL: the rename, then ``SET SCHEMA`` (the schema made first when new)."""
    project = AlembicProject(tmp_path, db_url)
    before, after = sa.MetaData(), sa.MetaData()
    _orders(before)
    sa.Table("purchases", after, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("adress", sa.String(80), nullable=True),
             sa.Column("code", sa.String(20), nullable=True),
             schema="sales", info={"renamed_from": "public.orders"})
    project.create(before)
    project.stamp_base()
    _insert(project, "orders", "adress")
    rev = project.revision(after)
    assert rev is not None
    upgrade, _ = _body(rev)
    assert upgrade.index("op.rename_table('orders', 'purchases')") < upgrade.index(
        "ALTER TABLE public.purchases SET SCHEMA sales")
    assert "drop_table" not in rev.text
    project.upgrade()
    assert _rows(project, "sales.purchases", "adress") == ROWS
    assert project.diff(after) == []
    project.downgrade()
    assert _rows(project, "orders", "adress") == ROWS
    assert project.diff(before) == []


def test_table_rename_by_flag(db_url: str, tmp_path: Path) -> None:
    """``--rename old_table=new_table``: the rows and the key from ``items`` stay."""
    app = _app_at_version_one(tmp_path, db_url)
    app.models = 4
    app.ok("migrate", "-m", "rename table", "--rename", "orders=purchases")
    upgrade, downgrade = _functions(_latest(app))
    assert "op.rename_table('orders', 'purchases')" in upgrade
    assert "op.rename_table('purchases', 'orders')" in downgrade
    assert "drop_table" not in upgrade
    app.ok("upgrade")
    assert _rows(AlembicProject(tmp_path / "rows", db_url), "purchases", "adress") == ROWS
    result = app.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in result.stdout + result.stderr
    app.ok("downgrade")
    assert _rows(AlembicProject(tmp_path / "rows", db_url), "orders", "adress") == ROWS
