"""SQLite's ``CREATE INDEX`` text, read back into its parts.

SQLite keeps each index's DDL as it was written, and its reflection leaves out expressions
and sort order, so the index comparator reads the stored text: uniqueness, each element
(a bare column or an expression, ASC/DESC) and the ``WHERE`` predicate, each element and
the predicate as the exact text the DDL holds. Expressions and predicates are then compared
through ``expressions.normalize_sql``, like CHECKs.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexer import NAME, QUOTED, Token, closing, is_punct, is_word, tokenize, top_level


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


def parse_create_index(sql: str) -> CreateIndexText | None:
    """Read ``CREATE [UNIQUE] INDEX name ON table (elements) [WHERE predicate]``.

    Returns None for text this reader does not understand, so the caller can leave that
    index to Alembic rather than guess.
    """
    tokens = tokenize(sql, bracket_identifiers=True)  # SQLite also quotes names as [a b]
    if not tokens or not is_word(tokens[0], "create"):
        return None
    on = next((k for k, token in enumerate(tokens) if is_word(token, "on")), None)
    if on is None:
        return None
    opening = next((k for k in range(on, len(tokens)) if is_punct(tokens[k], "(")), None)
    if opening is None:
        return None
    close = closing(tokens, opening)
    if close is None:
        return None
    rest = tokens[close + 1 :]
    where = None
    if rest:
        if not is_word(rest[0], "where") or len(rest) < 2:
            return None
        where = sql[rest[1].start : rest[-1].end]
    index = next((k for k in range(on) if is_word(tokens[k], "index")), 0)
    unique = any(is_word(token, "unique") for token in tokens[:index])
    parts = _split_at_commas(tokens[opening + 1 : close])
    return CreateIndexText(
        unique=unique,
        elements=tuple(_element(sql, part) for part in parts),
        where=where,
    )


def _split_at_commas(tokens: list[Token]) -> list[list[Token]]:
    """The column list's entries: split at the commas that are not inside brackets."""
    commas = [k for k in top_level(tokens) if is_punct(tokens[k], ",")]
    bounds = zip([-1, *commas], [*commas, len(tokens)], strict=True)
    return [tokens[start + 1 : end] for start, end in bounds if end > start + 1]


def _element(sql: str, tokens: list[Token]) -> IndexElement:
    descending = False
    if len(tokens) > 1 and is_word(tokens[-1], "asc", "desc"):
        descending = tokens[-1].value == "desc"
        tokens = tokens[:-1]
    text = sql[tokens[0].start : tokens[-1].end]
    column = None
    if len(tokens) == 1 and tokens[0].kind == QUOTED:
        column = tokens[0].value
    elif len(tokens) == 1 and tokens[0].kind == NAME:
        column = text  # as written: the lexer's value is lower-cased
    return IndexElement(text=text, column=column, descending=descending)
