"""Table tests of ``parse_create_index``, the reader of SQLite's stored ``CREATE INDEX``
text. No server needed: the stored statements were read from SQLite's ``sqlite_master``
by ``collect_sql_spellings.py``.
"""

from __future__ import annotations

import pytest

from flask_migrate_plus.sql.expressions import normalize_sql
from flask_migrate_plus.sql.index_ddl import CreateIndexText, IndexElement, parse_create_index

#: (the model's expression or predicate, the statement SQLite keeps for its index).
STORED = [
    ('lower(s)', 'CREATE INDEX ix_0 ON t (lower(s))'),
    ('(a + b)', 'CREATE INDEX ix_1 ON t ((a + b))'),
    ("coalesce(s, '')", "CREATE INDEX ix_2 ON t (coalesce(s, ''))"),
    ('a > 0', 'CREATE INDEX ix_3 ON t (a) WHERE a > 0'),
    ('s IS NOT NULL AND a > .5', 'CREATE INDEX ix_4 ON t (a) WHERE s IS NOT NULL AND a > .5'),
    ('x BETWEEN a + 1 AND 5', 'CREATE INDEX ix_5 ON t (a) WHERE x BETWEEN a + 1 AND 5'),
    ("s IN ('p', 'q')", "CREATE INDEX ix_6 ON t (a) WHERE s IN ('p', 'q')"),
    (
        'lower(s) IS NOT DISTINCT FROM t',
        'CREATE INDEX ix_7 ON t (a) WHERE lower(s) IS NOT DISTINCT FROM t',
    ),
    ('größe > 0', 'CREATE INDEX ix_8 ON t (a) WHERE größe > 0'),
]


@pytest.mark.parametrize(("model", "ddl"), STORED)
def test_stored_statement_gives_back_the_model_text(model: str, ddl: str) -> None:
    parsed = parse_create_index(ddl)
    assert parsed is not None
    text = parsed.where if parsed.where is not None else parsed.elements[0].text
    assert normalize_sql(text, "sqlite") == normalize_sql(model, "sqlite")


def _element(text: str, column: str | None = None, descending: bool = False) -> IndexElement:
    return IndexElement(text=text, column=column, descending=descending)


#: Statements and what they say, element texts and predicates exactly as written.
PARSED = [
    ("CREATE INDEX ix ON t (a)", CreateIndexText(False, (_element("a", "a"),), None)),
    ("create unique index ix on t (a, B desc)",
     CreateIndexText(True, (_element("a", "a"), _element("B", "B", True)), None)),
    ('CREATE UNIQUE INDEX IF NOT EXISTS "ix x" ON "t" ("Größe" DESC, [b c] ASC)',
     CreateIndexText(True, (_element('"Größe"', "Größe", True), _element("[b c]", "b c")),
                     None)),
    ("CREATE INDEX ix ON t (lower(s), a + b DESC) WHERE s IS NOT NULL AND a > .5",
     CreateIndexText(False, (_element("lower(s)"), _element("a + b", descending=True)),
                     "s IS NOT NULL AND a > .5")),
    ("CREATE INDEX ix ON t (substr(s, 1, 2), `a`)",
     CreateIndexText(False, (_element("substr(s, 1, 2)"), _element("`a`", "a")), None)),
    ("CREATE INDEX ix ON t (s COLLATE NOCASE)",
     CreateIndexText(False, (_element("s COLLATE NOCASE"),), None)),
    ("CREATE INDEX ix ON t (größe) WHERE größe # 2 > 0",
     CreateIndexText(False, (_element("größe", "größe"),), "größe # 2 > 0")),
    ("CREATE INDEX ix ON main.t ((a + b)) WHERE s = 'on (x)'",
     CreateIndexText(False, (_element("(a + b)"),), "s = 'on (x)'")),
]


@pytest.mark.parametrize(("ddl", "expected"), PARSED)
def test_parsed_statement(ddl: str, expected: CreateIndexText) -> None:
    assert parse_create_index(ddl) == expected


@pytest.mark.parametrize("ddl", [
    "",
    "CREATE TABLE t (a)",
    "CREATE INDEX ix ON t",
    "CREATE INDEX ix ON t (a",
    "CREATE INDEX ix ON t (a) WHERE",
    "CREATE INDEX ix ON t (a) USING btree",
])
def test_unreadable_statement_is_left_alone(ddl: str) -> None:
    assert parse_create_index(ddl) is None
