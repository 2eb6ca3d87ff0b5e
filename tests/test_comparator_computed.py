"""Generated (``Computed``) columns: a changed expression or STORED/VIRTUAL flag is found and
the script (drop + re-add) runs both ways; identical definitions give no script."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

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
    assert "sa.Computed('a * 2', persisted=True)" in upgrade
    assert "sa.Computed" not in downgrade


def test_generated_column_made_plain_is_only_reported(tmp_path: Path, db_url: str) -> None:
    # Dropping and adding would replace the derived values by NULLs: left to the user, with
    # Alembic's own warning.
    after = _metadata(None)
    after.tables["item"].append_column(sa.Column("c", sa.Integer))
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata("a * 2", persisted=True))
    with pytest.warns(UserWarning, match="Computed default on item.c cannot be modified"):
        assert project.diff(after) == []


def test_percent_signs_reach_the_database_unescaped(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata("a % 3", persisted=True),
                             _metadata("a % 5", persisted=True))
    assert "%%" not in rev.text
    assert "sa.Computed('a % 5', persisted=True)" in rev.text
