"""Table tests of ``normalize_default``: each spelling a server stores for a default next to
the model's, and defaults that must stay apart. No server needed: the stored spellings were
read from SQLite, PostgreSQL 15 and MariaDB 10.11 by ``collect_sql_spellings.py``.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from flask_migrate_plus.sql.server_defaults import normalize_default

#: Column types by the name the rows use: the type decides what a lone literal means.
TYPES: dict[str, sa.types.TypeEngine[object]] = {
    "Boolean": sa.Boolean(), "DateTime": sa.DateTime(), "Date": sa.Date(),
    "Integer": sa.Integer(), "BigInteger": sa.BigInteger(), "SmallInteger": sa.SmallInteger(),
    "Numeric": sa.Numeric(10, 2), "Float": sa.Float(), "String": sa.String(20),
    "JSONB": postgresql.JSONB(), "Interval": sa.Interval(), "Uuid": sa.Uuid(),
}

#: (dialect, column type, the model's default as rendered for DDL, the default reflected).
DEFAULT_SPELLINGS = [
    ('sqlite', 'Integer', '(1+1)', '1+1'),
    ('postgresql', 'Boolean', "'0'", 'false'),
    ('postgresql', 'Integer', "'0'", '0'),
    ('postgresql', 'Integer', '(1+1)', '(1 + 1)'),
    ('postgresql', 'BigInteger', "'-1'", "'-1'::bigint"),
    ('postgresql', 'SmallInteger', '-5', "'-5'::integer"),
    ('postgresql', 'Numeric', "'1.50'", '1.50'),
    ('postgresql', 'Numeric', "'0'", "'0'::numeric"),
    ('postgresql', 'Numeric', '.5', '0.5'),
    ('postgresql', 'Float', "'0.5'", "'0.5'::double precision"),
    ('postgresql', 'String', "'it''s'", "'it''s'::character varying"),
    ('postgresql', 'String', "'a\\b'", "'a\\b'::character varying"),
    ('postgresql', 'String', "''", "''::character varying"),
    ('postgresql', 'String', "'ÄÖ'", "'ÄÖ'::character varying"),
    ('postgresql', 'String', "'100%'", "'100%'::character varying"),
    ('postgresql', 'String', "lower('X')", "lower('X'::text)"),
    ('postgresql', 'Date', "'2020-01-01'", "'2020-01-01'::date"),
    ('postgresql', 'Interval', "'1 day'", "'1 day'::interval"),
    ('postgresql', 'DateTime', 'now()::date', '(now())::date'),
    ('mariadb', 'Boolean', 'false', '0'),
    ('mariadb', 'Boolean', 'true', '1'),
    ('mariadb', 'Boolean', "'0'", '0'),
    ('mariadb', 'DateTime', 'now()', 'current_timestamp()'),
    ('mariadb', 'DateTime', 'CURRENT_TIMESTAMP', 'current_timestamp()'),
    ('mariadb', 'Date', 'CURRENT_DATE', 'curdate()'),
    ('mariadb', 'Integer', "'0'", '0'),
    ('mariadb', 'Integer', '(1+1)', '(1 + 1)'),
    ('mariadb', 'BigInteger', "'-1'", '-1'),
    ('mariadb', 'Numeric', "'1.50'", '1.50'),
    ('mariadb', 'Numeric', "'0'", '0.00'),
    ('mariadb', 'Numeric', '.5', '0.50'),
    ('mariadb', 'Float', "'0.5'", '0.5'),
    ('mariadb', 'String', "lower('X')", "lcase('X')"),
]


@pytest.mark.parametrize(("dialect", "type_name", "model", "stored"), DEFAULT_SPELLINGS)
def test_stored_default_reads_as_the_model(
    dialect: str, type_name: str, model: str, stored: str
) -> None:
    type_ = TYPES[type_name]
    assert normalize_default(stored, dialect, type_) == normalize_default(model, dialect, type_)


#: (column type, one default, another): never alike, on any dialect.
MUST_DIFFER = [
    ("String", "'a'", "'b'"),
    ("String", "'größe'", "'grüße'"),
    ("String", "'a b'", "'a  b'"),
    ("String", "'x'", "'X'"),
    ("Integer", "0", "1"),
    ("Integer", "-1", "1"),
    ("Numeric", ".5", "5"),
    ("Numeric", "1.5", "1.05"),
    ("Boolean", "true", "false"),
    ("Boolean", "'1'", "'0'"),
    ("DateTime", "now()", "CURRENT_DATE"),
    ("Integer", "1 + 1", "1 - 1"),
    ("Integer", "a # b", "a @> b"),
    ("Integer", "a $ 1", "a 1"),
    ("String", "'x'", "NULL"),
]


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mariadb"])
@pytest.mark.parametrize(("type_name", "one", "other"), MUST_DIFFER)
def test_different_defaults_stay_apart(
    dialect: str, type_name: str, one: str, other: str
) -> None:
    type_ = TYPES[type_name]
    assert normalize_default(one, dialect, type_) != normalize_default(other, dialect, type_)


#: Spellings of one default that no single server stores, but that mean the same.
ALIKE = [
    ("postgresql", "Numeric", "0.5", ".5"),
    ("postgresql", "Numeric", "'0.50'", "0.5"),
    ("sqlite", "Boolean", "'t'", "1"),
    ("sqlite", "Integer", "((1 + 1))", "1 + 1"),
    ("mariadb", "DateTime", "CURRENT_TIMESTAMP()", "now()"),
    ("mariadb", "DateTime", "localtimestamp", "current_timestamp()"),
    ("mariadb", "String", "'it\\'s'", "'it''s'"),
    ("mariadb", "String", "'a\\\\b'", "'a\\\\b'"),
    ("postgresql", "String", "'x'::character varying(20)", "'x'"),
    ("postgresql", "Integer", "(10)::double precision", "10"),
    ("postgresql", "Integer", "'-1'::integer", "-1"),
    ("postgresql", "DateTime", "transaction_timestamp()", "CURRENT_TIMESTAMP"),
]


@pytest.mark.parametrize(("dialect", "type_name", "one", "other"), ALIKE)
def test_same_default_spelled_two_ways(
    dialect: str, type_name: str, one: str, other: str
) -> None:
    type_ = TYPES[type_name]
    assert normalize_default(one, dialect, type_) == normalize_default(other, dialect, type_)


@pytest.mark.parametrize("text", [None, "NULL", "null", "(NULL)", "NULL::character varying"])
def test_no_default(text: str | None) -> None:
    assert normalize_default(text, "postgresql", sa.String()) is None
