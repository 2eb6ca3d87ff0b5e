"""A column type, read from the way the server spells it (``integer``, ``varchar(100)``,
``timestamp without time zone``), whether it came from a SQLAlchemy type or a statement.

The type rules ask a few questions of a type (is it a 4-byte integer, a length-limited
varchar, a timestamp without time zone ...) and :func:`read_type` answers them once, from
the tokens of the one SQL lexer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..sql.lexer import NAME, NUMBER, is_punct, tokenize

#: Type words for 4-byte and 2-byte integers, and PostgreSQL's serial shorthands.
INT4 = frozenset({"integer", "int", "int4", "mediumint", "serial", "serial4"})
INT2 = frozenset({"smallint", "int2", "tinyint", "smallserial", "serial2"})
SERIALS = frozenset({"serial", "serial4", "bigserial", "serial8", "smallserial", "serial2"})
VARCHARS = frozenset({"varchar", "nvarchar", "varchar2"})
CHARS = frozenset({"char", "character", "bpchar", "nchar"})
TEXTS = frozenset({"text", "tinytext", "mediumtext", "longtext"})
_SIGN_WORDS = frozenset({"unsigned", "signed", "zerofill"})


@dataclass(frozen=True)
class TypeFacts:
    """``name``: the type's words joined by a space (``character varying``, ``timestamp``);
    ``length``: its first modifier (``varchar(100)`` -> 100); ``time_zone``: for
    timestamps, whether it keeps the time zone."""

    name: str
    length: int | None = None
    time_zone: bool | None = None

    @property
    def is_int4(self) -> bool:
        return self.name in INT4

    @property
    def is_int2(self) -> bool:
        return self.name in INT2

    @property
    def is_serial(self) -> bool:
        return self.name in SERIALS

    @property
    def is_varchar(self) -> bool:
        return self.name in VARCHARS or self.name == "character varying"

    @property
    def is_char(self) -> bool:
        return self.name in CHARS

    @property
    def is_text(self) -> bool:
        return self.name in TEXTS

    @property
    def is_timestamp_without_time_zone(self) -> bool:
        return self.name in ("timestamp", "datetime") and not self.time_zone


def read_type(text: str) -> TypeFacts:
    """The facts of a type spelled ``text`` (``VARCHAR(100)``, ``timestamp(3) with time
    zone``, ``character varying``); any spelling it does not know keeps its words."""
    tokens = tokenize(text)
    words: list[str] = []
    length: int | None = None
    time_zone: bool | None = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind == NAME:
            if token.value == "with":
                time_zone = True
            elif token.value == "without":
                time_zone = False
            elif token.value in _SIGN_WORDS:
                pass  # MySQL's ``int unsigned`` is still a 4-byte integer
            elif token.value not in ("time", "zone") or not words:
                words.append(token.value)
        elif is_punct(token, "(") and length is None:
            if index + 1 < len(tokens) and tokens[index + 1].kind == NUMBER:
                try:
                    length = int(tokens[index + 1].value)
                except ValueError:
                    length = None
        index += 1
    name = " ".join(words) if words else text.strip().lower()
    if name == "timestamptz":
        name, time_zone = "timestamp", True
    return TypeFacts(name, length, time_zone)
