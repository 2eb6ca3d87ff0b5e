"""SQL text of index expressions and predicates: tokens, a comparable form, SQLite's DDL.

The model compiles ``lower(b)`` or ``status = 'active'``; the database hands back its own
spelling (PostgreSQL: ``lower((b)::text)``, ``((status)::text = 'active'::text)``; SQLite:
the ``CREATE INDEX`` text as it was written). Both sides become a tuple of tokens with the
noise removed (quotes around identifiers, case outside literals, ``::type`` and ``CAST()``
casts, grouping parentheses, operator spellings) and PostgreSQL's rewrites undone
(``= ANY (ARRAY[..])`` is ``IN (..)``, ``BETWEEN`` becomes two comparisons), so that equal
means "the same index" and ``!=`` decides.

Known approximations: grouping parentheses are dropped, so ``(a OR b) AND c`` and
``a OR (b AND c)`` compare equal; casts are dropped, so a change of only a cast's type goes
unnoticed (as with Alembic's own PostgreSQL expression comparison).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cast_types import cast_type_end

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

#: PostgreSQL prints some operators in its own spelling; map both sides to one.
OPERATOR_SYNONYMS = {
    "!=": "<>",
    "~~": "like",
    "!~~": "not like",
    "~~*": "ilike",
    "!~~*": "not ilike",
}

#: Words after which "(" opens a group, not a function call's argument list.
GROUPING_KEYWORDS = frozenset(
    {"and", "or", "not", "when", "then", "else", "case", "where", "is", "between"}
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


def _plain(token: Token) -> str:
    """A token's comparable text: identifiers unquoted and lower-cased, literals kept."""
    if token.kind == "literal":
        return token.text
    if token.kind == "quoted":
        return unquote(token.text).lower()
    return token.text.lower()


def _drop_casts(tokens: list[Token]) -> list[str]:
    """Comparable words with ``::type`` casts removed, the whole type name each time."""
    names = [(token.kind in ("word", "quoted") and not token.text[0].isdigit(), _plain(token))
             for token in tokens]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i].kind != "cast":
            out.append(names[i][1])
            i += 1
            continue
        i = cast_type_end(names, i + 1)
    return out


def _drop_grouping_parentheses(words: list[str]) -> list[str]:
    """Remove parentheses that only group; keep those of calls and ``IN (...)`` lists."""
    keep = [True] * len(words)
    stack: list[int] = []
    for i, word in enumerate(words):
        if word == "(":
            stack.append(i)
        elif word == ")" and stack:
            opening = stack.pop()
            before = words[opening - 1] if opening else ""
            is_call = bool(re.fullmatch(r"[a-z_][a-z0-9_$]*", before)) and (
                before not in GROUPING_KEYWORDS
            )
            if not is_call:
                keep[opening] = keep[i] = False
    return [word for word, kept in zip(words, keep, strict=True) if kept]


#: PostgreSQL stores ``x IN (1, 2)`` as ``x = ANY (ARRAY[1, 2])``; spelled back as the model
#: writes it. Pattern (after casts and grouping parentheses are gone) -> replacement.
ARRAY_COMPARISONS = {("=", "any"): ("in",), ("<>", "all"): ("not", "in")}


def _array_comparisons_as_in(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        pattern = tuple(words[i : i + 2])
        if pattern in ARRAY_COMPARISONS and words[i + 2 : i + 5] == ["(", "array", "["]:
            depth, end = 0, i + 4
            while end < len(words):
                depth += {"[": 1, "]": -1}.get(words[end], 0)
                if depth == 0:
                    break
                end += 1
            if words[end + 1 : end + 2] == [")"]:
                out += [*ARRAY_COMPARISONS[pattern], "(", *words[i + 5 : end], ")"]
                i = end + 2
                continue
        out.append(words[i])
        i += 1
    return out


def _closing(words: list[str], opening: int) -> int:
    """Position of the ")" that closes the "(" at ``opening`` (len(words) if none)."""
    depth = 0
    for position in range(opening, len(words)):
        depth += {"(": 1, ")": -1}.get(words[position], 0)
        if depth == 0:
            return position
    return len(words)


def _drop_cast_calls(words: list[str]) -> list[str]:
    """``CAST(x AS type)`` -> ``x``: the same casts as ``::type``, in SQLAlchemy's spelling."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "cast" and words[i + 1 : i + 2] == ["("]:
            end = _closing(words, i + 1)
            inner = words[i + 2 : end]
            depth, split = 0, None
            for position, word in enumerate(inner):
                depth += {"(": 1, ")": -1}.get(word, 0)
                if word == "as" and depth == 0:
                    split = position
            if split is not None:
                out += ["(", *_drop_cast_calls(inner[:split]), ")"]
                i = end + 1
                continue
        out.append(words[i])
        i += 1
    return out


def _between_as_comparisons(words: list[str]) -> list[str]:
    """``x BETWEEN a AND b`` -> ``x >= a AND x <= b``, as PostgreSQL stores it.

    Only for single-token x, a and b (a column, a number, a literal); longer operands are
    left as they are.
    """
    out: list[str] = []
    i = 0
    while i < len(words):
        window = words[i : i + 5]
        if len(window) == 5 and window[1] == "between" and window[3] == "and":
            x, low, high = window[0], window[2], window[4]
            if "(" not in (x, low, high) and ")" not in (x, low, high):
                out += [x, ">=", low, "and", x, "<=", high]
                i += 5
                continue
        out.append(words[i])
        i += 1
    return out


def normalize_sql(sql: str) -> tuple[str, ...]:
    """The comparable form of an index expression or predicate (see module docstring)."""
    words = _drop_casts(tokenize(sql))
    words = _drop_cast_calls(words)
    words = [
        part
        for word in words
        for part in (OPERATOR_SYNONYMS[word].split(" ") if word in OPERATOR_SYNONYMS else [word])
    ]
    words = _drop_grouping_parentheses(words)
    words = _between_as_comparisons(words)
    return tuple(_array_comparisons_as_in(words))


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
