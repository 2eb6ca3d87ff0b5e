"""How far an operand reaches: operator precedence over tokens.

A rewrite such as ``x BETWEEN a AND b`` -> ``x >= a AND x <= b`` must know where ``x``
begins and ``b`` ends when they are expressions (``a + 1``, ``lower(s)``, ``(y)::text``).
The operand of an operator is the run of tokens around it, brackets (and ``CASE`` ...
``END``) taken whole, up to a token that binds no tighter than the operator itself.

The levels are PostgreSQL's (loosest first): ``OR``, ``AND``, ``NOT``, ``IS``, comparisons,
``BETWEEN``/``IN``/``LIKE``, then every other operator (arithmetic, ``||``, ``@>``, ``::``),
which never ends an operand here. MySQL ranks ``BETWEEN`` and ``LIKE`` with the comparisons;
as both sides of a comparison are read by the same rules, that only matters to a text that
mixes them without parentheses.
"""

from __future__ import annotations

from collections.abc import Sequence

from .lexer import (
    NAME,
    OPERATOR,
    PUNCT,
    Token,
    closing,
    is_closing,
    is_opening,
    is_word,
    opening,
)

#: Levels, loosest first; ``CLAUSE`` tokens (``,``, ``THEN``, ``AS`` ...) end any operand.
CLAUSE, OR, XOR, AND, NOT, IS, COMPARISON, MEMBERSHIP = 0, 10, 15, 20, 30, 40, 50, 60

_WORD_LEVELS = {
    "or": OR, "xor": XOR, "and": AND, "is": IS, "isnull": IS, "notnull": IS,
    **dict.fromkeys(("between", "in", "like", "ilike", "similar", "glob", "regexp", "rlike",
                     "match", "escape"), MEMBERSHIP),
    **dict.fromkeys(("then", "else", "when", "as", "from", "for"), CLAUSE),
}
_COMPARISONS = frozenset({"=", "<", ">", "<=", ">=", "<>", "!=", "==", "<=>"})
_NEGATABLE = frozenset({"between", "in", "like", "ilike", "similar", "glob", "regexp", "rlike",
                        "match"})


def level(tokens: Sequence[Token], index: int) -> int | None:
    """The level of the operator at ``index``; None for a token that is part of an operand."""
    token = tokens[index]
    kind, value = token.kind, token.value
    if kind == NAME:
        if value == "not":
            if index and is_word(tokens[index - 1], "is"):
                return IS  # IS NOT ...
            if index + 1 < len(tokens) and is_word(tokens[index + 1], *_NEGATABLE):
                return MEMBERSHIP  # NOT BETWEEN, NOT IN, NOT LIKE ...
            return NOT
        if value == "from" and index and is_word(tokens[index - 1], "distinct"):
            return IS  # IS [NOT] DISTINCT FROM
        return _WORD_LEVELS.get(value)
    if kind == OPERATOR:
        return COMPARISON if value in _COMPARISONS else None
    if kind == PUNCT and value in (",", ";", ":"):
        return CLAUSE
    return None


def operand_end(tokens: Sequence[Token], start: int, bound: int) -> int:
    """The index just past the operand that begins at ``start``: it stops before the first
    operator, outside brackets, whose level is ``bound`` or looser, or before a bracket it
    did not open."""
    index = start
    count = len(tokens)
    while index < count:
        token = tokens[index]
        if is_opening(token):
            close = closing(tokens, index)
            if close is None:
                return count
            index = close + 1
            continue
        if is_closing(token):
            return index
        found = level(tokens, index)
        if found is not None and found <= bound:
            return index
        index += 1
    return count


def operand_start(tokens: Sequence[Token], end: int, bound: int) -> int:
    """The index of the first token of the operand that ends just before ``end``: as
    ``operand_end``, read backwards."""
    index = end - 1
    while index >= 0:
        token = tokens[index]
        if is_closing(token):
            open_ = opening(tokens, index)
            if open_ is None:
                return 0
            index = open_ - 1
            continue
        if is_opening(token):
            return index + 1
        found = level(tokens, index)
        if found is not None and found <= bound:
            return index + 1
        index -= 1
    return 0
