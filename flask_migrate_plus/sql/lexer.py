"""SQL text as tokens: the one reader every normaliser of this package starts from.

A token has a kind, a value in one canonical spelling, and the place (``start``, ``end``)
it holds in the text it was read from, so a reader can give back any part as it was
written. Whitespace and comments only separate tokens. Every other character belongs to a
token: one that no rule below knows is a token of kind ``OTHER``, so two texts that differ
in it never read alike.

Kinds and their canonical values:

- ``STRING``: a string literal with its quotes doubled (``'it''s'``); with
  ``backslash_escapes`` (MySQL, MariaDB) its escapes (``\\n``, ``\\'`` ...) are read and
  only backslashes written as escapes; with ``dollar_quotes`` (PostgreSQL) also a
  dollar-quoted string (``$$...$$``, ``$tag$...$tag$``), kept as written;
- ``NAME``: a bare identifier or keyword, lower-cased; any Unicode letter counts
  (``größe``);
- ``QUOTED``: a quoted identifier (``"a b"``, ```a b```, and ``[a b]`` with
  ``bracket_identifiers``, SQLite), its name exactly as written inside the quotes;
- ``NUMBER``: a numeric literal, written as ``canonical_number`` does (``.5`` is ``0.5``);
- ``OPERATOR``: an operator, multi-character ones as one token (``::``, ``@>``, ``!~~*``);
- ``PUNCT``: ``( ) [ ] , . ; :``;
- ``OTHER``: any other single character, or a quote nothing closes with the rest of the
  text.

Below the lexer, the readers of structure every normaliser shares, one for each thing:
brackets (``closing``/``opening``: the partner of a bracket; ``top_level``,
``inside_groups``), casts (``is_cast``/``cast_end``: how far a PostgreSQL ``::type`` cast
reaches) and numbers (``canonical_number``: one spelling per value).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

STRING = "string"
NAME = "name"
QUOTED = "quoted"
NUMBER = "number"
OPERATOR = "operator"
PUNCT = "punct"
OTHER = "other"


class Token(NamedTuple):
    """One token: its kind, canonical value, and ``text[start:end]`` as written."""

    kind: str
    value: str
    start: int
    end: int

    def rewritten(self, kind: str, value: str) -> Token:
        """A token a rule writes in place of this one: same place in the text."""
        return Token(kind, value, self.start, self.end)


# Each match is the whitespace and comments before a token, then the token: its
# alternatives are tried in this order, the first that matches wins.
_SPACE = r"(?:\s+|--[^\n]*|/\*.*?\*/)*"
_STRING_STANDARD = r"(?P<string>'(?:[^']|'')*')"
_STRING_BACKSLASH = r"(?P<string>'(?:[^'\\]|''|\\.)*')"
#: PostgreSQL's dollar quoting: a ``DO`` block's or function's body, whatever it holds.
_STRING_DOLLAR = r"(?P<string>\$(?P<dollar_tag>(?:[^\W\d]\w*)?)\$.*?\$(?P=dollar_tag)\$)"
_QUOTED = r'(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`'
_BRACKETED = r"|\[[^\W\d][^\]]*\]"
_NUMBER = r"(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
_NAME = r"(?P<name>[^\W\d][\w$]*)"
#: Longest first: an operator is read as the longest of these that matches.
_OPERATORS = (
    "!~~*", "#>>", "->>", "<=>", "<->", "<<=", ">>=", "!~~", "~~*", "!~*", "::", "@>", "<@",
    "#>", "#-", "->", "||", "<>", "!=", ">=", "<=", "==", "<<", ">>", "&&", "~~", "!~", "~*",
    "@@", "?|", "?&", ":=",
)
_OPERATOR = "(?P<operator>" + "|".join(map(re.escape, _OPERATORS)) + r"|[-+*/%<>=~!^&|#@?])"
_PUNCT = r"(?P<punct>[()\[\],.;:])"
#: A quote that nothing closes takes the rest of the text: read on, its quoted part would
#: become tokens that a second reading (of text joined anew) could see otherwise.
_OTHER = r"(?P<other>['\"`].*|.)"


@cache
def _pattern(
    backslash_escapes: bool, bracket_identifiers: bool, dollar_quotes: bool = False
) -> re.Pattern[str]:
    strings = _STRING_BACKSLASH if backslash_escapes else _STRING_STANDARD
    if dollar_quotes:
        strings = strings[:-1] + "|" + _STRING_DOLLAR[len("(?P<string>"):]
    parts = [
        strings,
        _QUOTED + (_BRACKETED if bracket_identifiers else "") + ")",
        _NUMBER,
        _NAME,
        _OPERATOR,
        _PUNCT,
        _OTHER,
    ]
    # the end of the text, last: whitespace and comments that no token follows
    return re.compile(_SPACE + "(?:" + "|".join(parts) + r"|\Z)", re.DOTALL)


def tokenize(
    text: str, *, backslash_escapes: bool = False, bracket_identifiers: bool = False,
    dollar_quotes: bool = False,
) -> list[Token]:
    """The tokens of ``text``, whitespace and comments left out."""
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__  # Token(...) without the call of its Python-level __new__
    pattern = _pattern(backslash_escapes, bracket_identifiers, dollar_quotes)
    for match in pattern.finditer(text):
        kind = match.lastgroup
        if kind is None:
            break  # whitespace or a comment at the end
        start, end = match.span(kind)
        raw = text[start:end]
        if kind == NAME:
            value = raw.lower()
        elif kind == STRING:
            value = _canonical_string(raw, backslash_escapes)
        elif kind == QUOTED:
            value = unquote(raw)
        elif kind == NUMBER:
            value = canonical_number(raw)
        else:
            value = raw
        append(new(Token, (kind, value, start, end)))
    return tokens


def unquote(identifier: str) -> str:
    """The name inside ``"a""b"``, ```a``b``` or ``[a b]``, doubled quotes undone."""
    quote = identifier[:1]
    if quote in ('"', "`"):
        return identifier[1:-1].replace(quote * 2, quote)
    if quote == "[":
        return identifier[1:-1]
    return identifier


#: MySQL's backslash escapes in string literals; any other ``\x`` is ``x``, except that
#: ``\%`` and ``\_`` keep their backslash (they are LIKE escapes).
_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a",
                  "%": "\\%", "_": "\\_"}
_ESCAPE = re.compile(r"\\(.)|''", re.DOTALL)


def _unescape(match: re.Match[str]) -> str:
    escaped = match.group(1)
    return "'" if escaped is None else _MYSQL_ESCAPES.get(escaped, escaped)


def _canonical_string(literal: str, backslash_escapes: bool) -> str:
    """The literal with its quotes doubled, and (with ``backslash_escapes``) only its
    backslashes escaped: ``'it\\'s'`` is ``'it''s'``, so that each value has one spelling,
    which reads back as the same value."""
    if backslash_escapes and "\\" in literal:
        body = _ESCAPE.sub(_unescape, literal[1:-1])
        return "'" + body.replace("\\", "\\\\").replace("'", "''") + "'"
    return literal  # already in that spelling


#: Beyond this many digits a number is written with an exponent instead of in full.
_PLAIN_DIGITS = 40

#: Arithmetic that never rounds (the default context keeps 28 digits).
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def canonical_number(text: str) -> str:
    """One spelling per numeric value: ``.5``, ``0.50``, ``5e-1`` and ``'0.5'``'s body are
    all ``0.5``; ``1e3`` and ``1000.`` are ``1000``; ``-0`` is ``0``; a leading ``+`` goes.

    Numbers compare by value: ``2`` and ``2.0`` are alike. (Only integer division tells
    them apart; MariaDB itself stores ``5.`` as ``5``, and PostgreSQL's ``'5'::numeric``
    keeps the difference only in a cast, which the normalisers drop.) Text that is not a
    number is returned as it is.
    """
    if text.isascii() and text.isdigit() and (text[0] != "0" or len(text) == 1):
        return text  # most numbers: already canonical
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    if not value.is_finite():
        return text
    if not value:
        return "0"
    value = value.normalize(_EXACT)
    if abs(value.adjusted()) > _PLAIN_DIGITS:
        return str(value)
    return format(value, "f")


def is_word(token: Token, *words: str) -> bool:
    """Whether ``token`` is a bare name or keyword among ``words`` (never a quoted name)."""
    return token.kind == NAME and token.value in words


def is_punct(token: Token, value: str) -> bool:
    """Whether ``token`` is the punctuation ``value``."""
    return token.kind == PUNCT and token.value == value


def is_at(tokens: Sequence[Token], index: int, kind: str, value: str | None = None) -> bool:
    """Whether ``tokens[index]`` exists, is of ``kind`` and (if given) has ``value``."""
    if index >= len(tokens):
        return False
    token = tokens[index]
    return token.kind == kind and (value is None or token.value == value)


_PUNCTUATION = frozenset("()[],.;:")


def reads(tokens: Sequence[Token], index: int, *spelled: str) -> bool:
    """Whether the tokens from ``index`` on are ``spelled``: bare words or punctuation."""
    if index + len(spelled) > len(tokens):
        return False
    return all(
        token.value == value and token.kind == (PUNCT if value in _PUNCTUATION else NAME)
        for token, value in zip(tokens[index : index + len(spelled)], spelled, strict=True)
    )


# -- brackets -------------------------------------------------------------------------------

#: Opening bracket -> closing bracket, for (kind, value) pairs. ``CASE`` ... ``END`` nests
#: like a bracket.
_CLOSERS = {(PUNCT, "("): (PUNCT, ")"), (PUNCT, "["): (PUNCT, "]"), (NAME, "case"): (NAME, "end")}
_OPENERS = {closer: opener for opener, closer in _CLOSERS.items()}


def is_opening(token: Token) -> bool:
    """``(``, ``[`` or ``CASE``."""
    return (token.kind, token.value) in _CLOSERS


def is_closing(token: Token) -> bool:
    """``)``, ``]`` or ``END``."""
    return (token.kind, token.value) in _OPENERS


def closing(tokens: Sequence[Token], start: int) -> int | None:
    """The index of the bracket that closes the one at ``start``; None if nothing does."""
    opener = (tokens[start].kind, tokens[start].value)
    return _partner(tokens, start, opener, _CLOSERS[opener], 1)


def opening(tokens: Sequence[Token], end: int) -> int | None:
    """The index of the bracket that the one at ``end`` closes; None if nothing does."""
    closer = (tokens[end].kind, tokens[end].value)
    return _partner(tokens, end, closer, _OPENERS[closer], -1)


def _partner(
    tokens: Sequence[Token], index: int, same: tuple[str, str], other: tuple[str, str],
    step: int,
) -> int | None:
    depth = 0
    stop = len(tokens) if step > 0 else -1
    for position in range(index, stop, step):
        token = tokens[position]
        if token.value == same[1] and token.kind == same[0]:
            depth += 1
        elif token.value == other[1] and token.kind == other[0]:
            depth -= 1
            if depth == 0:
                return position
    return None


def top_level(tokens: Sequence[Token], start: int = 0, end: int | None = None) -> list[int]:
    """The indexes in ``tokens[start:end]`` that sit outside every bracket of that span."""
    stop = len(tokens) if end is None else end
    found: list[int] = []
    index = start
    while index < stop:
        found.append(index)
        if is_opening(tokens[index]):
            close = closing(tokens, index)
            index = stop if close is None else close + 1
        else:
            index += 1
    return found


def inside_groups(tokens: Sequence[Token], start: int, end: int) -> tuple[int, int]:
    """The bounds of ``tokens[start:end]`` without the parentheses that wrap all of it."""
    while end - start >= 2 and is_at(tokens, start, PUNCT, "(") and (
        closing(tokens, start) == end - 1
    ):
        start, end = start + 1, end - 1
    return start, end


# -- casts ----------------------------------------------------------------------------------

#: Words that continue a type name after its first word (``character varying``,
#: ``double precision``, ``timestamp(3) with time zone``).
TYPE_NAME_WORDS = frozenset({"varying", "precision", "with", "without", "time", "zone"})


#: Reserved words that join or negate conditions: no type is named so, so a ``::`` before
#: one is no cast (MariaDB's ``!`` is read as ``NOT``, which must not then become a type).
NOT_TYPE_NAMES = frozenset({"and", "or", "not", "is", "in", "like", "between", "xor"})


def is_cast(tokens: Sequence[Token], operator: int) -> bool:
    """Whether the ``::`` at ``operator`` is followed by a type name, as a cast is."""
    if is_at(tokens, operator + 1, NAME):
        return tokens[operator + 1].value.lower() not in NOT_TYPE_NAMES
    return is_at(tokens, operator + 1, QUOTED)


def cast_end(tokens: Sequence[Token], operator: int) -> int:
    """The index just past the type of the PostgreSQL cast whose ``::`` is at ``operator``.

    PostgreSQL prints a cast's type as ``format_type()`` does: qualified by its schema and
    quoted when needed (``billing.kind``, ``"Billing"."Kind"``), in several words
    (``character varying``), with modifiers (``numeric(10, 2)``) and array bounds
    (``text[]``, ``integer[3]``). Whoever drops a cast drops all of that as one unit: a
    leftover such as ``.kind`` would be a difference on every run.
    """
    index = operator + 2  # past the type's first word (or its schema)
    count = len(tokens)
    while (
        index + 1 < count
        and tokens[index].kind == PUNCT
        and tokens[index].value == "."
        and tokens[index + 1].kind in (NAME, QUOTED)
    ):
        index += 2
    while index < count:
        token = tokens[index]
        if token.kind == NAME and token.value in TYPE_NAME_WORDS:
            index += 1
        elif token.kind == PUNCT and token.value in ("(", "["):
            close = closing(tokens, index)
            index = count if close is None else close + 1
        else:
            break
    return min(index, count)
