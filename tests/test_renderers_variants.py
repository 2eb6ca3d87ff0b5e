"""Types with per-dialect variants render by each variant's own dialect, on every backend."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

from harness import AlembicProject


def _models() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "doc",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("body", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
        sa.Column("size", sa.Integer().with_variant(sa.BigInteger(), "postgresql")),
        sa.Column("title", sa.String(50).with_variant(mysql.VARCHAR(50, collation="utf8mb4_bin"),
                                                      "mysql", "mariadb")),
    )
    return metadata


def test_variants_render_by_their_own_dialect(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(sa.MetaData(), _models())
    text = rev.text
    # generated on any backend, the JSONB variant names its Text type with the sa. prefix
    assert "postgresql.JSONB(astext_type=sa.Text())" in text
    assert ".with_variant(sa.BigInteger(), 'postgresql')" in text
    assert "from sqlalchemy.dialects import postgresql" in text
    assert "astext_type=Text()" not in text
