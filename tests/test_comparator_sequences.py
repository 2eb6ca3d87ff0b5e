"""``flask_migrate_plus.sequences``: standalone sequences on PostgreSQL, real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harness import AlembicProject

pytestmark = pytest.mark.backends("postgresql")


def _models(*sequences: dict[str, Any], serial: bool = False, identity: bool = False,
            column_sequence: str | None = None) -> sa.MetaData:
    metadata = sa.MetaData()
    for spec in sequences:
        sa.Sequence(metadata=metadata, **spec)
    id_args: list[Any] = []
    if identity:
        id_args.append(sa.Identity())
    if column_sequence:
        id_args.append(sa.Sequence(column_sequence))
    sa.Table("t", metadata, sa.Column("id", sa.Integer, *id_args, primary_key=True,
                                       autoincrement=serial or identity))
    return metadata


def _blocks(text: str) -> tuple[str, str]:
    upgrade, downgrade = text.split("def downgrade():")
    return upgrade, downgrade


def test_models_matching_database_write_no_script(tmp_path: Path, db_url: str) -> None:
    sequences = ({"name": "plain"}, {"name": "tuned", "start": 5, "increment": 10},
                 {"name": "small", "data_type": sa.SmallInteger, "cycle": True})
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(*sequences, column_sequence="t_seq"))
    assert project.diff(_models(*sequences, column_sequence="t_seq")) == []
    assert project.revision(_models(*sequences, column_sequence="t_seq")) is None


@pytest.mark.parametrize("kind", ["serial", "identity"])
def test_column_owned_sequences_are_never_dropped(tmp_path: Path, db_url: str, kind: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_models(**{kind: True}))
    assert project.diff(_models(**{kind: True})) == []


def test_sequence_added_and_dropped(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models(), _models({"name": "invoice_no", "start": 1000}))
    upgrade, downgrade = _blocks(rev.text)
    assert ("op.execute(sa.schema.CreateSequence(sa.Sequence('invoice_no', start=1000)))"
            in upgrade)
    assert "op.execute(sa.schema.DropSequence(sa.Sequence('invoice_no')))" in downgrade


def test_sequence_removed_from_models_is_dropped(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    old = {"name": "Old Seq", "increment": -1, "data_type": sa.Integer}
    rev = project.round_trip(_models(old), _models())
    upgrade, downgrade = _blocks(rev.text)
    assert "op.execute(sa.schema.DropSequence(sa.Sequence('Old Seq')))" in upgrade
    assert ("op.execute(sa.schema.CreateSequence(sa.Sequence('Old Seq', data_type=sa.INTEGER(), "
            "increment=-1)))") in downgrade


def test_column_sequence_created_before_the_table(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(sa.MetaData(), _models(column_sequence="t_id_seq"))
    upgrade, downgrade = _blocks(rev.text)
    assert upgrade.index("CreateSequence(sa.Sequence('t_id_seq'))") < upgrade.index(
        "op.create_table('t'")
    assert downgrade.index("op.drop_table('t')") < downgrade.index("DropSequence")


def test_sequence_options_changed(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(
        _models({"name": "s", "start": 5}),
        _models({"name": "s", "start": 5, "increment": 3, "cache": 20, "data_type": sa.Integer}),
    )
    upgrade, downgrade = _blocks(rev.text)
    assert ("op.execute('ALTER SEQUENCE s AS INTEGER INCREMENT BY 3 MAXVALUE 2147483647 "
            "CACHE 20')") in upgrade
    assert ("op.execute('ALTER SEQUENCE s AS BIGINT INCREMENT BY 1 MAXVALUE 9223372036854775807 "
            "CACHE 1')") in downgrade


def test_include_name_and_include_object(tmp_path: Path, db_url: str) -> None:
    def include_name(name: str | None, type_: str, parents: Any) -> bool:
        return not (type_ == "sequence" and name == "legacy")

    def include_object(obj: Any, name: str, type_: str, reflected: bool, other: Any) -> bool:
        return not (type_ == "sequence" and name == "skipped")

    project = AlembicProject(tmp_path, db_url, options={
        "include_name": include_name, "include_object": include_object})
    project.create(_models({"name": "legacy"}))
    diff = project.diff(_models({"name": "skipped"}, {"name": "kept"}))
    assert diff == [("add_sequence", None, "kept")]


def test_one_catalog_query_per_run(tmp_path: Path, db_url: str) -> None:
    def metadata(tables: int) -> sa.MetaData:
        md = sa.MetaData()
        for i in range(tables):
            sa.Table(f"t{i}", md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("n", sa.Integer, sa.Sequence(f"s{i}")))
        return md

    def catalog_queries(project: AlembicProject, tables: int) -> int:
        statements: list[str] = []
        sa.event.listen(project.engine, "before_cursor_execute",
                        lambda *args: statements.append(args[2]))
        assert project.diff(metadata(tables)) == []
        return sum("pg_sequence s" in sql for sql in statements)

    counts = []
    for tables in (1, 12):
        project = AlembicProject(tmp_path / str(tables), db_url)
        project.create(metadata(tables))
        counts.append(catalog_queries(project, tables))
    assert counts == [1, 1]


def test_hostile_sequence_name(tmp_path: Path, db_url: str) -> None:
    name = "s'q\"$x"
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_models({"name": name, "start": 3}),
                             _models({"name": name, "start": 4}))
    assert "ALTER SEQUENCE \"s''q\"\"$x\" START WITH 4" in rev.text.replace("\\'", "''")


def test_sequences_in_other_schemas(tmp_path: Path, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA other"))
    engine.dispose()
    project = AlembicProject(tmp_path, db_url, options={"include_schemas": True})
    rev = project.round_trip(
        _models({"name": "kept", "schema": "other"}, {"name": "gone", "schema": "other"}),
        _models({"name": "kept", "schema": "other"}, {"name": "new", "schema": "other"}),
    )
    upgrade, _ = _blocks(rev.text)
    assert "CreateSequence(sa.Sequence('new', schema='other'))" in upgrade
    assert "DropSequence(sa.Sequence('gone', schema='other'))" in upgrade
    assert "'kept'" not in rev.text


def test_sequence_of_an_excluded_table_is_left_alone(tmp_path: Path, db_url: str) -> None:
    def include_object(obj: Any, name: str, type_: str, reflected: bool, other: Any) -> bool:
        return not (type_ == "table" and name == "t")

    project = AlembicProject(tmp_path, db_url, options={"include_object": include_object})
    assert project.diff(_models(column_sequence="t_seq")) == []


def _nextval_table(metadata: sa.MetaData, name: str, sequence: str) -> sa.Table:
    """A table whose key comes from a sequence by a plain default, no Sequence object."""
    return sa.Table(name, metadata, sa.Column(
        "id", sa.Integer, primary_key=True, autoincrement=False,
        server_default=sa.text(f"nextval('{sequence}'::regclass)"),
    ))


def _with_sequence(project: AlembicProject, sequence: str, metadata: sa.MetaData) -> None:
    with project.engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SEQUENCE {sequence}")
    project.create(metadata)


def test_sequence_a_model_default_calls_is_kept(tmp_path: Path, db_url: str) -> None:
    # Dropping it would fail: the column default depends on it.
    def models() -> sa.MetaData:
        metadata = sa.MetaData()
        _nextval_table(metadata, "orders", "order_no")
        return metadata

    project = AlembicProject(tmp_path, db_url)
    _with_sequence(project, "order_no", models())
    assert project.diff(models()) == []
    assert project.revision(models()) is None


def test_sequence_an_excluded_table_uses_is_kept(tmp_path: Path, db_url: str) -> None:
    def include_name(name: Any, type_: str, parents: Any) -> bool:
        return not (type_ == "table" and name == "legacy")

    before = sa.MetaData()
    _nextval_table(before, "legacy", "legacy_no")
    project = AlembicProject(tmp_path, db_url, options={"include_name": include_name})
    _with_sequence(project, "legacy_no", before)
    assert all("legacy" not in repr(diff) for diff in project.diff(_models()))
    rev = project.revision(_models())
    assert rev is not None and "legacy" not in rev.text  # the new table "t" only


def test_sequence_of_a_dropped_table_goes_after_it(tmp_path: Path, db_url: str) -> None:
    before = _models()
    _nextval_table(before, "orders", "order_no")
    project = AlembicProject(tmp_path, db_url)
    _with_sequence(project, "order_no", before)
    rev = project.revision(_models())
    assert rev is not None
    upgrade, _ = _blocks(rev.text)
    assert upgrade.index("drop_table('orders')") < upgrade.index(
        "DropSequence(sa.Sequence('order_no'))")
    project.upgrade()
    assert project.diff(_models()) == []


def test_sequence_minvalue_raised_above_its_current_value(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_models({"name": "s"}))
    with project.engine.begin() as conn:
        conn.execute(sa.text("SELECT nextval('s'), nextval('s')"))
    rev = project.round_trip(_models({"name": "s"}),
                             _models({"name": "s", "start": 100, "minvalue": 100}))
    upgrade, _ = _blocks(rev.text)
    assert upgrade.index("setval(") < upgrade.index("ALTER SEQUENCE s")
    project.upgrade()
    with project.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT nextval('s')")).scalar() == 100
