"""PostgreSQL SERIAL columns: the same verdict as Alembic's, in one query for the whole run."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from harness import AlembicProject


def _serial_tables(count: int) -> sa.MetaData:
    metadata = sa.MetaData()
    for i in range(count):
        sa.Table(f"t{i:03d}", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("big", sa.BigInteger, sa.Sequence(f"t{i:03d}_big_seq")))
    return metadata


def _round_trips(project: AlembicProject, metadata: sa.MetaData) -> tuple[int, list]:
    count = 0

    def counter(*_: object) -> None:
        nonlocal count
        count += 1

    sa.event.listen(project.engine, "before_cursor_execute", counter)
    try:
        diffs = project.diff(metadata)
    finally:
        sa.event.remove(project.engine, "before_cursor_execute", counter)
    return count, diffs


@pytest.mark.backends("postgresql")
def test_serial_lookups_do_not_grow_with_tables(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    small = _serial_tables(5)
    project.create(small)
    few, diffs = _round_trips(project, small)
    assert diffs == []
    big = _serial_tables(40)
    project.create(big)
    many, diffs = _round_trips(project, big)
    assert diffs == []
    assert many <= few, f"{few} round trips for 5 tables, {many} for 40"


@pytest.mark.backends("postgresql")
def test_a_default_from_a_sequence_the_column_does_not_own_is_kept(
    tmp_path: Path, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    shared = sa.MetaData()
    sa.Sequence("shared_seq", metadata=shared)
    sa.Table("a", shared, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("n", sa.Integer, server_default=sa.text("nextval('shared_seq'::regclass)")))
    project.create(shared)
    assert project.diff(shared) == []

    plain = sa.MetaData()
    sa.Sequence("shared_seq", metadata=plain)
    sa.Table("a", plain, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("n", sa.Integer))
    kinds = [d[0][0] if isinstance(d, list) else d[0] for d in project.diff(plain)]
    assert "modify_default" in kinds
