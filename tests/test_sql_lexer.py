"""The one SQL reader: tokens with kind, canonical value and place; no character dropped;
and the helpers every normaliser shares (brackets, casts, numbers)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from flask_migrate_plus.sql import lexer
from flask_migrate_plus.sql.lexer import (
    NAME,
    NUMBER,
    OPERATOR,
    OTHER,
    PUNCT,
    QUOTED,
    STRING,
    canonical_number,
    cast_end,
    closing,
    opening,
    tokenize,
)


def _kinds_values(text: str, **options: bool) -> list[tuple[str, str]]:
    return [(token.kind, token.value) for token in tokenize(text, **options)]


TOKENS = [
    ("a.b >= .5", [(NAME, "a"), (PUNCT, "."), (NAME, "b"), (OPERATOR, ">="), (NUMBER, "0.5")]),
    ("X > 1e3 AND y < 0.50", [(NAME, "x"), (OPERATOR, ">"), (NUMBER, "1000"), (NAME, "and"),
                             (NAME, "y"), (OPERATOR, "<"), (NUMBER, "0.5")]),
    ("größe > 5.", [(NAME, "größe"), (OPERATOR, ">"), (NUMBER, "5")]),
    ('"Größe" = `a``b`', [(QUOTED, "Größe"), (OPERATOR, "="), (QUOTED, "a`b")]),
    ("'it''s' || s", [(STRING, "'it''s'"), (OPERATOR, "||"), (NAME, "s")]),
    ("x::numeric(10, 2)[]", [(NAME, "x"), (OPERATOR, "::"), (NAME, "numeric"), (PUNCT, "("),
                             (NUMBER, "10"), (PUNCT, ","), (NUMBER, "2"), (PUNCT, ")"),
                             (PUNCT, "["), (PUNCT, "]")]),
    ("j @> a <@ b #>> c #> d ->> e -> f", [
        (NAME, "j"), (OPERATOR, "@>"), (NAME, "a"), (OPERATOR, "<@"), (NAME, "b"),
        (OPERATOR, "#>>"), (NAME, "c"), (OPERATOR, "#>"), (NAME, "d"), (OPERATOR, "->>"),
        (NAME, "e"), (OPERATOR, "->"), (NAME, "f")]),
    ("s !~~* p <=> q != r", [(NAME, "s"), (OPERATOR, "!~~*"), (NAME, "p"), (OPERATOR, "<=>"),
                            (NAME, "q"), (OPERATOR, "!="), (NAME, "r")]),
    ("a # b @ c ? d", [(NAME, "a"), (OPERATOR, "#"), (NAME, "b"), (OPERATOR, "@"), (NAME, "c"),
                      (OPERATOR, "?"), (NAME, "d")]),
    ("a $ b { € }", [(NAME, "a"), (OTHER, "$"), (NAME, "b"), (OTHER, "{"), (OTHER, "€"),
                     (OTHER, "}")]),
    ("a = 'open b", [(NAME, "a"), (OPERATOR, "="), (OTHER, "'open b")]),
    ('x "y', [(NAME, "x"), (OTHER, '"y')]),
    ("a -- note\n+ /* more */ b", [(NAME, "a"), (OPERATOR, "+"), (NAME, "b")]),
    ("a /* note */", [(NAME, "a")]),
    ("a -- note", [(NAME, "a")]),
    ("a /* open", [(NAME, "a"), (OPERATOR, "/"), (OPERATOR, "*"), (NAME, "open")]),
    ("x-1", [(NAME, "x"), (OPERATOR, "-"), (NUMBER, "1")]),
]


@pytest.mark.parametrize(("text", "expected"), TOKENS)
def test_tokens(text: str, expected: list[tuple[str, str]]) -> None:
    assert _kinds_values(text) == expected


def test_positions_give_back_the_text() -> None:
    text = 'lower("Größe") >= .5 AND s ~~ \'a%\' # x'
    assert [text[t.start : t.end] for t in tokenize(text)] == [
        "lower", "(", '"Größe"', ")", ">=", ".5", "AND", "s", "~~", "'a%'", "#", "x"]


@pytest.mark.parametrize("text", [
    "a > 0 § b ¤ ¿ \\ ~ ` ' \"",
    "größe ∈ {1, 2} ⇒ ∀",
    "a /* open comment",
    "x ::: y ;; @@@ ## !! ??",
])
def test_no_character_is_dropped(text: str) -> None:
    covered = {n for t in tokenize(text) for n in range(t.start, t.end)}
    assert {n for n, c in enumerate(text) if not c.isspace()} <= covered


def test_mysql_backslash_escapes() -> None:
    assert _kinds_values(r"'it\'s' 'a\\b' 'a\_%' 'a\nb'", backslash_escapes=True) == [
        (STRING, "'it''s'"), (STRING, r"'a\\b'"), (STRING, r"'a\\_%'"), (STRING, "'a\nb'")]
    # without the option a backslash is a character like any other
    assert _kinds_values(r"'a\'", backslash_escapes=False) == [(STRING, r"'a\'")]


def test_bracket_identifiers_only_when_asked() -> None:
    assert _kinds_values("[a b]", bracket_identifiers=True) == [(QUOTED, "a b")]
    assert _kinds_values("a[1]", bracket_identifiers=True) == [
        (NAME, "a"), (PUNCT, "["), (NUMBER, "1"), (PUNCT, "]")]
    assert _kinds_values("[a b]")[0] == (PUNCT, "[")


NUMBERS = [
    (".5", "0.5"), ("0.5", "0.5"), ("0.50", "0.5"), ("5e-1", "0.5"), ("1e3", "1000"),
    ("1000.", "1000"), ("007", "7"), ("-0", "0"), ("0.000", "0"), ("+5", "5"), ("-1.50", "-1.5"),
    ("12345678901234567890", "12345678901234567890"), ("1e100", "1E+100"), ("abc", "abc"),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_canonical_number(text: str, expected: str) -> None:
    assert canonical_number(text) == expected


def test_brackets_and_case_end_pair_up() -> None:
    tokens = tokenize("f(a, (b), x[1]) + CASE WHEN c THEN (d) END")
    assert [t.value for t in tokens[:13]] == [
        "f", "(", "a", ",", "(", "b", ")", ",", "x", "[", "1", "]", ")"]
    assert closing(tokens, 1) == 12
    assert closing(tokens, 4) == 6
    assert closing(tokens, 9) == 11
    assert opening(tokens, 12) == 1
    case = next(k for k, t in enumerate(tokens) if t.value == "case")
    assert opening(tokens, len(tokens) - 1) == case
    assert closing(tokenize("(a"), 0) is None
    assert opening(tokenize("a)"), 1) is None


CASTS = [
    ("x::integer + 1", "+"),
    ("x::character varying(20)[] = y", "="),
    ('x::"Billing"."Kind"[] IS NULL', "is"),
    ("x::timestamp(3) with time zone > y", ">"),
    ("x::double precision", None),
    ("x::billing.kind", None),
]


@pytest.mark.parametrize(("text", "after"), CASTS)
def test_cast_end_takes_the_whole_type(text: str, after: str | None) -> None:
    tokens = tokenize(text)
    end = cast_end(tokens, 1)
    assert (tokens[end].value if end < len(tokens) else None) == after


def test_sql_package_imports_only_stdlib_and_sqlalchemy() -> None:
    # The readers serve every comparator: nothing of the rest of the package may come in.
    folder = Path(lexer.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1, f"{path.name} reaches out of the sql package"
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and not node.level and
                node.module else [])
            for name in names:
                top = name.split(".")[0]
                assert top == "sqlalchemy" or top in sys.stdlib_module_names, (path.name, name)
