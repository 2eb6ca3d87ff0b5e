"""What each server does to SQL text it stores, as data for the normalisers.

Dialects are grouped in families that share one set of facts (MariaDB is read as MySQL).
The normalisers read these tables; the rules that use them say which server does what.
"""

from __future__ import annotations

from .lexer import NAME, NUMBER, OPERATOR

#: Dialect name -> the family whose facts apply.
FAMILIES = {"mariadb": "mysql"}

#: Families whose string literals take backslash escapes (``'a\\'b'``).
BACKSLASH_ESCAPES = frozenset({"mysql"})


def dialect_family(dialect_name: str) -> str:
    """The name under which a dialect's facts are kept (MariaDB shares MySQL's)."""
    return FAMILIES.get(dialect_name, dialect_name)


#: Functions, keywords and operators with two spellings, per family: one spelling -> the
#: (kind, value) both are compared as. MariaDB stores ``lcase(s)`` for ``lower(s)``,
#: ``current_timestamp()`` for ``now()``, ``a MOD 2`` for ``a % 2``, ``or`` for ``||``,
#: ``!(...)`` for ``NOT (...)``, ``1`` for ``true``; PostgreSQL's ``now()`` is
#: ``CURRENT_TIMESTAMP``.
SYNONYMS: dict[str, dict[str, tuple[str, str]]] = {
    "postgresql": {
        "now": (NAME, "current_timestamp"),
        "transaction_timestamp": (NAME, "current_timestamp"),
    },
    "mysql": {
        "lcase": (NAME, "lower"),
        "ucase": (NAME, "upper"),
        "octet_length": (NAME, "length"),
        "character_length": (NAME, "char_length"),
        "substr": (NAME, "substring"),
        "now": (NAME, "current_timestamp"),
        "localtime": (NAME, "current_timestamp"),
        "localtimestamp": (NAME, "current_timestamp"),
        "curdate": (NAME, "current_date"),
        "curtime": (NAME, "current_time"),
        "mod": (OPERATOR, "%"),
        "true": (NUMBER, "1"),
        "false": (NUMBER, "0"),
        "||": (NAME, "or"),
        "&&": (NAME, "and"),
        "!": (NAME, "not"),
    },
}

#: Functions that take no arguments and may be written with or without ``()``: MariaDB
#: writes ``current_timestamp()``, PostgreSQL and the models ``CURRENT_TIMESTAMP``.
NILADIC_FUNCTIONS = frozenset(
    {"current_timestamp", "current_date", "current_time", "localtime", "localtimestamp",
     "now", "curdate", "curtime", "utc_timestamp", "utc_date", "utc_time"}
)

#: Operators PostgreSQL stores in place of keywords: ``s LIKE 'x'`` comes back as
#: ``s ~~ 'x'``; ``!=`` and SQLite's ``==`` are ``<>`` and ``=`` everywhere.
OPERATOR_WORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "~~": ((NAME, "like"),),
    "!~~": ((NAME, "not"), (NAME, "like")),
    "~~*": ((NAME, "ilike"),),
    "!~~*": ((NAME, "not"), (NAME, "ilike")),
    "!=": ((OPERATOR, "<>"),),
    "==": ((OPERATOR, "="),),
}

#: Words PostgreSQL drops in front of a string literal: the typed literal
#: ``INTERVAL '1 day'`` is stored as the cast ``'1 day'::interval`` (and casts are dropped).
TYPED_LITERAL_WORDS = frozenset({"interval", "date", "timestamp", "time"})

#: Types whose cast makes PostgreSQL's quoted literal a number: ``'-1'::integer``.
NUMERIC_TYPES = frozenset({"integer", "bigint", "smallint", "numeric", "real", "double",
                           "int", "int4", "int8", "int2", "float8", "float4", "decimal"})

#: Single-literal spellings of a boolean default: MariaDB stores ``1``/``0``, PostgreSQL
#: ``true``/``false``, SQLite what the model wrote (``'1'``, ``'t'``, ``true`` ...).
BOOLEAN_LITERALS = {
    **dict.fromkeys(("1", "true", "t", "y", "yes", "on"), "true"),
    **dict.fromkeys(("0", "false", "f", "n", "no", "off"), "false"),
}
