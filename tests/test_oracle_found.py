"""Failures the random-model oracle found, kept as plain tests with models of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from harness import AlembicProject


@pytest.mark.backends("mariadb", "postgresql", "sqlite")
def test_comment_of_a_column_whose_default_holds_a_quote(tmp_path: Path, db_url: str) -> None:
    """MariaDB writes ``DEFAULT 'it\\'s' COMMENT '...'``; SQLAlchemy's reflection then loses
    the comment, and Alembic proposed it again on every run."""
    before = sa.MetaData()
    sa.Table("note", before, sa.Column("id", sa.Integer, primary_key=True))
    after = sa.MetaData()
    sa.Table(
        "note", after, sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.Text, nullable=False, server_default=sa.text("'it''s'"),
                  comment="it's 'quoted'"),
        sa.Column("title", sa.String(40), server_default="o'clock", comment="a title"),
    )
    project = AlembicProject(tmp_path, db_url)
    project.round_trip(before, after)
    project.upgrade()
    if project.engine.dialect.supports_comments:
        with project.engine.connect() as connection:
            comments = {c["name"]: c.get("comment") for c in sa.inspect(connection).get_columns("note")}
        assert comments["title"] == "a title"
    assert project.diff(after) == []
