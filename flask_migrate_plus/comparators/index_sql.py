"""SQLite's ``CREATE INDEX`` text, read back into its parts.

SQLite keeps each index's DDL as it was written and its reflection leaves out expressions
and sort order, so the index comparator reads the stored text: uniqueness, each element
(a bare column or an expression, ASC/DESC) and the ``WHERE`` predicate. Expressions and
predicates are then compared through ``sql_text.normalize_sql``, like CHECKs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: One token: a string literal, a quoted identifier, a word/number, ``::`` or one symbol.
_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<literal>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[A-Za-z_][^\]'",]*\])
    | (?P<word>[^\W\d][\w$]*|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<cast>::)
    | (?P<op><>|!=|<=|>=|\|\||!~~\*|!~~|~~\*|~~|[^\s])
    """,
    re.X,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens, whitespace left out."""
    return [
        Token(m.lastgroup or "op", m.group(), m.start(), m.end())
        for m in _TOKEN_RE.finditer(sql)
        if m.lastgroup != "space"
    ]


def unquote(identifier: str) -> str:
    """The name inside ``"a""b"``, ```a``b``` or ``[a b]`` (doubled quotes undone)."""
    quote = identifier[:1]
    if quote in ('"', "`"):
        return identifier[1:-1].replace(quote * 2, quote)
    if quote == "[":
        return identifier[1:-1]
    return identifier


@dataclass(frozen=True)
class IndexElement:
    """One entry of an index's column list, as written in the DDL."""

    text: str
    column: str | None  # the column name when the entry is a bare column
    descending: bool


@dataclass(frozen=True)
class CreateIndexText:
    """What SQLite's stored ``CREATE INDEX`` statement says."""

    unique: bool
    elements: tuple[IndexElement, ...]
    where: str | None


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split a column list at the commas that are not inside parentheses."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.text == "," and depth == 0:
            parts.append([])
        else:
            parts[-1].append(token)
    return [part for part in parts if part]


def _element(sql: str, tokens: list[Token]) -> IndexElement:
    descending = False
    if tokens[-1].text.lower() in ("asc", "desc"):
        descending = tokens[-1].text.lower() == "desc"
        tokens = tokens[:-1]
    text = sql[tokens[0].start : tokens[-1].end]
    is_column = len(tokens) == 1 and tokens[0].kind in ("word", "quoted")
    column = unquote(tokens[0].text) if is_column else None
    return IndexElement(text=text, column=column, descending=descending)


def parse_create_index(sql: str) -> CreateIndexText | None:
    """Read ``CREATE [UNIQUE] INDEX name ON table (elements) [WHERE predicate]``.

    Returns None for text this reader does not understand, so the caller can leave that
    index to Alembic rather than guess.
    """
    tokens = tokenize(sql)
    lowered = [token.text.lower() for token in tokens]
    if "on" not in lowered or "(" not in lowered or lowered[:1] != ["create"]:
        return None
    opening = lowered.index("(", lowered.index("on"))
    depth, closing = 0, -1
    for i in range(opening, len(tokens)):
        depth += {"(": 1, ")": -1}.get(lowered[i], 0)
        if depth == 0:
            closing = i
            break
    if closing < 0:
        return None
    parts = _split_top_level(tokens[opening + 1 : closing])
    rest = tokens[closing + 1 :]
    where = None
    if rest:
        if lowered[closing + 1] != "where" or len(rest) < 2:
            return None
        where = sql[rest[1].start : rest[-1].end]
    return CreateIndexText(
        unique="unique" in lowered[: lowered.index("index")] if "index" in lowered else False,
        elements=tuple(_element(sql, part) for part in parts),
        where=where,
    )
