"""Schema snapshots: what each backend's leftovers look like in words."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from flask_migrate_plus.schema.snapshot import describe_differences, take_snapshot


def _tables() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("author", metadata,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(100), nullable=False, server_default="x"),
             sa.CheckConstraint("name <> ''", name="ck_author_name"),
             sa.UniqueConstraint("name", name="uq_author_name"))
    sa.Table("post", metadata,
             sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("author_id", sa.ForeignKey("author.id", name="fk_post_author")),
             sa.Column("title", sa.String(20)))
    return metadata


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    """An engine on a fresh database holding ``_tables()``."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    _tables().create_all(engine)
    yield engine
    engine.dispose()


def _after(engine: sa.Engine, *statements: str) -> list[str]:
    with engine.connect() as connection:
        before = take_snapshot(connection)
        assert take_snapshot(connection) == before  # reading twice gives the same facts
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    with engine.connect() as connection:
        return describe_differences(before, take_snapshot(connection))


def test_leftovers_and_changes_in_words(engine: sa.Engine) -> None:
    assert _after(engine, "CREATE INDEX ix_post_title ON post (title)") == [
        "extra index ix_post_title on post"]
    assert _after(engine, "CREATE TABLE note (id INTEGER PRIMARY KEY)") == ["extra table note"]
    assert _after(engine, "DROP TABLE note") == ["missing table note"]
    assert _after(engine, "DROP INDEX ix_post_title" if engine.dialect.name != "mysql"
                  else "DROP INDEX ix_post_title ON post") == [
        "missing index ix_post_title on post"]


@pytest.mark.backends("sqlite", "postgresql")
def test_expression_and_partial_indexes_are_facts(engine: sa.Engine) -> None:
    assert _after(engine, "CREATE INDEX ix_lower ON post (lower(title))") == [
        "extra index ix_lower on post"]
    changed = _after(engine, "DROP INDEX ix_lower",
                     "CREATE INDEX ix_lower ON post (lower(title)) WHERE id > 1")
    assert len(changed) == 1 and changed[0].startswith("index ix_lower on post: "), changed


@pytest.mark.backends("postgresql")
def test_enum_types_and_sequences_left_behind(engine: sa.Engine) -> None:
    assert _after(engine, "CREATE TYPE mood AS ENUM ('happy', 'sad')",
                  "CREATE SEQUENCE invoice_number") == [
        "extra enum type mood", "extra sequence invoice_number"]
    assert _after(engine, "ALTER TYPE mood ADD VALUE 'calm'") == [
        "enum type mood: values ('happy', 'sad') -> ('happy', 'sad', 'calm')"]


@pytest.mark.backends("postgresql", "mariadb")
def test_column_changes_are_named_with_their_attribute(engine: sa.Engine) -> None:
    alter = ("ALTER TABLE post MODIFY title VARCHAR(20) NOT NULL"
             if engine.dialect.name == "mysql"
             else "ALTER TABLE post ALTER COLUMN title SET NOT NULL")
    assert _after(engine, alter) == ["column post.title: nullable True -> False"]
