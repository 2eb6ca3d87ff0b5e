"""Generated (``Computed``) columns: a changed expression or STORED/VIRTUAL flag is found and
the script (drop + re-add) runs both ways; identical definitions give no script. A column made
plain or made generated is converted in place where the server keeps the values, dropped and
added otherwise, and the downgrade restores it."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import mysql

from flask_migrate_plus.ops.generated import ConvertGeneratedColumnOp

from harness import AlembicProject


def _metadata(expression: str | None, persisted: bool | None = None,
              column_type: sa.types.TypeEngine | None = None) -> sa.MetaData:
    metadata = sa.MetaData()
    columns: list[sa.Column[object]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.Integer),
        sa.Column("s", sa.String(20)),
    ]
    if expression is not None:
        columns.append(sa.Column("c", column_type or sa.Integer,
                                 sa.Computed(expression, persisted=persisted)))
    sa.Table("item", metadata, *columns)
    return metadata


def test_changed_expression_is_drop_and_add(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    project = AlembicProject(tmp_path, db_url)
    with caplog.at_level(logging.INFO):
        rev = project.round_trip(_metadata("a * 2", persisted=True),
                                 _metadata("a * 3", persisted=True))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert upgrade.index("batch_op.drop_column('c')") < upgrade.index(
        "batch_op.add_column(sa.Column('c', sa.Integer(), sa.Computed('a * 3', persisted=True)"
    )
    # the downgrade restores the definition as the database reflected it (`a` * 2, ...)
    assert re.search(r"sa\.Computed\('\(*`?a`? \* 2\)*', persisted=True\)", downgrade)
    assert "Detected changed generated column 'item.c'" in caplog.text
    assert "cannot be modified" not in caplog.text


@pytest.mark.backends("sqlite", "mariadb")
def test_changed_persisted_flag(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata("a + b", persisted=False),
                             _metadata("a + b", persisted=True))
    assert "sa.Computed('a + b', persisted=True)" in rev.text.split("def downgrade")[0]


def test_changed_function_expression(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    string = sa.String(40)
    rev = project.round_trip(_metadata("lower(s)", persisted=True, column_type=string),
                             _metadata("upper(s)", persisted=True, column_type=string))
    assert "sa.Computed('upper(s)', persisted=True)" in rev.text


@pytest.mark.parametrize(("expression", "persisted"), [
    ("a * 2 + b", None),
    ("(a + b) * 2", True),
    ("lower(s)", True),
    ("CASE WHEN a > 0 THEN a ELSE b END", True),
])
def test_identical_definitions_give_no_script(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture,
    expression: str, persisted: bool | None,
) -> None:
    project = AlembicProject(tmp_path, db_url)
    column_type = sa.String(40) if "s" in expression.split("(")[-1] else None
    metadata = _metadata(expression, persisted, column_type)
    project.create(metadata)
    assert project.diff(metadata) == []
    assert project.revision(metadata) is None
    assert "cannot be modified" not in caplog.text


def test_include_object_can_exclude_the_column(tmp_path: Path, db_url: str) -> None:
    def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                       compare_to: object) -> bool:
        return not (type_ == "column" and name == "c")

    project = AlembicProject(tmp_path, db_url, options={"include_object": include_object})
    project.create(_metadata("a * 2", persisted=True))
    assert project.diff(_metadata("a * 3", persisted=True)) == []


@pytest.mark.backends("postgresql", "mariadb")
def test_without_batch_mode(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, options={"render_as_batch": False})
    rev = project.round_trip(_metadata("a * 2", persisted=True),
                             _metadata("a * 3", persisted=True))
    upgrade = rev.text.split("def downgrade")[0]
    assert upgrade.index("op.drop_column('item', 'c')") < upgrade.index(
        "op.add_column('item', sa.Column('c', sa.Integer(), sa.Computed('a * 3', persisted=True)"
    )


def test_indexes_on_the_column_come_back(tmp_path: Path, db_url: str) -> None:
    def metadata(expression: str) -> sa.MetaData:
        metadata = _metadata(expression, persisted=True)
        table = metadata.tables["item"]
        sa.Index("ix_item_c", table.c.c)
        sa.Index("ix_item_a_c", table.c.a, table.c.c)
        return metadata

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(metadata("a * 2"), metadata("a * 3"))
    assert "sa.Computed('a * 3', persisted=True)" in rev.text
    with project.engine.connect() as conn:
        assert {ix["name"] for ix in sa.inspect(conn).get_indexes("item")} == {
            "ix_item_c", "ix_item_a_c"}


def test_plain_column_becomes_generated(tmp_path: Path, db_url: str) -> None:
    before = _metadata(None)
    before.tables["item"].append_column(sa.Column("c", sa.Integer))
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(before, _metadata("a * 2", persisted=True))
    upgrade, downgrade = rev.text.split("def downgrade")
    # MariaDB makes it STORED in place (test_plain_column_made_generated)
    assert ("sa.Computed('a * 2', persisted=True)" in upgrade
            or "MODIFY c INTEGER GENERATED ALWAYS AS (a * 2) STORED" in upgrade)
    assert "sa.Computed" not in downgrade


# -- generated made plain, plain made generated -----------------------------------------------

#: (backend, STORED?) -> converted in place, keeping the values: PostgreSQL 13+ drops the
#: expression of a STORED column; MariaDB MODIFYs a STORED column either way.
IN_PLACE = {("postgresql", True): "to plain", ("mariadb", True): "both ways"}


def _plain(server_default: str | None = None) -> sa.MetaData:
    metadata = _metadata(None)
    metadata.tables["item"].append_column(sa.Column("c", sa.Integer,
                                                    server_default=server_default))
    return metadata


def _with_index(metadata: sa.MetaData) -> sa.MetaData:
    table = metadata.tables["item"]
    sa.Index("ix_item_c", table.c.c)
    sa.Index("ix_item_a_c", table.c.a, table.c.c)
    return metadata


def _fill(project: AlembicProject) -> None:
    with project.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO item (id, a, b) VALUES (1, 5, 0), (2, 6, 0)"))


def _values(project: AlembicProject) -> list[int | None]:
    with project.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT c FROM item ORDER BY id")).scalars())


def _generated(project: AlembicProject) -> bool:
    with project.engine.connect() as conn:
        column = next(c for c in sa.inspect(conn).get_columns("item") if c["name"] == "c")
        return "computed" in column


def _index_names(project: AlembicProject) -> set[str]:
    with project.engine.connect() as conn:
        return {str(index["name"]) for index in sa.inspect(conn).get_indexes("item")}


def _stored_flags(backend: str) -> list[bool]:
    return [True] if backend == "postgresql" else [True, False]  # PostgreSQL 15: STORED only


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "virtual"])
def test_generated_column_made_plain(
    tmp_path: Path, db_url: str, backend: str, stored: bool, caplog: pytest.LogCaptureFixture
) -> None:
    if stored not in _stored_flags(backend):
        pytest.skip("PostgreSQL 15 has STORED generated columns only")
    project = AlembicProject(tmp_path, db_url)
    before, after = _with_index(_metadata("a * 2", stored)), _with_index(_plain("7"))
    project.create(before)
    _fill(project)
    project.stamp_base()
    with caplog.at_level(logging.INFO):
        rev = project.revision(after)
    assert rev is not None
    assert "cannot be modified" not in caplog.text
    upgrade, downgrade = rev.text.split("def downgrade")
    in_place = IN_PLACE.get((backend, stored))
    if backend == "postgresql":
        assert "op.execute('ALTER TABLE item ALTER COLUMN c DROP EXPRESSION')" in upgrade
        assert """op.execute("ALTER TABLE item ALTER COLUMN c SET DEFAULT '7'")""" in upgrade
    elif in_place:
        assert """op.execute("ALTER TABLE item MODIFY c INTEGER DEFAULT '7'")""" in upgrade
    else:  # values lost: said in the script and on the terminal
        assert "# drops column item.c and its data" in upgrade
        assert "drops column item.c and the data in it" in caplog.text
    assert "drop_column" not in upgrade if in_place else "add_column" in upgrade
    project.upgrade()
    assert not _generated(project)
    assert _values(project) == ([10, 12] if in_place else [7, 7])
    assert _index_names(project) == {"ix_item_c", "ix_item_a_c"}
    assert project.diff(after) == []
    project.downgrade()
    assert _generated(project)  # the downgrade restores the generated column
    assert _values(project) == [10, 12]
    assert _index_names(project) == {"ix_item_c", "ix_item_a_c"}
    assert project.diff(before) == []


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "virtual"])
def test_plain_column_made_generated(
    tmp_path: Path, db_url: str, backend: str, stored: bool, caplog: pytest.LogCaptureFixture
) -> None:
    if stored not in _stored_flags(backend):
        pytest.skip("PostgreSQL 15 has STORED generated columns only")
    project = AlembicProject(tmp_path, db_url)
    before, after = _with_index(_plain()), _with_index(_metadata("a * 2", stored))
    project.create(before)
    _fill(project)
    with project.engine.begin() as conn:
        conn.execute(sa.text("UPDATE item SET c = 100"))
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, downgrade = rev.text.split("def downgrade")
    in_place = IN_PLACE.get((backend, stored))
    if in_place == "both ways":
        assert ("op.execute('ALTER TABLE item MODIFY c INTEGER GENERATED ALWAYS AS (a * 2) "
                "STORED')") in upgrade
        assert "op.execute('ALTER TABLE item MODIFY c INTEGER(11)')" in downgrade
    if in_place == "to plain":  # the way back keeps the values
        assert "op.execute('ALTER TABLE item ALTER COLUMN c DROP EXPRESSION')" in downgrade
    if in_place:
        assert "becomes generated: its values are replaced by computed ones" in upgrade
        assert "values are replaced by computed ones" in caplog.text
    else:
        assert "sa.Computed" not in downgrade
    project.upgrade()
    assert _generated(project)
    assert _values(project) == [10, 12]
    assert _index_names(project) == {"ix_item_c", "ix_item_a_c"}
    assert project.diff(after) == []
    project.downgrade()
    assert not _generated(project)
    assert _values(project) == ([10, 12] if in_place else [None, None])
    assert _index_names(project) == {"ix_item_c", "ix_item_a_c"}
    assert project.diff(before) == []


@pytest.mark.backends("postgresql", "mariadb")
def test_conversion_without_batch_mode_beside_other_changes(tmp_path: Path, db_url: str) -> None:
    # The in-place statement runs at once; the table's other changes keep their order.
    after = _plain()
    after.tables["item"].append_column(sa.Column("d", sa.Integer))
    for options in ({"render_as_batch": False}, {}):
        project = AlembicProject(tmp_path / str(len(options)), db_url, options=options)
        rev = project.round_trip(_metadata("a * 2", persisted=True), after)
        upgrade = rev.text.split("def downgrade")[0]
        assert "sa.Column('d'" in upgrade
        assert "ALTER COLUMN c DROP EXPRESSION" in upgrade or "MODIFY c INTEGER" in upgrade
        project.engine.dispose()
        with project.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE item"))
            conn.execute(sa.text("DELETE FROM alembic_version"))


def test_conversion_op_reverses_and_describes() -> None:
    generated = sa.Column("c", sa.Integer, sa.Computed("a * 2", persisted=True))
    plain = sa.Column("c", sa.Integer)
    op = ConvertGeneratedColumnOp("item", "c", "shop", generated, plain,
                                  in_place=True, reverse_in_place=False)
    back = op.reverse()
    assert (back.before, back.after, back.in_place, back.reverse_in_place) == (
        plain, generated, False, True)
    assert op.describe() == "make generated column shop.item.c plain (values kept)"
    assert back.describe() == "make column shop.item.c generated as a * 2"
    assert op.value_note is None
    assert back.value_note == (
        "column shop.item.c becomes generated: its values are replaced by computed ones")
    assert op.to_diff_tuple() == (
        "convert_generated_column", "shop", "item", "c", "a * 2", None)


# -- the same, in plain Alembic: our plugins on, no other hook of the extension -----------------

PLAIN_ALEMBIC_PLUGINS = ["alembic.autogenerate.*", "flask_migrate_plus.*"]


def _plain_alembic_context(conn: sa.Connection, metadata: sa.MetaData,
                           backend: str) -> MigrationContext:
    return MigrationContext.configure(conn, opts={
        "target_metadata": metadata,
        "autogenerate_plugins": PLAIN_ALEMBIC_PLUGINS,
        "compare_type": True,
        "render_as_batch": backend == "sqlite",  # what a plain Alembic project on SQLite sets
    })


def _plain_alembic_run(engine: sa.Engine, code: str) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn)
        with context.begin_transaction():
            body = re.sub(r"(?m)^    ", "", code)  # render_python_code indents the body
            exec(body, {"op": Operations(context), "sa": sa, "mysql": mysql})


@pytest.mark.parametrize("to_plain", [True, False], ids=["to_plain", "to_generated"])
def test_plain_alembic_conversion(
    tmp_path: Path, db_url: str, backend: str, to_plain: bool
) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    generated = _metadata("a * 2", persisted=True)
    before, after = (generated, _plain()) if to_plain else (_plain(), generated)
    before.create_all(engine)
    with pytest.warns() as seen:  # no "cannot be modified" from Alembic
        with engine.connect() as conn:
            context = _plain_alembic_context(conn, after, backend)
            script = produce_migrations(context, after)
            upgrade = render_python_code(script.upgrade_ops, migration_context=context)
            downgrade = render_python_code(script.downgrade_ops, migration_context=context)
        warnings.warn("end of autogenerate", UserWarning, stacklevel=1)
    assert not [w for w in seen if "cannot be modified" in str(w.message)]
    generating = downgrade if to_plain else upgrade
    assert "sa.Computed('" in generating or "GENERATED ALWAYS AS" in generating
    for code, models in ((upgrade, after), (downgrade, before)):
        _plain_alembic_run(engine, code)
        with engine.connect() as conn:
            context = _plain_alembic_context(conn, models, backend)
            assert produce_migrations(context, models).upgrade_ops.as_diffs() == []


def test_percent_signs_reach_the_database_unescaped(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata("a % 3", persisted=True),
                             _metadata("a % 5", persisted=True))
    assert "%%" not in rev.text
    assert "sa.Computed('a % 5', persisted=True)" in rev.text
