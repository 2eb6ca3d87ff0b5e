"""Server-default SQL text, normalised so that two spellings of one default compare equal.

A database echoes a default back in its own words: PostgreSQL adds casts
(``'x'::character varying``, ``(10)::double precision``), MariaDB renames functions
(``now()`` -> ``current_timestamp()``, ``lower`` -> ``lcase``, ``CURRENT_DATE`` -> ``curdate()``)
and respaces expressions, SQLite keeps the DDL text with its parentheses. Rather than asking
the server (Alembic's PostgreSQL way, which crashes on quotes and flaps on ``random()``), we
tokenise both texts, rewrite the tokens with small per-dialect tables, and compare tuples.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import types as sqltypes

from .cast_types import cast_type_end

#: A token is (kind, value); kinds: "str" (decoded text), "num" (canonical decimal text),
#: "bool", "word" (lower-cased keyword or identifier), "op" (punctuation).
Token = tuple[str, str]
Normalized = tuple[Token, ...] | None

# Standard SQL strings double a quote; MySQL strings also use backslash escapes.
_STRING_STANDARD = r"'(?:[^']|'')*'"
_STRING_MYSQL = r"'(?:[^'\\]|''|\\.)*'"
_REST = r"""
    | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
    | (?P<word>[A-Za-z_][\w$]*)
    | (?P<op>::|\S)
    | \s+
"""
_TOKENIZERS = {
    "mysql": re.compile(rf"(?P<str>{_STRING_MYSQL}){_REST}", re.X | re.S),
    "default": re.compile(rf"(?P<str>{_STRING_STANDARD}){_REST}", re.X | re.S),
}
_MYSQL_ESCAPES = {"0": "\0", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "b": "\b"}

#: Functions that take no arguments and may be written with or without ``()``.
NILADIC_FUNCTIONS = frozenset(
    {"current_timestamp", "current_date", "current_time", "localtime", "localtimestamp",
     "now", "curdate", "curtime", "utc_timestamp", "utc_date", "utc_time"}
)

#: Per dialect: function or keyword names the server reports instead of the model's.
WORD_SYNONYMS: dict[str, dict[str, str]] = {
    "postgresql": {"now": "current_timestamp", "transaction_timestamp": "current_timestamp"},
    "mysql": {
        "now": "current_timestamp",
        "localtime": "current_timestamp",
        "localtimestamp": "current_timestamp",
        "curdate": "current_date",
        "curtime": "current_time",
        "lcase": "lower",
        "ucase": "upper",
    },
    "sqlite": {},
}

#: Single-literal spellings of a boolean default, across dialects.
_BOOLEAN_LITERALS = {
    **dict.fromkeys(("1", "true", "t", "y", "yes", "on"), "true"),
    **dict.fromkeys(("0", "false", "f", "n", "no", "off"), "false"),
}


def dialect_family(dialect_name: str) -> str:
    """MariaDB reports itself as "mysql" or "mariadb" depending on the URL; same rules."""
    return "mysql" if dialect_name in ("mysql", "mariadb") else dialect_name


def _decode_string(literal: str, family: str) -> str:
    body = literal[1:-1]
    if family == "mysql":
        body = re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(1)), body)
    return body.replace("''", "'")


def _canonical_number(text: str) -> str | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return format(value.normalize(), "f")


def tokenize(sql: str, family: str) -> list[Token]:
    """Split SQL text into tokens; whitespace and letter case stop mattering here."""
    tokens: list[Token] = []
    pattern = _TOKENIZERS.get(family, _TOKENIZERS["default"])
    for match in pattern.finditer(sql):
        kind = match.lastgroup
        text = match.group()
        if kind == "str":
            tokens.append(("str", _decode_string(text, family)))
        elif kind == "num":
            tokens.append(("num", _canonical_number(text) or text))
        elif kind == "quoted":
            tokens.append(("word", text[1:-1]))
        elif kind == "word":
            tokens.append(("word", text.lower()))
        elif kind == "op":
            tokens.append(("op", text))
    return _merge_negative_numbers(tokens)


def _merge_negative_numbers(tokens: list[Token]) -> list[Token]:
    # "-1" is one literal to a reader, and MariaDB reports it as such; "a - 1" is not.
    merged: list[Token] = []
    for token in tokens:
        prev = merged[-1] if merged else None
        before = merged[-2] if len(merged) > 1 else None
        unary = prev == ("op", "-") and (before is None or before[0] == "op" and before[1] != ")")
        if token[0] == "num" and unary:
            merged[-1] = ("num", _canonical_number("-" + token[1]) or "-" + token[1])
        else:
            merged.append(token)
    return merged


def _matching_paren(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index] == ("op", "("):
            depth += 1
        elif tokens[index] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return index
    return -1


def _is_atom(tokens: list[Token]) -> bool:
    """One literal, one name, or one function call: parentheses around it say nothing."""
    if len(tokens) == 1:
        return tokens[0][0] != "op"
    if len(tokens) >= 3 and tokens[0][0] == "word" and tokens[1] == ("op", "("):
        return _matching_paren(tokens, 1) == len(tokens) - 1
    return False


def _drop_redundant_parens(tokens: list[Token]) -> list[Token]:
    index = 0
    while index < len(tokens):
        is_call = index > 0 and tokens[index - 1][0] == "word"
        if tokens[index] == ("op", "(") and not is_call:
            end = _matching_paren(tokens, index)
            whole = index == 0 and end == len(tokens) - 1
            if end > index and (whole or _is_atom(tokens[index + 1 : end])):
                tokens = tokens[:index] + tokens[index + 1 : end] + tokens[end + 1 :]
                continue
        index += 1
    return tokens


def _drop_literal_casts(tokens: list[Token]) -> list[Token]:
    # PostgreSQL casts every literal to the column's (or argument's) type; the type is
    # already compared by the type comparator, so the cast carries no information.
    names = [(kind == "word", value if kind in ("word", "op") else "") for kind, value in tokens]
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        after_literal = bool(out) and (out[-1][0] in ("str", "num") or out[-1] == ("word", "null"))
        if token == ("op", "::") and after_literal and index + 1 < len(tokens):
            index = cast_type_end(names, index + 1)
            continue
        out.append(token)
        index += 1
    return out


def _rename_words(tokens: list[Token], family: str) -> list[Token]:
    synonyms = WORD_SYNONYMS.get(family, {})
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        if kind == "word" and value in NILADIC_FUNCTIONS:
            if tokens[index + 1 : index + 3] == [("op", "("), ("op", ")")]:
                index += 2
        out.append((kind, synonyms.get(value, value)) if kind == "word" else (kind, value))
        index += 1
    return out


def _typed_literal(tokens: list[Token], type_: sqltypes.TypeEngine) -> list[Token]:
    """A lone literal means its value: ``'0'``, ``0`` and ``false`` are one boolean default."""
    if len(tokens) != 1 or tokens[0][0] not in ("str", "num", "word"):
        return tokens
    kind, value = tokens[0]
    affinity = type_._type_affinity
    if affinity is not None and issubclass(affinity, sqltypes.Boolean):
        if value.lower() in _BOOLEAN_LITERALS:
            return [("bool", _BOOLEAN_LITERALS[value.lower()])]
    elif affinity is not None and issubclass(
        affinity, (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
    ):
        number = _canonical_number(value) if kind == "str" else None
        if number is not None:
            return [("num", number)]
    return tokens


def normalize_default(
    sql: str | None, dialect_name: str, type_: sqltypes.TypeEngine
) -> Normalized:
    """The comparable form of a default's SQL text; None means "no default"."""
    if sql is None:
        return None
    family = dialect_family(dialect_name)
    tokens = tokenize(sql, family)
    previous: list[Token] | None = None
    while tokens != previous:
        previous = tokens
        tokens = _drop_literal_casts(_drop_redundant_parens(tokens))
    tokens = _typed_literal(_rename_words(tokens, family), type_)
    if not tokens or tokens == [("word", "null")]:
        return None
    return tuple(tokens)
