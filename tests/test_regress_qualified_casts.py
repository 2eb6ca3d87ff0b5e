"""Regression: PostgreSQL casts to a type of another schema, quoted, as an array.

The server spells ``'a'::"Billing"."Kind"`` or ``ARRAY['a'::billing.kind]``; the CHECK,
index-predicate and server-default normalisers must drop the whole cast, or the same models
give a script on every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from harness import AlembicProject

pytestmark = pytest.mark.backends("postgresql")


def _models(schema: str, type_name: str) -> sa.MetaData:
    """Enum and enum-array columns whose CHECK, partial index and defaults cast to the type."""
    metadata = sa.MetaData()
    kind = sa.Enum("a", "b", name=type_name, schema=schema)
    quoted = f'"{schema}"."{type_name}"'
    sa.Table(
        "t", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("k", kind, server_default="a"),
        sa.Column("ks", sa.ARRAY(kind), server_default=sa.text(f"'{{a,b}}'::{quoted}[]")),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text(
            "'2020-01-01 00:00:00+00'::timestamp(3) with time zone")),
        sa.CheckConstraint("k <> 'b' AND k IN ('a', 'b')", name="ck_t_k"),
        sa.Index("ix_t_id", "id", postgresql_where=sa.text("k = 'a'")),
        schema=schema,
    )
    return metadata


@pytest.mark.parametrize(("schema", "type_name"), [("billing", "kind"), ("Billing", "Kind")])
def test_casts_to_a_qualified_type_are_no_change(
    tmp_path: Path, db_url: str, schema: str, type_name: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    with project.engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    project.create(_models(schema, type_name))
    assert project.diff(_models(schema, type_name)) == []
