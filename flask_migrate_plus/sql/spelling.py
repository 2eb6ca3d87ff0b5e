"""Rules that give each word, number, cast and parenthesis of an expression one spelling.

Each rule is a function from tokens to tokens that undoes one thing a server does to the
text it stores, and says which server does it. ``expressions`` puts them in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .dialects import NILADIC_FUNCTIONS, NUMERIC_TYPES, OPERATOR_WORDS, TYPED_LITERAL_WORDS
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
    inside_groups,
    is_at,
    is_cast,
    is_punct,
    is_word,
    reads,
    top_level,
)
from .operands import NOT, level, operand_end

#: Keywords met between operands: a ``-`` after one is a sign, a ``(`` after one groups.
KEYWORDS = frozenset({
    "and", "or", "xor", "not", "is", "in", "like", "ilike", "similar", "between", "symmetric",
    "asymmetric", "distinct", "from", "escape", "when", "then", "else", "case", "return",
    "any", "all", "some",
})

#: Keywords after which ``(`` opens a list, not a group.
_LIST_WORDS = frozenset({"in", "any", "all", "some"})

#: The body of a quoted literal that is a number (no leading zeros: ``'007'`` is a code).
_QUOTED_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def canonical_words(tokens: list[Token], synonyms: dict[str, tuple[str, str]]) -> list[Token]:
    """One spelling per word and operator: a server's synonyms (``lcase`` is ``lower`` on
    MariaDB), PostgreSQL's ``~~`` for ``LIKE``, ``CURRENT_TIMESTAMP()`` without ``()``,
    and quoted names without letter case (PostgreSQL quotes ``"größe"``, MariaDB backquotes
    every name)."""
    out: list[Token] = []
    skip_to = 0
    for index, token in enumerate(tokens):
        if index < skip_to:
            continue
        kind, value = token.kind, token.value
        if kind == QUOTED:
            out.append(token._replace(value=value.lower()))
        elif kind == NAME or kind == OPERATOR:
            if value in synonyms:
                out.append(token.rewritten(*synonyms[value]))
            elif kind == OPERATOR and value in OPERATOR_WORDS:
                out += [token.rewritten(*word) for word in OPERATOR_WORDS[value]]
            else:
                out.append(token)
            if out[-1].kind == NAME and out[-1].value in NILADIC_FUNCTIONS and reads(
                tokens, index + 1, "(", ")"
            ):
                skip_to = index + 3
        else:
            out.append(token)
    return out


def mod_calls(tokens: list[Token]) -> list[Token]:
    """``MOD(x, y)`` as ``(x) MOD (y)``: MariaDB stores the call as the operator."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = None
        if is_word(token, "mod") and is_at(tokens, index + 1, PUNCT, "("):
            close = closing(tokens, index + 1)
        if close is not None:
            commas = [k for k in top_level(tokens, index + 2, close)
                      if is_at(tokens, k, PUNCT, ",")]
            if len(commas) == 1:
                comma = commas[0]
                out += [token.rewritten(PUNCT, "("), *mod_calls(tokens[index + 2 : comma]),
                        token.rewritten(PUNCT, ")"), token, token.rewritten(PUNCT, "("),
                        *mod_calls(tokens[comma + 1 : close]), token.rewritten(PUNCT, ")")]
                index = close + 1
                continue
        out.append(token)
        index += 1
    return out


def signed_numbers(tokens: list[Token]) -> list[Token]:
    """A signed numeric literal is one value however it is spelled: ``-100``, ``- 100``,
    ``'-100'``, ``(-100)``, ``-(100)``, ``(+ 20)`` (PostgreSQL), ``20`` (MariaDB drops ``+``).
    A unary ``+`` says nothing and goes."""
    tokens = [_number_in_quotes(token) for token in tokens]
    previous = -1
    while len(tokens) != previous:
        previous = len(tokens)
        tokens = _merge_signs(_unwrap_numbers(tokens))
    return tokens


def _number_in_quotes(token: Token) -> Token:
    """``'-100'`` is the number: servers cast it to the column's type (``'-100'::integer``)."""
    if token.kind == STRING and _QUOTED_NUMBER.fullmatch(token.value, 1, len(token.value) - 1):
        return token._replace(kind=NUMBER, value=canonical_number(token.value[1:-1]))
    return token


def _unwrap_numbers(tokens: list[Token]) -> list[Token]:
    """``(5)`` that only groups one number is that number (a call's ``f(5)`` is kept)."""
    out: list[Token] = []
    for token in tokens:
        out.append(token)
        if (
            len(out) >= 3
            and is_punct(token, ")")
            and out[-2].kind == NUMBER
            and is_punct(out[-3], "(")
            and not _opens_call(out, len(out) - 3)
        ):
            out[-3:] = [out[-2]]
    return out


def _merge_signs(tokens: list[Token]) -> list[Token]:
    """A ``-`` that starts an operand joins the number after it: ``- 1`` is ``-1``."""
    out: list[Token] = []
    for token in tokens:
        if token.kind == OPERATOR and token.value == "+" and _operand_starts(out, len(out)):
            continue  # unary plus
        if (
            token.kind == NUMBER
            and out
            and out[-1].kind == OPERATOR and out[-1].value == "-"
            and _operand_starts(out, len(out) - 1)
        ):
            sign = out[-1]
            value = token.value
            if value != "0":
                value = value[1:] if value.startswith("-") else "-" + value
            out[-1] = Token(NUMBER, value, sign.start, token.end)
        else:
            out.append(token)
    return out


def stored_phrases(tokens: list[Token]) -> list[Token]:
    """PostgreSQL stores ``TRIM(s)`` as ``TRIM(BOTH FROM s)``, and a typed literal
    ``INTERVAL '1 day'`` as the cast ``'1 day'::interval`` (dropped, like every cast)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if is_word(token, "trim") and reads(tokens, index + 1, "(", "both", "from"):
            out += tokens[index : index + 2]
            index += 4
            continue
        if is_word(token, *TYPED_LITERAL_WORDS) and is_at(tokens, index + 1, STRING):
            index += 1
            continue
        out.append(token)
        index += 1
    return out


def strip_casts(tokens: list[Token]) -> list[Token]:
    """PostgreSQL adds ``::type`` casts; dropped whole (``::billing.kind[]`` too). A quoted
    literal cast to a number type is that number: ``'-1'::integer`` is ``-1``."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if not (token.kind == OPERATOR and token.value == "::" and is_cast(tokens, index)):
            out.append(token)
            index += 1
            continue
        if out and is_at(tokens, index + 1, NAME) and tokens[index + 1].value in NUMERIC_TYPES:
            out[-1] = _number_in_quotes(out[-1])
        index = cast_end(tokens, index)
    return out


def strip_cast_calls(tokens: list[Token]) -> list[Token]:
    """``CAST(x AS type)`` becomes ``(x)``: casts are dropped on both sides, as ``::`` is
    (MariaDB stores ``cast(a as char(5) charset utf8mb4)``)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = None
        if is_word(token, "cast") and is_at(tokens, index + 1, PUNCT, "("):
            close = closing(tokens, index + 1)
        if close is None:
            out.append(token)
            index += 1
            continue
        end = next((k for k in top_level(tokens, index + 2, close)
                    if is_word(tokens[k], "as")), close)
        out += [tokens[index + 1], *strip_cast_calls(tokens[index + 2 : end]), tokens[close]]
        index = close + 1
    return out


def drop_grouping_parentheses(tokens: list[Token]) -> list[Token]:
    """Remove ``(`` ``)`` pairs that only group (PostgreSQL adds them around every
    operation, SQLite and MariaDB keep the model's); keep those of calls and ``IN`` lists,
    and those that say what a ``NOT`` rules over."""
    keep = _not_scopes(tokens)
    drop: set[int] = set()
    for index, token in enumerate(tokens):
        if is_punct(token, "(") and index not in keep and not _opens_call(tokens, index):
            close = closing(tokens, index)
            if close is not None:
                drop.add(index)
                drop.add(close)
    if not drop:
        return tokens
    return [token for index, token in enumerate(tokens) if index not in drop]


def _not_scopes(tokens: list[Token]) -> set[int]:
    """The ``(`` of groups that decide what a ``NOT`` rules over: ``NOT (a AND b)``, where
    without them the ``AND`` would take ``b`` from the ``NOT``, and ``(NOT a) = b``, where
    the ``NOT`` would take ``= b``. (Rules that push a ``NOT`` inwards ran before: these
    are the ones no rule could rewrite, spelled alike on both sides.)"""
    keep: set[int] = set()
    for index, token in enumerate(tokens):
        if not (is_word(token, "not") and level(tokens, index) == NOT):
            continue
        end = operand_end(tokens, index + 1, NOT)
        start, stop = inside_groups(tokens, index + 1, end)
        if start > index + 1 and any(
            (found := level(tokens, k)) is not None and found < NOT
            for k in top_level(tokens, start, stop)
        ):
            keep.add(start - 1)
        if index and is_punct(tokens[index - 1], "(") and closing(tokens, index - 1) == end and (
            _binds_tighter_than_not(tokens, index - 2) or _binds_tighter_than_not(tokens, end + 1)
        ):
            keep.add(index - 1)
    return keep


def _binds_tighter_than_not(tokens: list[Token], index: int) -> bool:
    """Whether the token at ``index`` is an operator that binds tighter than ``NOT``."""
    if not 0 <= index < len(tokens):
        return False
    found = level(tokens, index)
    return tokens[index].kind == OPERATOR if found is None else found > NOT


def _opens_call(tokens: Sequence[Token], index: int) -> bool:
    """Whether the ``(`` at ``index`` opens a call or a list rather than a group."""
    if not index:
        return False
    before = tokens[index - 1]
    if before.kind == QUOTED:
        return True
    return before.kind == NAME and (before.value not in KEYWORDS or before.value in _LIST_WORDS)


def _operand_starts(tokens: Sequence[Token], index: int) -> bool:
    """Whether an operand begins at ``index`` (so a ``-`` there is a sign). Not after
    ``::``: a type follows that."""
    if not index:
        return True
    before = tokens[index - 1]
    return (
        (before.kind == OPERATOR and before.value != "::")
        or (before.kind == PUNCT and before.value in ("(", ",", "["))
        or (before.kind == NAME and before.value in KEYWORDS)
    )
