"""MySQL/MariaDB: each table's ``SHOW CREATE TABLE`` read once per run, its parse handed to
the dialect, and ``information_schema`` asked only when a text says it might find something."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from flask_migrate_plus.schema.mysql_catalog import _COMMENT, _DEFAULT, column_lines

from harness import AlembicProject

pytestmark = pytest.mark.backends("mariadb")


def _plain_tables() -> sa.MetaData:
    """Defaults, nullable columns, a comment, indexes and a key: no CHECK, no DESC."""
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(50), nullable=False, server_default="x",
                       comment="shown on the cover"),
             sa.Column("bio", sa.Text))
    sa.Table("book", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("author_id", sa.Integer, sa.ForeignKey("author.id")),
             sa.Column("title", sa.String(80)),
             sa.Column("created", sa.DateTime, server_default=sa.func.now()),
             sa.Index("ix_book_author_title", "author_id", "title"))
    return metadata


def _with_catalog_facts() -> sa.MetaData:
    """The same, and what reflection drops: a column CHECK, a DESC index column, an
    expression default, and a comment behind a quoted default."""
    metadata = _plain_tables()
    sa.Table("shelf", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("slots", sa.Integer, sa.CheckConstraint("slots > 0")),
             sa.Column("label", sa.String(20), server_default=sa.text("lcase('X')")),
             sa.Column("note", sa.String(20), server_default="it's",
                       comment="a note"),
             sa.Index("ix_shelf_slots", sa.desc("slots")))
    return metadata


@pytest.fixture
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(sa.engine.Engine, "before_cursor_execute", record)


def _second_run(project: AlembicProject, models: sa.MetaData, statements: list[str]
                ) -> tuple[list[str], list[str]]:
    """Build ``models``, compare them again (nothing to find) and return the statements that
    comparison ran: its ``SHOW CREATE TABLE`` ones, and the rest."""
    project.create(models)
    statements.clear()
    assert project.diff(models) == []
    shows = [s for s in statements if s.upper().startswith("SHOW CREATE TABLE")]
    return shows, [s for s in statements if s not in shows]


def test_each_table_read_once_and_no_catalog_query_when_the_texts_say_nothing(
    tmp_path: Path, db_url: str, statements: list[str]
) -> None:
    shows, others = _second_run(AlembicProject(tmp_path, db_url), _plain_tables(), statements)
    assert sorted(shows) == ["SHOW CREATE TABLE `author`", "SHOW CREATE TABLE `book`"]
    assert not [s for s in others if "information_schema" in s.lower()]


def test_the_catalog_is_asked_when_a_text_says_so_and_nothing_is_proposed(
    tmp_path: Path, db_url: str, statements: list[str]
) -> None:
    shows, others = _second_run(AlembicProject(tmp_path, db_url), _with_catalog_facts(),
                                statements)
    assert len(shows) == len(set(shows)) == 3
    asked = " ".join(s for s in others if "information_schema" in s.lower())
    for catalog_table in ("COLUMNS", "CHECK_CONSTRAINTS", "STATISTICS"):
        assert catalog_table in asked


def test_without_the_catalog_plugin_the_dialect_reads_as_before(
    tmp_path: Path, db_url: str, statements: list[str]
) -> None:
    project = AlembicProject(tmp_path, db_url, disabled_plugins=("catalog",))
    shows, _ = _second_run(project, _with_catalog_facts(), statements)
    assert len(shows) == len(set(shows)) == 3


def test_column_lines_and_what_they_say() -> None:
    text = (
        "CREATE TABLE `t` (\n"
        "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
        "  `a``b` varchar(10) DEFAULT NULL,\n"
        "  `c` varchar(10) DEFAULT 'it''s' COMMENT 'a note',\n"
        "  `d` varchar(10) DEFAULT lcase('X'),\n"
        "  `NULLish` int(11) DEFAULT NULLIF(1, 2),\n"
        "  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB"
    )
    lines = column_lines(text)
    assert list(lines) == ["id", "a`b", "c", "d", "NULLish"]
    says_default = {name for name, line in lines.items() if _DEFAULT.search(line)}
    assert says_default == {"c", "d", "NULLish"}
    assert {name for name, line in lines.items() if _COMMENT.search(line)} == {"c"}
