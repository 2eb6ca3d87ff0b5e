"""The test bed itself: each backend is a real server, and the harness round-trips a script."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from harness import AlembicProject


def _metadata(with_points: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    columns = [sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50))]
    if with_points:
        columns.append(sa.Column("points", sa.Integer, nullable=True))
    sa.Table("author", metadata, *columns)
    return metadata


def test_backend_is_a_real_server(backend: str, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.dialect.name == {"sqlite": "sqlite", "postgresql": "postgresql",
                                     "mariadb": "mysql"}[backend] or conn.dialect.name == backend
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()


def test_round_trip_add_column(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(False), _metadata(True))
    assert "op.batch_alter_table('author'" in rev.text
    assert "sa.Column('points', sa.Integer(), nullable=True)" in rev.text


def test_identical_models_write_no_script(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_metadata(True))
    assert project.revision(_metadata(True)) is None
    assert list((tmp_path / "migrations" / "versions").glob("*.py")) == []
