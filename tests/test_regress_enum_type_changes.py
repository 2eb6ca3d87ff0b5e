"""Regression: PostgreSQL columns changed into and out of a native enum type.

``ALTER COLUMN ... TYPE status USING c::status`` fails with 'type "status" does not exist'
unless the script creates the type first; the downgrade casts back and drops it (only if the
script created it). Out of an enum type, the type is dropped after the cast when nothing else
uses it, and recreated before the cast back. Rows are kept both ways.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harness import AlembicProject

pytestmark = pytest.mark.backends("postgresql")

ROWS = [{"id": 1, "c": "a"}, {"id": 2, "c": "b"}, {"id": 3, "c": None}]


def _table(metadata: sa.MetaData, name: str, type_: Any, schema: str | None = None,
           **columns: Any) -> sa.Table:
    extra = [sa.Column(key, value) for key, value in columns.items()]
    return sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("c", type_), *extra, schema=schema)


def _models(type_: Any, schema: str | None = None, **columns: Any) -> sa.MetaData:
    metadata = sa.MetaData()
    _table(metadata, "t", type_, schema, **columns)
    return metadata


def _status(schema: str | None = None) -> sa.Enum:
    return sa.Enum("a", "b", name="status", schema=schema)


def _fill(project: AlembicProject, metadata: sa.MetaData) -> None:
    project.create(metadata)
    with project.engine.begin() as conn:
        conn.execute(next(iter(metadata.tables.values())).insert(), ROWS)


def _rows(project: AlembicProject, table: str = "t") -> list[tuple[Any, ...]]:
    with project.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(f"SELECT id, c::text FROM {table} "
                                                           "ORDER BY id"))]


def _types(project: AlembicProject) -> set[str]:
    with project.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
                   .scalars())


def _halves(text: str) -> tuple[str, str]:
    upgrade, downgrade = text.split("def downgrade")
    return upgrade, downgrade


@pytest.mark.parametrize("before", [sa.String(20), sa.Text()], ids=["string", "text"])
def test_text_into_a_new_enum_type_creates_it(tmp_path: Path, db_url: str, before: Any) -> None:
    project = AlembicProject(tmp_path, db_url)
    _fill(project, _models(before))
    rev = project.round_trip(_models(before), _models(_status()))
    upgrade, downgrade = _halves(rev.text)
    create = "sa.Enum('a', 'b', name='status').create(op.get_bind(), checkfirst=True)"
    assert create in upgrade
    assert upgrade.index(create) < upgrade.index("postgresql_using='c::status'")
    drop = "sa.Enum(name='status').drop(op.get_bind(), checkfirst=True)"
    assert drop in downgrade
    assert downgrade.index("postgresql_using=") < downgrade.index(drop)
    assert "status" not in _types(project)
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]
    project.upgrade()
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]
    assert "status" in _types(project)


def test_text_into_a_new_enum_type_of_another_schema(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    with project.engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema("billing"))
    _fill(project, _models(sa.Text(), "billing"))
    rev = project.round_trip(_models(sa.Text(), "billing"), _models(_status("billing"), "billing"))
    upgrade, downgrade = _halves(rev.text)
    assert "sa.Enum('a', 'b', name='status', schema='billing').create(" in upgrade
    assert "sa.Enum(name='status', schema='billing').drop(" in downgrade
    assert _rows(project, "billing.t") == [(1, "a"), (2, "b"), (3, None)]


def test_two_columns_into_one_new_type_create_it_once(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(sa.Text(), d=sa.Text()), _models(_status(), d=_status())
    _fill(project, before)
    rev = project.round_trip(before, after)
    upgrade, downgrade = _halves(rev.text)
    assert upgrade.count(".create(op.get_bind()") == 1
    assert downgrade.count(".drop(op.get_bind()") == 1


def test_new_table_and_altered_column_share_the_new_type(tmp_path: Path, db_url: str) -> None:
    # create_table would create the type without checkfirst: the explicit create comes
    # first and the table reuses it
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(sa.Text()), _models(_status())
    _table(after, "u", _status())
    _fill(project, before)
    rev = project.round_trip(before, after)
    upgrade, downgrade = _halves(rev.text)
    assert upgrade.count("name='status').create(") == 1
    assert "create_type=False" in upgrade
    assert downgrade.count("name='status').drop(") == 1
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]


def test_enum_into_text_drops_the_unused_type(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    _fill(project, _models(_status()))
    rev = project.round_trip(_models(_status()), _models(sa.String(20)))
    upgrade, downgrade = _halves(rev.text)
    drop = "sa.Enum(name='status').drop(op.get_bind(), checkfirst=True)"
    assert upgrade.index("postgresql_using=") < upgrade.index(drop)
    create = "sa.Enum('a', 'b', name='status').create(op.get_bind(), checkfirst=True)"
    assert downgrade.index(create) < downgrade.index("postgresql_using='c::status'")
    assert "status" in _types(project)
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]
    project.upgrade()
    assert "status" not in _types(project)
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]


def test_enum_into_text_keeps_a_type_still_used(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    before, after = _models(_status(), d=_status()), _models(sa.Text(), d=_status())
    _fill(project, before)
    rev = project.round_trip(before, after)
    assert "name='status').drop(" not in rev.text
    assert "name='status').create(" not in rev.text


def test_enum_into_text_keeps_a_type_used_by_an_unmodelled_table(
    tmp_path: Path, db_url: str
) -> None:
    # a table outside the models (left out by include_name) still uses the type
    project = AlembicProject(tmp_path, db_url, options={
        "include_name": lambda name, kind, parents: kind != "table" or name != "other",
    })
    other = sa.MetaData()
    _table(other, "other", _status())
    project.create(other)
    _fill(project, _models(_status()))
    rev = project.round_trip(_models(_status()), _models(sa.Text()))
    assert "name='status').drop(" not in rev.text


def test_one_enum_type_into_another_casts_through_text(tmp_path: Path, db_url: str) -> None:
    # PostgreSQL has no cast between two enum types: "c::grade" alone fails.
    grade = sa.Enum("a", "b", "c", name="grade")
    project = AlembicProject(tmp_path, db_url)
    _fill(project, _models(_status()))
    rev = project.round_trip(_models(_status()), _models(grade))
    upgrade, downgrade = _halves(rev.text)
    assert "postgresql_using='c::text::grade'" in upgrade
    assert "postgresql_using='c::text::status'" in downgrade
    assert upgrade.index("name='grade').create(") < upgrade.index("c::text::grade")
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]
    project.upgrade()
    assert _rows(project) == [(1, "a"), (2, "b"), (3, None)]
    assert {"grade"} <= _types(project)
