"""SQL expressions (CHECKs, ``Computed`` columns, index expressions and predicates) in one
canonical form, so a model's text and what the database gives back compare equal when they
mean the same thing.

Servers do not give back what they were told: PostgreSQL adds casts (``s::text``) and
parentheses, rewrites ``IN (...)`` as ``= ANY (ARRAY[...])``, expands ``BETWEEN``, writes
``LIKE`` as ``~~`` and ``x IS NOT DISTINCT FROM y`` as ``NOT x IS DISTINCT FROM y``;
MariaDB backquotes names, lowercases keywords, renames functions (``lower`` becomes
``lcase``) and pushes ``NOT`` into comparisons; SQLite keeps the text as written. Both
sides are read into tokens, the same list of rewrite rules undoes each such change on
both, and the tokens are joined with single spaces.

Deliberately lossy, towards "equal": casts are dropped, and grouping parentheses too (kept
only for calls and lists), names are compared without letter case and numbers by value. A
change that only alters a cast or the precedence goes unseen; that is rare, and the reverse
mistake (a change proposed on every run) is not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from sqlalchemy.engine import Dialect

from .dialects import BACKSLASH_ESCAPES, SYNONYMS, TYPED_LITERAL_WORDS, dialect_family
from .lexer import NAME, NUMBER, QUOTED, Token, tokenize
from .predicates import (
    any_array_as_in,
    between_as_comparisons,
    negated_predicates,
    not_distinct_from,
    single_value_in,
)
from .spelling import (
    KEYWORDS,
    canonical_words,
    drop_grouping_parentheses,
    mod_calls,
    signed_numbers,
    stored_phrases,
    strip_cast_calls,
    strip_casts,
)

Rule = Callable[[list[Token]], list[Token]]

#: The rules every family runs, in order, each with the token values it acts on (a rule
#: whose values are all absent is skipped: most texts need few rules). Words have one
#: spelling before these run (so each rule reads one spelling); casts go before numbers
#: (``-(5)::integer``) and before the predicate rules look for operands; grouping
#: parentheses go last, once no rule needs them to find an operand.
_RULES: tuple[tuple[Rule, frozenset[str] | None], ...] = (
    (stored_phrases, frozenset({"trim", *TYPED_LITERAL_WORDS})),
    (strip_casts, frozenset({"::"})),
    (strip_cast_calls, frozenset({"cast"})),
    (signed_numbers, None),  # quoted numbers too: any text
    (any_array_as_in, frozenset({"any", "all"})),
    (between_as_comparisons, frozenset({"between"})),
    (not_distinct_from, frozenset({"distinct"})),
    (single_value_in, frozenset({"in"})),
    (negated_predicates, frozenset({"not"})),
    (drop_grouping_parentheses, frozenset({"("})),
)

#: Rules that must read a family's own words before they are renamed.
_FAMILY_RULES: dict[str, tuple[tuple[Rule, frozenset[str] | None], ...]] = {
    "mysql": ((mod_calls, frozenset({"mod"})),),
}

#: A name that reads the same without quotes.
_PLAIN_NAME = re.compile(r"[^\W\d][\w$]*")


def normalize_sql(text: str, dialect_name: str, table: str | None = None) -> str:
    """``text`` in canonical form for ``dialect_name``; equal results mean the same SQL.

    ``table``: the table the expression belongs to (a CHECK's), whose name may qualify its
    columns (``item.a_id``, ``"Item".a_id``): servers store the bare column name.
    """
    family = dialect_family(dialect_name)
    tokens = tokenize(text, backslash_escapes=family in BACKSLASH_ESCAPES)
    if table is not None:
        tokens = without_table_qualifier(tokens, table)
    values = {token.value for token in tokens}
    for rule, acts_on in _rules(family):
        if acts_on is None or not acts_on.isdisjoint(values):
            tokens = rule(tokens)
            values = {token.value for token in tokens}
    return " ".join([_spelling(token) for token in tokens])


def without_table_qualifier(tokens: list[Token], table: str) -> list[Token]:
    """Column names with ``table`` (any case, quoted or not, a schema before it or not) in
    front of them, as bare names. A CHECK can name no other table, so the qualifier says
    nothing the server keeps."""
    wanted = table.lower()
    names = (NAME, QUOTED)
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        follows = tokens[index + 1 : index + 3]
        if (
            token.kind in names and token.value.lower() == wanted
            and len(follows) == 2 and follows[0].value == "." and follows[1].kind in names
        ):
            if len(out) >= 2 and out[-1].value == "." and out[-2].kind in names:
                del out[-2:]  # the schema in front of the table goes too
            index += 2  # the qualifier and its dot; the column name stays
            continue
        out.append(token)
        index += 1
    return out


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


@cache
def _rules(family: str) -> tuple[tuple[Rule, frozenset[str] | None], ...]:
    words = partial(canonical_words, synonyms=SYNONYMS.get(family, {}))
    return (*_FAMILY_RULES.get(family, ()), (words, None), *_RULES)


def _spelling(token: Token) -> str:
    """A token's text in the result: its value, a name quoted when a bare word could not
    say it (``"a b"``, ``"and"``)."""
    if token.kind == QUOTED and (
        token.value in KEYWORDS or not _PLAIN_NAME.fullmatch(token.value)
    ):
        return '"' + token.value.replace('"', '""') + '"'
    if token.kind == NUMBER and token.value[0] == "-":
        # spelled as an unmerged sign is: once parentheses are gone, ``-(5 + a)`` reads as
        # ``- 5 + a``, and a second reading would merge what the first could not
        return "- " + token.value[1:]
    return token.value
