"""Expression defaults compiled once per run for equal expressions, never shared between
expressions that differ only in their values."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from harness import AlembicProject


def _models(x: str, y: str) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("t", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("x", sa.String(10), server_default=sa.func.lower(sa.literal(x))),
             sa.Column("y", sa.String(10), server_default=sa.func.lower(sa.literal(y))),
             sa.Column("z", sa.String(10), server_default=sa.func.lower(sa.literal(y))))
    return metadata


def test_equal_structure_different_values_are_told_apart(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_models("A", "B"))
    assert project.diff(_models("A", "B")) == []
    diffs = project.diff(_models("B", "B"))
    changed = [d[0][3] for d in diffs if d[0][0] == "modify_default"]
    assert changed == ["x"], diffs
    diffs = project.diff(_models("A", "C"))
    assert sorted(d[0][3] for d in diffs if d[0][0] == "modify_default") == ["y", "z"], diffs
