"""Normalised SQL expression text, so a model's CHECK or ``Computed`` text and the text the
database reflects back compare equal when they mean the same thing.

Databases do not give back what they were told: PostgreSQL adds casts (``s::text``), parentheses,
rewrites ``IN (...)`` as ``= ANY (ARRAY[...])``, expands ``BETWEEN``, writes ``LIKE`` as ``~~``;
MariaDB backquotes names, lowercases keywords, renames functions (``lower`` becomes ``lcase``)
and pushes ``NOT`` into comparisons. Both sides are tokenised, each token put into one
canonical spelling, each such rewrite applied to both sides (a small function per rewrite,
data tables per dialect family), and the tokens joined with single spaces.

Deliberately lossy, towards "equal": casts are dropped, and grouping parentheses too (kept
only for calls and lists). A change that only alters a cast or the precedence goes unseen;
that is rare, and the reverse mistake (a false positive on every run) is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import Dialect

from .cast_types import cast_type_end
from .sql_tokens import KEYWORDS, Token, closing, is_operand, tokenize

#: Dialects that share one set of rules.
_FAMILY = {"mariadb": "mysql"}

#: Operators spelled differently by some servers (PostgreSQL reflects LIKE as ``~~``).
_OPERATOR_SYNONYMS = {
    "~~": ("like",),
    "!~~": ("not", "like"),
    "~~*": ("ilike",),
    "!~~*": ("not", "ilike"),
    "!=": ("<>",),
    "==": ("=",),
}

#: Functions and operators a server renames when it stores an expression, per dialect family.
_WORD_SYNONYMS: dict[str, dict[str, Token]] = {
    "mysql": {
        "lcase": ("word", "lower"),
        "ucase": ("word", "upper"),
        "octet_length": ("word", "length"),
        "character_length": ("word", "char_length"),
        "substr": ("word", "substring"),
        "mod": ("op", "%"),
        "true": ("number", "1"),
        "false": ("number", "0"),
    },
}

#: Token sequences spelled two ways, all dialects: (one spelling, the canonical one).
#: ``TRIM(s)`` comes back as ``TRIM(BOTH FROM s)``; a typed literal ``INTERVAL '1 day'`` as
#: the cast ``'1 day'::interval``, which is dropped like any cast; PostgreSQL moves the NOT
#: of ``IS NOT DISTINCT FROM`` to the front (only a simple operand is handled).
_PHRASES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("trim", "(", "both", "from"), ("trim", "(")),
    *[((prefix, "'"), ("'",)) for prefix in ("interval", "date", "timestamp", "time")],
    (("not", "?", "is", "distinct", "from"), ("?", "is", "not", "distinct", "from")),
]

#: PostgreSQL writes a negative constant as a cast string: ``'-1'::integer``.
_NUMERIC_TYPES = {"integer", "bigint", "smallint", "numeric", "real", "double", "int", "int4",
                  "int8", "int2", "float8", "float4", "decimal"}

#: The body of a quoted literal that is a number (no leading zeros: ``'007'`` is a code).
_QUOTED_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")

#: Words after which ``(`` only groups; after any other word it opens a call or a list.
_GROUPING_AFTER = KEYWORDS - {"in", "any", "all"}

#: Each comparison and its negation.
_NEGATED: dict[Token, Token] = {
    ("op", a): ("op", b)
    for a, b in [("=", "<>"), ("<>", "="), ("<", ">="), (">=", "<"), (">", "<="), ("<=", ">")]
}


def dialect_family(dialect_name: str) -> str:
    """The name under which a dialect's rules are kept (MariaDB shares MySQL's)."""
    return _FAMILY.get(dialect_name, dialect_name)


def normalize_sql(text: str, dialect_name: str) -> str:
    """``text`` in canonical form for ``dialect_name``; equal results mean the same SQL."""
    family = dialect_family(dialect_name)
    tokens = tokenize(text, backslash_escapes=family == "mysql")
    tokens = _signed_numbers(tokens)
    tokens = _apply_phrases(tokens, _PHRASES)
    tokens = _strip_casts(tokens)
    tokens = _strip_cast_calls(tokens)
    tokens = _any_array_as_in(tokens)
    tokens = _apply_synonyms(tokens, _WORD_SYNONYMS.get(family, {}))
    tokens = _between_as_comparisons(tokens)
    tokens = _single_value_in(tokens)
    tokens = _negated_comparisons(tokens)
    tokens = _drop_grouping_parentheses(tokens)
    return " ".join(value for _, value in tokens)


def compile_sql(clause: Any, dialect: Dialect) -> str:
    """The SQL text of a model expression as ``CREATE TABLE`` would emit it for ``dialect``.

    Literals inline, no table prefix; the ``%%`` escaping meant for the DBAPI is undone,
    because the database stores a single ``%``.
    """
    compiler = ddl_compiler(dialect)
    text = compiler.sql_compiler.process(clause, include_table=False, literal_binds=True)
    if getattr(dialect.identifier_preparer, "_double_percents", False):
        text = text.replace("%%", "%")
    return str(text)


def ddl_compiler(dialect: Dialect) -> Any:
    """A DDL compiler with no statement: what types' CHECK ``_create_rule`` functions expect."""
    return dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]


# -- rewrites, each undoing one thing a server does to stored expressions --------------------


def _strip_casts(tokens: list[Token]) -> list[Token]:
    """Drop PostgreSQL ``::type`` casts, the whole type name (``::billing.kind[]`` too)."""
    names = [(kind == "word", value) for kind, value in tokens]
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        if tokens[index] != ("op", "::"):
            out.append(tokens[index])
            index += 1
            continue
        type_name = tokens[index + 1][1] if index + 1 < len(tokens) else ""
        if out and out[-1][0] == "string" and type_name in _NUMERIC_TYPES:
            out[-1] = ("number", out[-1][1].strip("'"))  # '-1'::integer is the number -1
        index = cast_type_end(names, index + 1)
    return out


def _strip_cast_calls(tokens: list[Token]) -> list[Token]:
    """``CAST(x AS type)`` becomes ``(x)``: casts are dropped on both sides, as ``::`` is."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == ("word", "cast") and tokens[index + 1 : index + 2] == [
            ("punct", "(")
        ]:
            close = closing(tokens, index + 1, "(", ")")
            inner = tokens[index + 2 : close]
            depth = 0
            for position, token in enumerate(inner):
                depth += token == ("punct", "(")
                depth -= token == ("punct", ")")
                if depth == 0 and token == ("word", "as"):
                    inner = inner[:position]
                    break
            out += [("punct", "("), *_strip_cast_calls(inner), ("punct", ")")]
            index = close + 1
            continue
        out.append(tokens[index])
        index += 1
    return out


def _signed_numbers(tokens: list[Token]) -> list[Token]:
    """A signed numeric literal is one value however it is spelled: ``-100``, ``- 100``,
    ``'-100'``, ``(-100)``, ``-(100)``, ``(+ 20)`` (PostgreSQL), ``20`` (MariaDB drops ``+``)."""
    tokens = [_number_in_quotes(token) for token in tokens]
    previous: list[Token] | None = None
    while tokens != previous:
        previous = tokens
        tokens = _merge_signs(_unwrap_numbers(tokens))
    return tokens


def _number_in_quotes(token: Token) -> Token:
    """``'-100'`` is the number: servers cast it to the column's type (``'-100'::integer``)."""
    kind, value = token
    if kind == "string" and _QUOTED_NUMBER.fullmatch(value[1:-1]):
        return ("number", _canonical_number(value[1:-1]))
    if kind == "number":
        return ("number", _canonical_number(value))
    return token


def _canonical_number(text: str) -> str:
    """One spelling per value: ``1e3`` is ``1000``, ``+5`` is ``5``, trailing zeros kept."""
    value = Decimal(text)
    return "0" if value == 0 else format(value, "f")


def _unwrap_numbers(tokens: list[Token]) -> list[Token]:
    """``(5)`` that only groups one number is that number (a call's ``f(5)`` is kept)."""
    out: list[Token] = []
    for token in tokens:
        out.append(token)
        if (
            len(out) >= 3
            and token == ("punct", ")")
            and out[-2][0] == "number"
            and out[-3] == ("punct", "(")
            and not _opens_call(out[:-3])
        ):
            out[-3:] = [out[-2]]
    return out


def _merge_signs(tokens: list[Token]) -> list[Token]:
    """A ``-`` or ``+`` that starts an operand joins the number after it: ``- 1`` is ``-1``."""
    out: list[Token] = []
    for token in tokens:
        if (
            token[0] == "number"
            and out
            and out[-1] in (("op", "-"), ("op", "+"))
            and _operand_starts(out[:-1])
        ):
            out[-1] = ("number", _canonical_number(out[-1][1] + token[1]))
        else:
            out.append(token)
    return out


def _opens_call(before: list[Token]) -> bool:
    """Whether a ``(`` after ``before`` opens a call or a list rather than a group."""
    return bool(before) and before[-1][0] == "word" and before[-1][1] not in _GROUPING_AFTER


def _operand_starts(before: list[Token]) -> bool:
    """Whether what follows ``before`` begins an operand (so a ``-`` there is a sign)."""
    if not before:
        return True
    kind, value = before[-1]
    return kind == "op" or value in ("(", ",", "[") or (kind == "word" and value in KEYWORDS)


def _any_array_as_in(tokens: list[Token]) -> list[Token]:
    """``x = ANY (ARRAY[a, b])`` is PostgreSQL's spelling of ``x IN (a, b)``; the array may
    sit in grouping parentheses of its own (``ANY ((ARRAY['a'])::text[])``, casts gone)."""
    rewrites = {("=", "any"): ("in",), ("<>", "all"): ("not", "in")}
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        head = tokens[index : index + 3]
        key = (head[0][1], head[1][1]) if len(head) == 3 else None
        array = index + 2
        while array < len(tokens) and tokens[array] == ("punct", "("):
            array += 1
        if (
            key in rewrites
            and head[0][0] == "op"
            and head[2] == ("punct", "(")
            and tokens[array : array + 2] == [("word", "array"), ("punct", "[")]
        ):
            close_bracket = closing(tokens, array + 1, "[", "]")
            close_paren = closing(tokens, index + 2, "(", ")")
            out.extend(("word", word) for word in rewrites[key])
            out.append(("punct", "("))
            out.extend(_any_array_as_in(tokens[array + 2 : close_bracket]))
            out.append(("punct", ")"))
            index = close_paren + 1
            continue
        out.append(tokens[index])
        index += 1
    return out


def _apply_phrases(
    tokens: list[Token], phrases: list[tuple[tuple[str, ...], tuple[str, ...]]]
) -> list[Token]:
    """Replace each phrase by its stored form. In a pattern, ``?`` stands for one operand
    and ``'`` for any string literal; both are carried over."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        for pattern, replacement in phrases:
            window = tokens[index : index + len(pattern)]
            if len(window) == len(pattern) and all(
                _fits(token, part) for token, part in zip(window, pattern, strict=True)
            ):
                carried = [token for token, part in zip(window, pattern, strict=True)
                           if part in ("?", "'")]
                out += [carried.pop(0) if part in ("?", "'") else _token(part)
                        for part in replacement]
                index += len(pattern)
                break
        else:
            out.append(tokens[index])
            index += 1
    return out


def _fits(token: Token, part: str) -> bool:
    if part == "?":
        return is_operand(token)
    if part == "'":
        return token[0] == "string"
    return token[1] == part and token[0] != "string"


def _token(value: str) -> Token:
    return ("punct", value) if value in {"(", ")", "[", "]", ",", "."} else ("word", value)


def _apply_synonyms(tokens: Iterable[Token], words: dict[str, Token]) -> list[Token]:
    out: list[Token] = []
    for kind, value in tokens:
        if kind == "op" and value in _OPERATOR_SYNONYMS:
            out.extend(("word" if word.isalpha() else "op", word)
                       for word in _OPERATOR_SYNONYMS[value])
        elif kind == "word" and value in words:
            out.append(words[value])
        else:
            out.append((kind, value))
    return out


def _between_as_comparisons(tokens: list[Token]) -> list[Token]:
    """``x [NOT] BETWEEN a AND b`` (simple operands) as PostgreSQL stores it:
    ``x >= a AND x <= b``, ``(x < a OR x > b)``."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        negated = tokens[index + 1 : index + 2] == [("word", "not")]
        start = index + 1 + negated
        window = [tokens[index], *tokens[start : start + 4]]
        if (
            len(window) == 5
            and window[1] == ("word", "between")
            and window[3] == ("word", "and")
            and all(is_operand(window[n]) for n in (0, 2, 4))
        ):
            subject, low, high = window[0], window[2], window[4]
            if negated:
                out += [("punct", "("), subject, ("op", "<"), low, ("word", "or"), subject,
                        ("op", ">"), high, ("punct", ")")]
            else:
                out += [subject, ("op", ">="), low, ("word", "and"), subject, ("op", "<="), high]
            index = start + 4
            continue
        out.append(tokens[index])
        index += 1
    return out


def _single_value_in(tokens: list[Token]) -> list[Token]:
    """``x IN ('p')`` is stored as ``x = 'p'`` (PostgreSQL, MariaDB); NOT IN as ``<>``."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        window = tokens[index : index + 4]
        if (
            len(window) == 4
            and window[0] == ("word", "in")
            and window[1] == ("punct", "(")
            and is_operand(window[2])
            and window[3] == ("punct", ")")
        ):
            negated = bool(out) and out[-1] == ("word", "not")
            if negated:
                out.pop()
            out += [("op", "<>" if negated else "="), window[2]]
            index += 4
            continue
        out.append(tokens[index])
        index += 1
    return out


def _negated_comparisons(tokens: list[Token]) -> list[Token]:
    """``NOT`` pushed into simple comparisons, as MariaDB stores them: ``NOT (a = 3)`` is
    ``a <> 3``, ``NOT (a > 0 AND b > 0)`` is ``(a <= 0 OR b <= 0)`` (same truth table,
    NULL included). Anything more complex is left alone."""
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        if tokens[index] == ("word", "not"):
            if tokens[index + 1 : index + 2] == [("punct", "(")]:
                close = closing(tokens, index + 1, "(", ")")
                negated = _negate_flat(tokens[index + 2 : close])
                end = close + 1
            else:
                negated = _negate_flat(tokens[index + 1 : index + 4])
                end = index + 4
            if negated is not None:
                out += negated
                index = end
                continue
        out.append(tokens[index])
        index += 1
    return out


def _negate_flat(tokens: list[Token]) -> list[Token] | None:
    """The negation of ``c1 AND c2 ...`` (or all ORs) of simple comparisons; else None."""
    connectives = {tokens[n] for n in range(3, len(tokens), 4)}
    if len(tokens) % 4 != 3 or not connectives <= {("word", "and"), ("word", "or")} or len(
        connectives
    ) > 1:
        return None
    flipped = {("word", "and"): ("word", "or"), ("word", "or"): ("word", "and")}
    out: list[Token] = []
    for start in range(0, len(tokens), 4):
        left, operator, right = tokens[start : start + 3]
        if not (is_operand(left) and is_operand(right) and operator in _NEGATED):
            return None
        if start:
            out.append(flipped[tokens[start - 1]])
        out += [left, _NEGATED[operator], right]
    return [("punct", "("), *out, ("punct", ")")] if len(tokens) > 3 else out


def _drop_grouping_parentheses(tokens: list[Token]) -> list[Token]:
    """Remove ``(`` ``)`` pairs that only group; keep those of calls and ``IN`` lists."""
    drop: set[int] = set()
    for index, token in enumerate(tokens):
        if token != ("punct", "("):
            continue
        if not _opens_call(tokens[:index]):
            drop.add(index)
            drop.add(closing(tokens, index, "(", ")"))
    return [token for index, token in enumerate(tokens) if index not in drop]
