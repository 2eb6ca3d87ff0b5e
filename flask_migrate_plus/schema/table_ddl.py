"""The DDL an application attaches to its tables, and what each statement creates.

``event.listen(table, "after_create", DDL("CREATE UNIQUE INDEX ...").execute_if(
dialect="postgresql"))``: ``create_all`` runs such statements right before or after the
table's own ``CREATE TABLE``; Alembic never sees them. Read here:

- :func:`table_listeners`: a table's ``before_create`` / ``after_create`` listeners, minus
  SQLAlchemy's own (the hooks of ``Enum`` and ``Boolean`` types, whose work the table's
  ``create_table`` does itself);
- :func:`statement_text`: the SQL a ``DDL`` element sends for a table on a dialect (the
  ``%(table)s``, ``%(schema)s`` and ``%(fullname)s`` substitutions, as ``create_all`` makes
  them);
- :func:`created_objects`: for each statement in that text, what it creates (index,
  trigger, function, view, ...), by name, or ``None`` when it is something else. Quoted
  strings, dollar-quoted bodies and comments are skipped over; the ``BEGIN ... END`` body of
  a MySQL or SQLite trigger stays part of its statement.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.ddl import DDL, ExecutableDDLElement

#: The table events ``create_all`` fires around ``CREATE TABLE``, in that order.
CREATE_EVENTS = ("before_create", "after_create")


def _is_sqlalchemy_own(listener: Any) -> bool:
    """A hook a column type puts on its table (``Enum``/``Boolean``: types, CHECKs)."""
    fn = listener.func if isinstance(listener, functools.partial) else listener
    return isinstance(getattr(fn, "__self__", None), sa.types.SchemaType)


def table_listeners(table: sa.Table) -> list[tuple[str, Any]]:
    """(event, listener) for each application listener ``create_all`` runs for ``table``."""
    return [
        (event, listener)
        for event in CREATE_EVENTS
        for listener in getattr(table.dispatch, event)
        if not _is_sqlalchemy_own(listener)
    ]


def listener_name(listener: Any) -> str:
    """How a Python listener is named in a message: ``module.function``."""
    fn = listener.func if isinstance(listener, functools.partial) else listener
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    return f"{module}.{name}" if module else str(name)


def statement_text(element: ExecutableDDLElement, table: sa.Table, dialect: Any) -> str:
    """The SQL ``element`` sends when ``create_all`` creates ``table`` on ``dialect``.

    A ``DDL`` is its statement with the table's names substituted, exactly as SQLAlchemy
    does it, but without the doubled ``%`` of a pyformat driver (``op.execute`` adds those
    itself); any other DDL element is compiled for the dialect.
    """
    if isinstance(element, DDL):
        preparer = dialect.identifier_preparer
        path = preparer.format_table_seq(table)
        context = {
            "table": path[-1],
            "schema": path[0] if len(path) > 1 else "",
            "fullname": preparer.format_table(table),
            **element.context,
        }
        return str(element.statement % context)
    return str(element.against(table).compile(dialect=dialect))


# -- what a statement creates ------------------------------------------------------------------

_IDENT = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|[A-Za-z_][\w$]*)'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_CREATE = r"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?"
_IF_NOT_EXISTS = r"(?:IF\s+NOT\s+EXISTS\s+)?"

#: kind -> the head of a statement that creates one (a regular expression; ``name`` and
#: ``table`` are groups), compiled by :func:`heads` when first needed.
HEAD_PATTERNS: dict[str, str] = {
        "index": rf"{_CREATE}(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(?:CONCURRENTLY\s+)?"
                 rf"{_IF_NOT_EXISTS}(?:(?!ON\b)(?P<name>{_NAME})\s+)?(?:USING\s+\w+\s+)?"
                 rf"ON\s+(?:ONLY\s+)?(?P<table>{_NAME})",
        "trigger": rf"{_CREATE}(?:CONSTRAINT\s+)?TRIGGER\s+{_IF_NOT_EXISTS}(?P<name>{_NAME})"
                   rf"\s.*?\bON\s+(?P<table>{_NAME})",
        "function": rf"{_CREATE}FUNCTION\s+{_IF_NOT_EXISTS}(?P<name>{_NAME})\s*\(",
        "procedure": rf"{_CREATE}PROCEDURE\s+{_IF_NOT_EXISTS}(?P<name>{_NAME})\s*\(",
        "materialized view": rf"{_CREATE}MATERIALIZED\s+VIEW\s+{_IF_NOT_EXISTS}"
                             rf"(?P<name>{_NAME})",
        "view": rf"{_CREATE}(?:TEMP(?:ORARY)?\s+)?(?:RECURSIVE\s+)?VIEW\s+{_IF_NOT_EXISTS}"
                rf"(?P<name>{_NAME})",
        "sequence": rf"{_CREATE}(?:TEMP(?:ORARY)?\s+)?SEQUENCE\s+{_IF_NOT_EXISTS}"
                    rf"(?P<name>{_NAME})",
        "type": rf"{_CREATE}TYPE\s+(?P<name>{_NAME})",
        "domain": rf"{_CREATE}DOMAIN\s+(?P<name>{_NAME})",
        "extension": rf"{_CREATE}EXTENSION\s+{_IF_NOT_EXISTS}(?P<name>{_NAME})",
        "constraint": rf"^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?P<table>{_NAME})"
                      rf"\s+ADD\s+CONSTRAINT\s+(?P<name>{_IDENT})",
        # Statements that change only their table: dropping the table undoes them.
        "table change": rf"^(?:ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?"
                        rf"|COMMENT\s+ON\s+(?:TABLE|COLUMN)\s+|CREATE\s+POLICY\s+{_IDENT}\s+ON\s+"
                        rf"|CREATE\s+(?:OR\s+REPLACE\s+)?RULE\s+{_IDENT}\s+AS\s+ON\s+\w+\s+TO\s+)"
                        rf"(?P<table>{_NAME})",
}


@functools.cache
def heads() -> dict[str, re.Pattern[str]]:
    """:data:`HEAD_PATTERNS` compiled: compiled on first use, not when the plugins load."""
    return {kind: re.compile(pattern, re.IGNORECASE | re.DOTALL)
            for kind, pattern in HEAD_PATTERNS.items()}

#: Kinds whose body may be a ``BEGIN ... END`` block holding semicolons (MySQL, SQLite).
_COMPOUND_KINDS = {"trigger", "function", "procedure"}

#: Quoted text and comments, skipped over when looking for statement ends and heads.
_QUOTED = {
    False: r"'(?:[^']|'')*'",
    True: r"'(?:[^'\\]|''|\\.)*'",
}
_SKIPPED = r"|\$(?P<tag>[A-Za-z_]*)\$.*?\$(?P=tag)\$|--[^\n]*|/\*.*?\*/"
_WORD = re.compile(r"[A-Za-z_]+")
#: ``END IF`` / ``END LOOP`` ... close blocks that never counted as opened.
_END_OF_OTHER = {"if", "loop", "while", "repeat", "for"}


@dataclass(frozen=True)
class CreatedObject:
    """What one statement of a table's DDL creates: ``kind`` (a key of :data:`HEAD_PATTERNS`), its
    ``name`` (None: an index the server names) and the ``table`` it is on as written, a
    function's argument list."""

    kind: str
    name: str | None
    table: str | None = None
    arguments: str | None = None


@dataclass(frozen=True)
class Statement:
    """One statement of a DDL text, and what it creates (None: not derivable)."""

    text: str
    created: CreatedObject | None


def _masked(sql: str, backslash_escapes: bool) -> str:
    """``sql`` with quoted text and comments blanked out, positions unchanged."""
    pattern = re.compile(f"{_QUOTED[backslash_escapes]}{_SKIPPED}", re.DOTALL)
    return pattern.sub(lambda match: " " * len(match.group(0)), sql)


def _block_depth_change(words: list[str], index: int) -> int:
    word = words[index]
    if word in ("begin", "case"):
        return 1
    if word == "end":
        following = words[index + 1] if index + 1 < len(words) else ""
        return 0 if following in _END_OF_OTHER else -1
    return 0


def _statement_spans(masked: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each statement: up to a semicolon outside any ``BEGIN ... END``."""
    start = 0
    while start < len(masked):
        end = masked.find(";", start)
        end = len(masked) if end < 0 else end
        head = masked[start:end].lstrip()
        kind = _kind(head)
        if kind in _COMPOUND_KINDS and re.search(r"\bBEGIN\b", head, re.IGNORECASE):
            end = _compound_end(masked, start)
        yield start, end
        start = end + 1


def _compound_end(masked: str, start: int) -> int:
    """Where a statement with a ``BEGIN ... END`` body ends: the first semicolon after it."""
    depth = 0
    opened = False
    words = [(match.group(0).lower(), match.start()) for match in _WORD.finditer(masked, start)]
    names = [word for word, _ in words]
    for index, (_word, position) in enumerate(words):
        depth += _block_depth_change(names, index)
        opened = opened or depth > 0
        if opened and depth <= 0:
            end = masked.find(";", position)
            return len(masked) if end < 0 else end
    return len(masked)


def _kind(head: str) -> str | None:
    for kind, pattern in heads().items():
        if pattern.match(head):
            return kind
    return None


def _arguments(sql: str, masked: str, open_paren: int) -> str:
    depth = 0
    for index in range(open_paren, len(masked)):
        if masked[index] == "(":
            depth += 1
        elif masked[index] == ")":
            depth -= 1
            if depth == 0:
                return sql[open_paren + 1:index].strip()
    return sql[open_paren + 1:].strip()


def _original(sql: str, offset: int, match: re.Match[str], group: str) -> str | None:
    """A group of a match on masked text, as the original text spells it."""
    if match.group(group) is None:
        return None
    return sql[offset + match.start(group):offset + match.end(group)]


def _created(sql: str, masked: str) -> CreatedObject | None:
    offset = len(masked) - len(masked.lstrip())
    head = masked[offset:]
    for kind, pattern in heads().items():
        match = pattern.match(head)
        if match is None:
            continue
        groups = match.groupdict()
        name = _original(sql, offset, match, "name") if "name" in groups else None
        table = _original(sql, offset, match, "table") if "table" in groups else None
        arguments = None
        if kind in ("function", "procedure"):
            arguments = _arguments(sql, masked, offset + match.end() - 1)
        return CreatedObject(kind, name, table, arguments)
    return None


def created_objects(sql: str, *, backslash_escapes: bool = False) -> list[Statement]:
    """Each statement of ``sql`` with what it creates (module doc); empty ones left out."""
    masked = _masked(sql, backslash_escapes)
    statements = []
    for start, end in _statement_spans(masked):
        if not masked[start:end].strip():
            continue
        start += len(masked[start:end]) - len(masked[start:end].lstrip())  # comments too
        statements.append(Statement(sql[start:end].strip(), _created(sql[start:end],
                                                                     masked[start:end])))
    return statements


def name_parts(name: str) -> list[str]:
    """The parts of a written name, as written: ``s."Ix"`` -> ``['s', '"Ix"']``."""
    return re.findall(_IDENT, name) or [name]


def names_match(written: str | None, actual: str) -> bool:
    """Whether a name as written in SQL is the object the database calls ``actual``; an
    unquoted name is matched without case (servers fold it)."""
    if written is None:
        return False
    last = name_parts(written)[-1]
    if last[:1] in ('"', "`"):
        return last[1:-1].replace(last[0] * 2, last[0]) == actual
    return last.lower() == actual.lower()


def argument_types(arguments: str) -> str:
    """A function's argument list without its ``DEFAULT`` parts, as ``DROP FUNCTION`` takes
    it: ``a integer, b text DEFAULT 'x'`` -> ``a integer, b text``."""
    masked = _masked(arguments, False)
    kept, start, depth = [], 0, 0
    for index, char in enumerate(masked + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            piece = masked[start:index]
            cut = re.search(r"\bDEFAULT\b|=", piece, re.IGNORECASE)
            end = start + (cut.start() if cut else len(piece))
            if arguments[start:end].strip():
                kept.append(arguments[start:end].strip())
            start = index + 1
    return ", ".join(kept)
