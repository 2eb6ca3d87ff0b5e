"""SQL expression text as tokens, for ``sql_text``'s rewrites.

A token is (kind, value): kinds ``string``, ``word``, ``number``, ``op``, ``punct``; values
already in one canonical spelling (words lowercased, quoted names unquoted, string literals
re-quoted with doubled quotes), so that spelling differences never reach a comparison.
"""

from __future__ import annotations

import re

#: One token kind per group; whitespace is skipped. Backslash escapes exist in MySQL strings only.
_STRING_STANDARD = r"'(?:[^']|'')*'"
_STRING_BACKSLASH = r"'(?:[^'\\]|''|\\.)*'"
_TOKEN_TAIL = (
    r'|(?P<quoted>"(?:[^"]|"")*"|`(?:[^`]|``)*`)'
    r"|(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_$]*)"
    r"|(?P<op>::|<=>|<>|!=|>=|<=|==|\|\||!~~\*?|~~\*?|!~\*?|~\*|[-+*/%<>=~!^&|])"
    r"|(?P<punct>[(),\[\].])"
    r"|(?P<space>\s+)"
)
_TOKENS = {
    False: re.compile(f"(?P<string>{_STRING_STANDARD}){_TOKEN_TAIL}"),
    True: re.compile(f"(?P<string>{_STRING_BACKSLASH}){_TOKEN_TAIL}"),
}

Token = tuple[str, str]

#: Keywords met between operands: never an operand themselves (and a ``-`` after one is a
#: sign, not a subtraction).
KEYWORDS = {"and", "or", "not", "is", "in", "like", "ilike", "between", "when", "then",
            "else", "case", "return", "any", "all"}


def tokenize(text: str, *, backslash_escapes: bool) -> list[Token]:
    """Tokens as (kind, canonical value): words lowercased, names unquoted, strings re-quoted."""
    tokens: list[Token] = []
    for match in _TOKENS[backslash_escapes].finditer(text):
        kind = match.lastgroup or "punct"
        value = match.group()
        if kind == "space":
            continue
        if kind == "string":
            tokens.append(("string", _canonical_string(value[1:-1], backslash_escapes)))
        elif kind == "quoted":
            quote = value[0]
            tokens.append(("word", value[1:-1].replace(quote * 2, quote).lower()))
        elif kind == "word":
            tokens.append(("word", value.lower()))
        else:
            tokens.append((kind, value))
    return tokens


def _canonical_string(body: str, backslash_escapes: bool) -> str:
    if backslash_escapes:  # MySQL keeps the backslash of \% and \_ (LIKE escapes)
        body = re.sub(r"\\([^%_])", r"\1", body.replace("''", "'"))
    else:
        body = body.replace("''", "'")
    return "'" + body.replace("'", "''") + "'"


def closing(tokens: list[Token], start: int, opening: str, close: str) -> int:
    """Index of the bracket that closes the one at ``start`` (the last token if none)."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index] == ("punct", opening):
            depth += 1
        elif tokens[index] == ("punct", close):
            depth -= 1
            if depth == 0:
                return index
    return len(tokens) - 1


def is_operand(token: Token) -> bool:
    """A constant or a column name: something a rewrite may repeat or move."""
    kind, value = token
    return kind in ("number", "string") or (kind == "word" and value not in KEYWORDS)
