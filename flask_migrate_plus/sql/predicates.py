"""Rules for the predicates servers store in other words: ``BETWEEN``, ``IN``,
``IS [NOT] DISTINCT FROM``, ``= ANY (ARRAY[...])``, and ``NOT`` pushed inwards.

Their operands may be any expressions (``x BETWEEN a + 1 AND 5``); ``operands`` says how
far each one reaches. Each rule says which server does what; ``expressions`` puts them in
order, after the words, numbers and casts have one spelling.
"""

from __future__ import annotations

from .lexer import (
    NAME,
    OPERATOR,
    PUNCT,
    Token,
    closing,
    inside_groups,
    is_at,
    is_word,
    reads,
    top_level,
)
from .operands import (
    AND,
    IS,
    MEMBERSHIP,
    NOT,
    OR,
    XOR,
    level,
    operand_end,
    operand_start,
)

#: Each comparison and its negation.
_NEGATED = {"=": "<>", "<>": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def any_array_as_in(tokens: list[Token]) -> list[Token]:
    """``x = ANY (ARRAY[a, b])`` is PostgreSQL's spelling of ``x IN (a, b)`` (``<> ALL`` of
    ``NOT IN``); the array may sit in grouping parentheses of its own
    (``ANY ((ARRAY['a'])::text[])``, casts gone)."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        words: tuple[str, ...] | None = None
        if token.kind == OPERATOR and is_at(tokens, index + 2, PUNCT, "("):
            if token.value == "=" and is_at(tokens, index + 1, NAME, "any"):
                words = ("in",)
            elif token.value == "<>" and is_at(tokens, index + 1, NAME, "all"):
                words = ("not", "in")
        if words is not None:
            array = index + 2
            while is_at(tokens, array, PUNCT, "("):
                array += 1
            bracket = closing(tokens, array + 1) if reads(tokens, array, "array", "[") else None
            group = closing(tokens, index + 2)
            if bracket is not None and group is not None:
                out += [token.rewritten(NAME, word) for word in words]
                out += [token.rewritten(PUNCT, "("), *any_array_as_in(tokens[array + 2 : bracket]),
                        token.rewritten(PUNCT, ")")]
                index = group + 1
                continue
        out.append(token)
        index += 1
    return out


def between_as_comparisons(tokens: list[Token]) -> list[Token]:
    """``x [NOT] BETWEEN [SYMMETRIC] a AND b`` as PostgreSQL stores it: ``x >= a AND x <= b``,
    negated ``(x < a OR x > b)``, SYMMETRIC as both orders ORed; ``x``, ``a`` and ``b`` any
    expressions. MariaDB and SQLite keep BETWEEN as written (and both sides become this)."""
    position = len(tokens)
    while True:
        position = next((k for k in range(position - 1, -1, -1)
                         if is_word(tokens[k], "between")), -1)
        if position < 0:
            return tokens
        expanded = _expand_between(tokens, position)
        if expanded is not None:
            tokens, position = expanded, len(expanded)  # a subject may hold another BETWEEN


def _expand_between(tokens: list[Token], index: int) -> list[Token] | None:
    keyword = tokens[index]
    negated = index > 0 and is_word(tokens[index - 1], "not")
    subject_start = operand_start(tokens, index - negated, MEMBERSHIP)
    symmetric = is_at(tokens, index + 1, NAME, "symmetric")
    low_start = index + 1 + (symmetric or is_at(tokens, index + 1, NAME, "asymmetric"))
    low_end = operand_end(tokens, low_start, AND)
    if not is_at(tokens, low_end, NAME, "and"):
        return None
    high_end = operand_end(tokens, low_end + 1, MEMBERSHIP)
    subject = tokens[subject_start : index - negated]
    low, high = tokens[low_start:low_end], tokens[low_end + 1 : high_end]
    if not (subject and low and high):
        return None

    def word(value: str) -> Token:
        return keyword.rewritten(NAME, value)

    def group(*parts: list[Token] | Token) -> list[Token]:
        inner = [t for part in parts for t in (part if isinstance(part, list) else [part])]
        return [keyword.rewritten(PUNCT, "("), *inner, keyword.rewritten(PUNCT, ")")]

    def within(a: list[Token], b: list[Token]) -> list[Token]:
        if negated:
            return group(subject, keyword.rewritten(OPERATOR, "<"), a, word("or"),
                         subject, keyword.rewritten(OPERATOR, ">"), b)
        return [*subject, keyword.rewritten(OPERATOR, ">="), *a, word("and"),
                *subject, keyword.rewritten(OPERATOR, "<="), *b]

    if not symmetric:
        replacement = within(low, high)
    elif negated:
        replacement = group(within(low, high), word("and"), within(high, low))
    else:
        replacement = group(within(low, high), word("or"), within(high, low))
    return [*tokens[:subject_start], *replacement, *tokens[high_end:]]


def not_distinct_from(tokens: list[Token]) -> list[Token]:
    """PostgreSQL stores ``x IS NOT DISTINCT FROM y`` as ``NOT x IS DISTINCT FROM y``
    (``x`` and ``y`` any expressions, often with casts added); read back as the former.
    ``NOT (x IS DISTINCT FROM y)``, as a model may write it, is the same."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if is_word(token, "not") and level(tokens, index) == NOT:
            found = _distinct_under_not(tokens, index)
            if found is not None:
                rewritten, index = found
                out += rewritten
                continue
        out.append(token)
        index += 1
    return out


def _distinct_under_not(tokens: list[Token], index: int) -> tuple[list[Token], int] | None:
    """The rewrite of the ``NOT`` at ``index`` and the index after it, if it negates an
    ``IS DISTINCT FROM``."""
    end = operand_end(tokens, index + 1, NOT)
    start, stop = inside_groups(tokens, index + 1, end)  # NOT ((x IS DISTINCT FROM y))
    found = _distinct_parts(tokens, start, stop)
    if found is None:
        return None
    return [*tokens[index + 1 : start], *_not_distinct(tokens, start, found, stop),
            *tokens[stop:end]], end


def _distinct_parts(tokens: list[Token], start: int, end: int) -> int | None:
    """The index of ``IS`` when ``tokens[start:end]`` is exactly ``x IS DISTINCT FROM y``."""
    is_ = operand_end(tokens, start, IS)
    if not (start < is_ and reads(tokens, is_, "is", "distinct", "from")):
        return None
    y_end = operand_end(tokens, is_ + 3, IS)
    return is_ if is_ + 3 < y_end == end else None


def _not_distinct(tokens: list[Token], start: int, is_: int, end: int) -> list[Token]:
    return [*not_distinct_from(tokens[start:is_]), tokens[is_], tokens[is_].rewritten(NAME, "not"),
            tokens[is_ + 1], tokens[is_ + 2], *not_distinct_from(tokens[is_ + 3 : end])]


def single_value_in(tokens: list[Token]) -> list[Token]:
    """``x IN (v)`` is stored as ``x = v`` (PostgreSQL, MariaDB), ``x NOT IN (v)`` as
    ``x <> v``; ``v`` any expression."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = None
        if is_word(token, "in") and is_at(tokens, index + 1, PUNCT, "("):
            close = closing(tokens, index + 1)
        if close is not None and close > index + 2 and not any(
            is_at(tokens, k, PUNCT, ",") for k in top_level(tokens, index + 2, close)
        ):
            negated = bool(out) and is_word(out[-1], "not")
            if negated:
                out.pop()
            out += [token.rewritten(OPERATOR, "<>" if negated else "="), tokens[index + 1],
                    *single_value_in(tokens[index + 2 : close]), tokens[close]]
            index = close + 1
            continue
        out.append(token)
        index += 1
    return out


def negated_predicates(tokens: list[Token]) -> list[Token]:
    """``NOT`` pushed into predicates, as MariaDB stores them: ``NOT (a + 1 = 3)`` is
    ``a + 1 <> 3``, ``NOT (s LIKE 'x')`` is ``s NOT LIKE 'x'``, ``NOT (s IS NULL)`` is
    ``s IS NOT NULL``, ``NOT (a > 0 AND b > 0)`` is ``(a <= 0 OR b <= 0)`` (same truth table,
    NULL included). A ``NOT`` over anything else stays. Inner ones first, so that
    ``NOT (NOT (a = 1))`` is ``a = 1``."""
    for index in range(len(tokens) - 1, -1, -1):
        if is_word(tokens[index], "not") and level(tokens, index) == NOT:
            end = operand_end(tokens, index + 1, NOT)
            negated = _negate(tokens[slice(*inside_groups(tokens, index + 1, end))])
            if negated is not None:
                tokens = [*tokens[:index], *negated, *tokens[end:]]
    return tokens


def _negate(tokens: list[Token]) -> list[Token] | None:
    """The negation of ``tokens`` when it is built of simple predicates with AND and OR
    (De Morgan, at any depth of parentheses); else None."""
    start, stop = inside_groups(tokens, 0, len(tokens))
    tokens = tokens[start:stop]
    tops = [k for k in top_level(tokens) if level(tokens, k) in (OR, XOR, AND)]
    if any(is_word(tokens[k], "xor") for k in tops):
        return None
    cuts = [k for k in tops if is_word(tokens[k], "or")] or tops  # the loosest first
    if not cuts:
        return _negate_predicate(tokens)
    flipped = {"and": "or", "or": "and"}
    out: list[Token] = [tokens[0].rewritten(PUNCT, "(")]
    start = 0
    for cut in [*cuts, len(tokens)]:
        negated = _negate(tokens[start:cut])
        if negated is None:
            return None
        if start:
            connective = tokens[start - 1]
            out.append(connective._replace(value=flipped[connective.value]))
        out += negated
        start = cut + 1
    return [*out, tokens[-1].rewritten(PUNCT, ")")]


def _negate_predicate(tokens: list[Token]) -> list[Token] | None:
    """``a <op> b`` with the opposite comparison; ``x [NOT] LIKE|IN ...`` and
    ``x IS [NOT] ...`` with ``NOT`` toggled; None for anything else."""
    operators = [k for k in top_level(tokens) if level(tokens, k) is not None]
    if not operators or operators[0] == 0:
        return None
    first = operators[0]
    token = tokens[first]
    if len(operators) == 1 and token.kind == OPERATOR and token.value in _NEGATED:
        if first == len(tokens) - 1:
            return None
        return [*tokens[:first], token._replace(value=_NEGATED[token.value]),
                *tokens[first + 1 :]]
    if is_word(token, "is") and all(level(tokens, k) == IS for k in operators):
        if is_at(tokens, first + 1, NAME, "not"):
            return [*tokens[: first + 1], *tokens[first + 2 :]]
        return [*tokens[: first + 1], token.rewritten(NAME, "not"), *tokens[first + 1 :]]
    if level(tokens, first) == MEMBERSHIP and all(
        level(tokens, k) == MEMBERSHIP for k in operators
    ) and not is_word(token, "between"):
        if is_word(token, "not"):
            return [*tokens[:first], *tokens[first + 1 :]]
        return [*tokens[:first], token.rewritten(NAME, "not"), *tokens[first:]]
    return None

