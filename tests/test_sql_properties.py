"""Properties of the SQL normalisers, over generated expressions and arbitrary text:

- normalising twice changes nothing;
- two texts that differ in one identifier, operator or literal never normalise alike;
- one expression written in any of the spellings servers use normalises alike.

Casts are left out of the second property: they are dropped on purpose (see
``flask_migrate_plus.sql.expressions``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from flask_migrate_plus.sql.expressions import normalize_sql
from flask_migrate_plus.sql.server_defaults import normalize_default

DIALECTS = ("sqlite", "postgresql", "mariadb")

#: Column names: ASCII and not, none a keyword or a server's synonym of another name.
COLUMNS = ("a", "b", "x", "s", "größe", "grüße", "naïve", "_y", "col1", "ключ", "名前")
FUNCTIONS = ("lower", "upper", "abs", "coalesce", "round", "f_x", "größe_fn")
COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")
#: Operators between operands, by dialect (MariaDB's ``||`` is OR, a keyword there).
ARITHMETIC = {
    "sqlite": ("+", "-", "*", "/", "%", "||", "&", "|", "<<", ">>", "->", "->>"),
    "postgresql": ("+", "-", "*", "/", "%", "||", "#", "&", "|", "@>", "<@", "->", "->>",
                   "#>", "#>>", "^"),
    "mariadb": ("+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"),
}

Node = tuple[Any, ...]


# -- expressions, as trees whose leaves are the things a mutation may change ---------------


@st.composite
def operands(draw: st.DrawFn, dialect: str, depth: int = 2) -> Node:
    """A value expression: a column, a number, a string, an operation or a call."""
    choice = draw(st.integers(0, 5 if depth else 2))
    if choice == 0:
        return ("column", draw(st.sampled_from(COLUMNS)))
    if choice == 1:
        return ("number", draw(numbers))
    if choice == 2:
        return ("string", draw(strings))
    if choice in (3, 4):
        operator = draw(st.sampled_from(ARITHMETIC[dialect]))
        return ("operation", operator, draw(operands(dialect, depth - 1)),
                draw(operands(dialect, depth - 1)))
    arguments = draw(st.lists(operands(dialect, depth - 1), min_size=1, max_size=3))
    return ("call", draw(st.sampled_from(FUNCTIONS)), *arguments)


numbers = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)
#: String literals that are not numbers (a number in quotes reads as the number).
strings = st.text(st.sampled_from("ab x'%_\\é€"), max_size=6).map(lambda t: "s" + t)


@st.composite
def predicates(draw: st.DrawFn, dialect: str, depth: int = 2) -> Node:
    """A boolean expression built from the forms servers rewrite."""
    choice = draw(st.integers(0, 8 if depth else 5))
    value = operands(dialect, 1)
    if choice == 0:
        return ("compare", draw(st.sampled_from(COMPARISONS)), draw(value), draw(value))
    if choice == 1:
        return ("between", draw(st.booleans()), draw(value), draw(value), draw(value))
    if choice == 2:
        return ("in", draw(st.booleans()), draw(value),
                *draw(st.lists(value, min_size=1, max_size=3)))
    if choice == 3:
        return ("like", draw(st.booleans()), draw(value), ("string", draw(strings)))
    if choice == 4:
        return ("null", draw(st.booleans()), draw(value))
    if choice == 5 and dialect != "mariadb":  # MariaDB has no IS DISTINCT FROM
        return ("distinct", draw(st.booleans()), draw(value), draw(value))
    if choice in (5, 6):
        return ("compare", draw(st.sampled_from(COMPARISONS)), draw(value), draw(value))
    if choice == 7:
        return ("not", draw(predicates(dialect, depth - 1)))
    return (draw(st.sampled_from(("and", "or"))), draw(predicates(dialect, depth - 1)),
            draw(predicates(dialect, depth - 1)))


@dataclass
class Style:
    """How to spell a tree: spacing, keyword case, quoting, number spelling, redundant
    parentheses and the equivalent forms servers write (``NOT (x LIKE p)`` for
    ``x NOT LIKE p`` ...). One seed, one spelling; a fixed seed spells two trees of the
    same shape alike."""

    dialect: str
    seed: int
    vary: bool = True
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self, *options: str) -> str:
        return self.rng.choice(options) if self.vary else options[0]

    def space(self) -> str:
        return self.pick(" ", "  ", "\n", " \t ")

    def keyword(self, word: str) -> str:
        return self.pick(word.upper(), word.lower(), word.capitalize())

    def join(self, *parts: str) -> str:
        return "".join(part if n == 0 else self.space() + part for n, part in enumerate(parts))

    def chance(self, share: float) -> bool:
        return self.vary and self.rng.random() < share

    def group(self, text: str) -> str:
        return f"({text})" if self.chance(0.2) else text

    def cast(self, text: str) -> str:
        """A PostgreSQL cast, as the server adds them to what it stores."""
        if self.dialect != "postgresql" or not self.chance(0.3):
            return text
        type_name = self.pick("text", "integer", "character varying(20)", '"Billing"."Kind"',
                              "numeric(10, 2)[]", "timestamp(3) with time zone")
        return f"({text})::{type_name}" if self.chance(0.5) else f"{text}::{type_name}"

    def stored(self, dialect: str) -> bool:
        """Whether to write a form as ``dialect`` stores it (when this is that dialect)."""
        return self.dialect == dialect and self.chance(0.5)


def spell(node: Node, style: Style) -> str:
    """SQL text of ``node`` in ``style``."""
    kind = node[0]
    kw = style.keyword
    if kind == "column":
        name = node[1]
        quote = "`" if style.dialect == "mariadb" else '"'
        return style.cast(style.pick(name, f"{quote}{name}{quote}"))
    if kind == "number":
        return style.cast(_spell_number(node[1], style))
    if kind == "string":
        text = node[1].replace("\\", "\\\\") if style.dialect == "mariadb" else node[1]
        return style.cast("'" + text.replace("'", "''") + "'")
    if kind == "operation":
        _, operator, left, right = node
        operation = f"({style.join(spell(left, style), operator, spell(right, style))})"
        return style.cast(style.group(operation))
    if kind == "call":
        arguments = ", ".join(spell(argument, style) for argument in node[2:])
        return f"{node[1]}({arguments})"
    if kind == "compare":
        _, operator, left, right = node
        if operator == "<>":
            operator = style.pick("<>", "!=")
        return style.group(style.join(spell(left, style), operator, spell(right, style)))
    if kind == "between":
        _, negated, subject, low, high = node
        if style.stored("postgresql"):  # x >= a AND x <= b, (x < a OR x > b)
            x, a, b = (f"({spell(part, style)})" for part in (subject, low, high))
            if negated:
                return f"({style.join(x, '<', a, kw('or'), x, '>', b)})"
            return style.join(x, ">=", a, kw("and"), x, "<=", b)
        return _predicate(style, negated, spell(subject, style), kw("between"),
                          spell(low, style), kw("and"), spell(high, style))
    if kind == "in":
        _, negated, subject, *values = node
        listed = ", ".join(spell(value, style) for value in values)
        if len(values) > 1 and style.stored("postgresql"):  # x = ANY (ARRAY[...])
            operator, word = ("<>", "ALL") if negated else ("=", "ANY")
            return style.join(spell(subject, style), operator, f"{word} (ARRAY[{listed}])")
        return _predicate(style, negated, spell(subject, style), kw("in"), f"({listed})")
    if kind == "like":
        _, negated, subject, pattern = node
        if style.stored("postgresql"):  # ~~, !~~
            return style.join(spell(subject, style), "!~~" if negated else "~~",
                              spell(pattern, style))
        return _predicate(style, negated, spell(subject, style), kw("like"),
                          spell(pattern, style))
    if kind == "null":
        _, negated, subject = node
        if negated and style.pick("inner", "outer") == "outer":
            inner = style.join(spell(subject, style), kw("is"), kw("null"))
            return style.join(kw("not"), f"({inner})")
        words = [kw("is"), kw("not"), kw("null")] if negated else [kw("is"), kw("null")]
        return style.group(style.join(spell(subject, style), *words))
    if kind == "distinct":
        _, negated, left, right = node
        if negated and style.stored("postgresql"):  # NOT x IS DISTINCT FROM y
            return style.join(kw("not"), spell(left, style), kw("is"), kw("distinct"),
                              kw("from"), spell(right, style))
        if negated and style.pick("inner", "outer") == "outer":
            inner = style.join(f"({spell(left, style)})", kw("is"), kw("distinct"), kw("from"),
                               f"({spell(right, style)})")
            return style.join(kw("not"), f"({inner})")
        words = [kw("is"), *([kw("not")] if negated else []), kw("distinct"), kw("from")]
        return style.group(style.join(spell(left, style), *words, spell(right, style)))
    if kind == "not":
        if style.stored("mariadb"):  # !(...)
            return f"!({spell(node[1], style)})"
        return style.join(kw("not"), f"({spell(node[1], style)})")
    return f"({style.join(spell(node[1], style), kw(kind), spell(node[2], style))})"


def _predicate(style: Style, negated: bool, subject: str, keyword: str, *rest: str) -> str:
    """``x KEYWORD ...``, negated as ``x NOT KEYWORD ...`` or as ``NOT (x KEYWORD ...)``."""
    if negated and style.pick("inner", "outer") == "outer":
        return style.join(style.keyword("not"), f"({style.join(subject, keyword, *rest)})")
    words = [style.keyword("not"), keyword] if negated else [keyword]
    return style.group(style.join(subject, *words, *rest))


def _spell_number(value: Decimal, style: Style) -> str:
    plain = format(value, "f")
    options = [plain]
    if "." in plain:
        options.append(plain + "0")
        if plain.startswith("0."):
            options.append(plain[1:])
    else:
        options.append(plain + ".")
    if value:
        options.append(f"{value:e}")
    return style.pick(*options)


# -- mutation: one leaf changed -------------------------------------------------------------


def leaves(node: Node, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Paths to the parts a mutation may change: columns, functions, operators, literals."""
    kind = node[0]
    if kind in ("column", "number", "string"):
        return [path]
    found = []
    if kind in ("operation", "compare", "call"):
        found.append((*path, 1))  # the operator, or the function's name
    for index, child in enumerate(node):
        if isinstance(child, tuple):
            found += leaves(child, (*path, index))
    return found


def mutate(node: Node, path: tuple[int, ...], draw: st.DrawFn, dialect: str) -> Node:
    if not path:
        kind, value = node
        if kind == "column":
            return (kind, draw(st.sampled_from([c for c in COLUMNS if c != value])))
        if kind == "number":
            return (kind, draw(numbers.filter(lambda v: v != value)))
        return (kind, draw(strings.filter(lambda v: v != value)))
    head, rest = path[0], path[1:]
    if not rest and not isinstance(node[head], tuple):
        pool = {"operation": ARITHMETIC[dialect], "compare": COMPARISONS,
                "call": FUNCTIONS}[node[0]]
        changed = draw(st.sampled_from([p for p in pool if p != node[head]]))
        return (*node[:head], changed, *node[head + 1 :])
    return (*node[:head], mutate(node[head], rest, draw, dialect), *node[head + 1 :])


@st.composite
def mutated_pairs(draw: st.DrawFn) -> tuple[str, Node, Node, int]:
    dialect = draw(st.sampled_from(DIALECTS))
    tree = draw(predicates(dialect))
    path = draw(st.sampled_from(leaves(tree)))
    return dialect, tree, mutate(tree, path, draw, dialect), draw(st.integers(0, 2**32))


# -- the properties -------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DIALECTS).flatmap(
    lambda d: st.tuples(st.just(d), predicates(d), st.integers(0, 2**32))))
def test_normalising_twice_changes_nothing(case: tuple[str, Node, int]) -> None:
    dialect, tree, seed = case
    once = normalize_sql(spell(tree, Style(dialect, seed)), dialect)
    assert normalize_sql(once, dialect) == once


SQL_CHARACTERS = st.sampled_from(
    list("abxyz019 .,;:()[]{}'\"`\\+-*/%<>=!~@#^&|?$_\n\t") + ["größe", "€", "::", "--", "/*"]
)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(DIALECTS), st.lists(SQL_CHARACTERS, max_size=40).map("".join))
@example("sqlite", "+::,0")  # a '::' with no type is no cast
@example("sqlite", "::+a")  # no operand, so no unary plus, after '::'
@example("mariadb", "'s\\\\'")  # a quote nothing closes
@example("mariadb", "a > 0 /* c */")
@example("mariadb", "::::a!")  # MariaDB's ! read as NOT must not become a cast's type
def test_normalising_any_text_twice_changes_nothing(dialect: str, text: str) -> None:
    once = normalize_sql(text, dialect)
    assert normalize_sql(once, dialect) == once


@settings(max_examples=600, deadline=None)
@given(mutated_pairs())
def test_one_changed_identifier_operator_or_literal_is_seen(
    case: tuple[str, Node, Node, int],
) -> None:
    dialect, tree, changed, seed = case
    one = spell(tree, Style(dialect, seed))
    other = spell(changed, Style(dialect, seed))
    assert normalize_sql(one, dialect) != normalize_sql(other, dialect), (one, other)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DIALECTS).flatmap(
    lambda d: st.tuples(st.just(d), predicates(d), st.integers(0, 2**32))))
def test_every_spelling_of_one_expression_reads_alike(case: tuple[str, Node, int]) -> None:
    dialect, tree, seed = case
    plain = spell(tree, Style(dialect, seed, vary=False))
    varied = spell(tree, Style(dialect, seed))
    assert normalize_sql(varied, dialect) == normalize_sql(plain, dialect), (plain, varied)


DEFAULT_TYPES = [sa.String(20), sa.Integer(), sa.Numeric(10, 2), sa.Boolean(), sa.DateTime()]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DIALECTS), st.sampled_from(DEFAULT_TYPES), strings, strings)
def test_defaults_that_differ_in_a_literal_stay_apart(
    dialect: str, type_: sa.types.TypeEngine[Any], one: str, other: str
) -> None:
    quoted = ["'" + text.replace("'", "''") + "'" for text in (one, other)]
    if dialect == "mariadb":
        quoted = [text.replace("\\", "\\\\") for text in quoted]
    same = normalize_default(quoted[0], dialect, type_) == normalize_default(
        quoted[1], dialect, type_)
    assert same == (one == other)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DIALECTS), st.sampled_from(DEFAULT_TYPES), numbers, numbers)
def test_defaults_that_differ_in_a_number_stay_apart(
    dialect: str, type_: sa.types.TypeEngine[Any], one: Decimal, other: Decimal
) -> None:
    style = Style(dialect, 0)
    same = normalize_default(_spell_number(one, style), dialect, type_) == normalize_default(
        _spell_number(other, style), dialect, type_)
    assert same == (one == other)
