"""Server-default SQL text in one canonical form, so two spellings of one default compare
equal.

A database echoes a default back in its own words: PostgreSQL adds casts
(``'x'::character varying``, ``(10)::double precision``), MariaDB renames functions
(``now()`` -> ``current_timestamp()``, ``lower`` -> ``lcase``, ``CURRENT_DATE`` ->
``curdate()``), writes a boolean as ``1`` and a decimal with its scale (``0.00``), and
respaces expressions; SQLite keeps the DDL text with its parentheses. Rather than asking
the server (which crashes on quotes and flaps on ``random()``), both texts are read into
tokens, put through the same small rules, and compared as tuples of (kind, value).
"""

from __future__ import annotations

import re

from sqlalchemy import types as sqltypes

from .dialects import BACKSLASH_ESCAPES, BOOLEAN_LITERALS, SYNONYMS, dialect_family
from .lexer import (
    NAME,
    NUMBER,
    OPERATOR,
    PUNCT,
    QUOTED,
    STRING,
    Token,
    canonical_number,
    cast_end,
    closing,
    is_cast,
    tokenize,
)
from .spelling import canonical_words

#: A default in comparable form; None means "no default".
Normalized = tuple[tuple[str, str], ...] | None

#: The kind of a lone boolean literal once its type says it is one.
BOOLEAN = "boolean"

#: A quoted literal's body that is a number.
_NUMBER_TEXT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

#: Kinds whose token is one whole value: parentheses around it say nothing.
_ATOMS = frozenset({STRING, NUMBER, NAME, QUOTED})


def normalize_default(
    sql: str | None, dialect_name: str, type_: sqltypes.TypeEngine
) -> Normalized:
    """The comparable form of a default's SQL text; None means "no default"."""
    if sql is None:
        return None
    family = dialect_family(dialect_name)
    tokens = tokenize(sql, backslash_escapes=family in BACKSLASH_ESCAPES)
    tokens = _negative_numbers(canonical_words(tokens, SYNONYMS.get(family, {})))
    while True:  # until neither finds anything: ((10)::double precision)
        dropped = _drop_literal_casts(_drop_redundant_parentheses(tokens))
        if dropped is tokens:
            break
        tokens = dropped
    tokens = _typed_literal(tokens, type_)
    if not tokens or (tokens[0].kind == NAME and tokens[0].value == "null" and len(tokens) == 1):
        return None
    return tuple((NAME if token.kind == QUOTED else token.kind, token.value) for token in tokens)


def _negative_numbers(tokens: list[Token]) -> list[Token]:
    """``-1`` is one literal to a reader, and MariaDB reports it as such; ``a - 1`` is not."""
    out: list[Token] = []
    for token in tokens:
        if (
            token.kind == NUMBER
            and out
            and out[-1].kind == OPERATOR and out[-1].value == "-"
            and (len(out) == 1 or _ends_nothing(out[-2]))
        ):
            sign = out.pop()
            out.append(Token(NUMBER, canonical_number("-" + token.value), sign.start, token.end))
        else:
            out.append(token)
    return out


def _ends_nothing(token: Token) -> bool:
    """Whether a ``-`` after ``token`` starts an operand: after an operator or an opening
    bracket or comma, not after a value or a closing bracket."""
    if token.kind == OPERATOR:
        return token.value != "::"  # a type follows that
    return token.kind == PUNCT and token.value not in (")", "]")


def _drop_redundant_parentheses(tokens: list[Token]) -> list[Token]:
    """SQLite keeps the parentheses of ``DEFAULT (0)``, PostgreSQL adds them around casts
    (``(10)::double precision``): parentheses around the whole default or around one value
    say nothing. Returns ``tokens`` itself when there are none."""
    index = 0
    while index < len(tokens):
        token = tokens[index]
        is_call = index > 0 and tokens[index - 1].kind in (NAME, QUOTED)
        if token.kind == PUNCT and token.value == "(" and not is_call:
            end = closing(tokens, index)
            if end is not None:
                whole = index == 0 and end == len(tokens) - 1
                if whole or _is_atom(tokens[index + 1 : end]):
                    tokens = tokens[:index] + tokens[index + 1 : end] + tokens[end + 1 :]
                    continue
        index += 1
    return tokens


def _is_atom(tokens: list[Token]) -> bool:
    """One literal, one name, or one function call."""
    if len(tokens) == 1:
        return tokens[0].kind in _ATOMS
    if len(tokens) >= 3 and tokens[0].kind in (NAME, QUOTED) and tokens[1].value == "(" and (
        tokens[1].kind == PUNCT
    ):
        return closing(tokens, 1) == len(tokens) - 1
    return False


def _drop_literal_casts(tokens: list[Token]) -> list[Token]:
    """PostgreSQL casts every literal to the column's (or argument's) type; the type is
    compared by the type comparator, so the cast carries nothing here. Returns ``tokens``
    itself when there are none."""
    if not any(token.value == "::" for token in tokens):
        return tokens
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        after_literal = bool(out) and (
            out[-1].kind in (STRING, NUMBER) or (out[-1].kind == NAME and out[-1].value == "null")
        )
        if after_literal and token.kind == OPERATOR and token.value == "::" and (
            is_cast(tokens, index)
        ):
            index = cast_end(tokens, index)
            continue
        out.append(token)
        index += 1
    return out if len(out) < len(tokens) else tokens


def _typed_literal(tokens: list[Token], type_: sqltypes.TypeEngine) -> list[Token]:
    """A lone literal means its value for the column's type: ``'0'``, ``0`` and ``false``
    are one boolean default (SQLite, MariaDB, PostgreSQL); ``'0'`` and ``0.00`` one
    number (MariaDB writes a DECIMAL default with its scale)."""
    if len(tokens) != 1 or tokens[0].kind not in (STRING, NUMBER, NAME):
        return tokens
    token = tokens[0]
    text = token.value[1:-1].replace("''", "'") if token.kind == STRING else token.value
    affinity = type_._type_affinity
    if affinity is not None and issubclass(affinity, sqltypes.Boolean):
        if text.lower() in BOOLEAN_LITERALS:
            return [token._replace(kind=BOOLEAN, value=BOOLEAN_LITERALS[text.lower()])]
    elif affinity is not None and issubclass(
        affinity, (sqltypes.Integer, sqltypes.Numeric, sqltypes.Float)
    ):
        if token.kind == STRING and _NUMBER_TEXT.fullmatch(text.strip()):
            return [token._replace(kind=NUMBER, value=canonical_number(text.strip()))]
    return tokens
