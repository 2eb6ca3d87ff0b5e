"""SQL text a script runs (``op.execute``, ``op.get_bind().execute``), read into changes.

Statements are split at ``;`` and read with the package's one SQL lexer, so a literal or a
dollar-quoted ``DO`` body never splits a statement. Each statement the linter understands
becomes the same :class:`~.model.Change` as the Alembic op that does the same thing; one it
cannot read becomes a ``raw_sql`` change, which the ``executing-raw-sql`` rule reports. A
``DO`` block is read statement by statement, its PL/pgSQL control words (``IF ... THEN``,
``BEGIN``, ``END IF``) skipped; a dynamic ``EXECUTE`` inside it cannot be read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..sql.dialects import BACKSLASH_ESCAPES
from ..sql.lexer import (
    NAME,
    NUMBER,
    QUOTED,
    STRING,
    Token,
    closing,
    is_opening,
    is_punct,
    is_word,
    tokenize,
    top_level,
)
from . import model
from .model import Change, Location

#: Words after which a column definition's type has ended.
_COLUMN_CONSTRAINT_WORDS = frozenset({
    "not", "null", "default", "primary", "references", "check", "unique", "constraint",
    "generated", "collate", "comment", "auto_increment", "on", "as", "invisible", "first",
    "after", "charset", "identity", "virtual", "persistent", "stored",
})
#: Words a table element starts with when it is a constraint, not a column.
_TABLE_CONSTRAINT_WORDS = frozenset({
    "constraint", "primary", "foreign", "unique", "check", "key", "index", "like", "exclude",
    "fulltext", "spatial", "period",
})
#: Objects whose CREATE/ALTER/DROP takes no lock on an application table worth a rule.
_HARMLESS_OBJECTS = frozenset({
    "type", "sequence", "extension", "schema", "view", "function", "procedure", "trigger",
    "domain", "role", "user", "materialized", "policy", "rule", "aggregate", "operator",
    "collation", "publication", "subscription", "statistics", "event", "server",
    "or",  # CREATE OR REPLACE ...
})
#: Statements that read or set something without locking an application table.
_HARMLESS_FIRST_WORDS = frozenset({
    "select", "comment", "grant", "revoke", "analyze", "begin", "start",
    "savepoint", "release", "reset", "notify", "listen", "show", "explain",
    "values", "perform", "raise", "return", "null", "vacuum", "optimize", "flush", "use",
})
#: PostgreSQL's and MySQL's settings that bound a wait for a lock.
LOCK_TIMEOUT_SETTINGS = frozenset({"lock_timeout", "lock_wait_timeout"})


def read_statements(
    sql: str, family: str, location: Location, table_hint: str | None = None
) -> list[Change]:
    """The changes the statements in ``sql`` make, in order.

    ``family`` is the dialect family (``postgresql``, ``mysql``, ``sqlite``);
    ``table_hint`` names the table when the SQL does not (PostgreSQL's ``DROP INDEX``).
    """
    tokens = tokenize(sql, backslash_escapes=family in BACKSLASH_ESCAPES,
                      dollar_quotes=family == "postgresql")
    changes: list[Change] = []
    for statement in _split(tokens):
        reader = _Statement(sql, statement, family, location, table_hint)
        changes.extend(reader.read())
    return changes


def _split(tokens: Sequence[Token]) -> list[list[Token]]:
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if is_punct(token, ";"):
            statements.append([])
        else:
            statements[-1].append(token)
    return [statement for statement in statements if statement]


def _name_value(token: Token) -> str | None:
    return token.value if token.kind in (NAME, QUOTED) else None


class _Statement:
    """One statement's tokens and a cursor over them."""

    def __init__(self, sql: str, tokens: list[Token], family: str, location: Location,
                 table_hint: str | None) -> None:
        self.sql = sql
        self.tokens = tokens
        self.family = family
        self.location = location
        self.table_hint = table_hint
        self.at = 0

    # -- the cursor -------------------------------------------------------------------------

    def text(self, start: int = 0, end: int | None = None) -> str:
        end = len(self.tokens) if end is None else end
        if start >= end:
            return ""
        return self.sql[self.tokens[start].start:self.tokens[end - 1].end]

    def peek(self, offset: int = 0) -> Token | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, *words: str) -> bool:
        """Consume the next token if it is one of ``words``."""
        token = self.peek()
        if token is not None and is_word(token, *words):
            self.at += 1
            return True
        return False

    def words(self, *spelled: str) -> bool:
        """Consume the next tokens if they are ``spelled``, in that order."""
        for offset, expected in enumerate(spelled):
            token = self.peek(offset)
            if token is None or not is_word(token, expected):
                return False
        self.at += len(spelled)
        return True

    def name(self) -> str | None:
        """A (possibly schema-qualified) name; the last part is returned."""
        token = self.peek()
        if token is None or _name_value(token) is None:
            return None
        value = _name_value(token)
        self.at += 1
        while (
            self.peek() is not None and is_punct(self.tokens[self.at], ".")
            and self.peek(1) is not None and _name_value(self.tokens[self.at + 1]) is not None
        ):
            value = _name_value(self.tokens[self.at + 1])
            self.at += 2
        return value

    def change(self, action: str, **facts: object) -> Change:
        return Change(action, self.location, statement=self.text(), **facts)  # type: ignore[arg-type]

    # -- statements -------------------------------------------------------------------------

    def read(self) -> list[Change]:
        first = self.tokens[0]
        if first.kind != NAME:
            return [self.change(model.RAW_SQL)]
        if self.word("create"):
            return self.create()
        if self.word("alter"):
            if self.word("table"):
                return self.alter_table()
            return self.harmless_object()
        if self.word("drop"):
            return self.drop()
        if self.words("rename", "table"):
            old = self.name()
            self.word("to", "as")
            return [self.change(model.RENAME_TABLE, table=old, name=self.name())]
        if self.word("set"):
            return self.set_statement()
        if self.word("do"):
            return self.do_block()
        if first.value in ("commit", "rollback", "end", "abort"):
            return [self.change(model.END_TRANSACTION)]
        if first.value in ("update", "delete", "insert", "with", "replace"):
            return self.dml()
        if self.word("select"):
            return self.select()
        if first.value in _HARMLESS_FIRST_WORDS:
            return [self.change(model.HARMLESS)]
        return [self.change(model.RAW_SQL)]

    def harmless_object(self) -> list[Change]:
        token = self.peek()
        if token is not None and is_word(token, *_HARMLESS_OBJECTS, "index"):
            return [self.change(model.HARMLESS)]
        return [self.change(model.RAW_SQL)]

    def create(self) -> list[Change]:
        unique = self.word("unique")
        if self.word("index"):
            concurrently = self.word("concurrently")
            self.words("if", "not", "exists")
            name = None if is_word(self.peek() or self.tokens[0], "on") else self.name()
            self.word("on")
            self.word("only")
            return [self.change(model.CREATE_INDEX, name=name, table=self.name(),
                                unique=unique, concurrently=concurrently)]
        self.word("temporary", "temp", "unlogged", "global", "local")
        if self.word("table"):
            return self.create_table()
        return self.harmless_object()

    def create_table(self) -> list[Change]:
        self.words("if", "not", "exists")
        table = self.name()
        changes = [self.change(model.CREATE_TABLE, table=table)]
        token = self.peek()
        if token is None or not is_punct(token, "("):
            return changes
        close = closing(self.tokens, self.at)
        end = len(self.tokens) if close is None else close
        for start, stop in _comma_separated(self.tokens, self.at + 1, end):
            if is_word(self.tokens[start], *_TABLE_CONSTRAINT_WORDS):
                continue
            changes.extend(self.column_definition(start, stop, model.TABLE_COLUMN, table))
        return changes

    def column_definition(self, start: int, end: int, action: str,
                          table: str | None) -> list[Change]:
        """``name type [NOT NULL] [DEFAULT x] [GENERATED ...] [REFERENCES t]``."""
        column = _name_value(self.tokens[start])
        index = start + 1
        type_end = index
        while type_end < end and not is_word(self.tokens[type_end], *_COLUMN_CONSTRAINT_WORDS):
            if is_opening(self.tokens[type_end]):
                close = closing(self.tokens, type_end)
                type_end = end if close is None else close + 1
            else:
                type_end += 1
        column_type = self.text(index, type_end).lower() or None
        nullable: bool | None = None
        default: str | None = None
        generated: str | None = None
        identity = False
        referred: str | None = None
        positions = [i for i in top_level(self.tokens, type_end, end)]
        for number, i in enumerate(positions):
            token = self.tokens[i]
            following = self.tokens[positions[number + 1]] if number + 1 < len(positions) else None
            if is_word(token, "not") and following is not None and is_word(following, "null"):
                nullable = False
            elif is_word(token, "null") and (number == 0 or not is_word(
                    self.tokens[positions[number - 1]], "not")):
                nullable = True
            elif is_word(token, "primary"):
                nullable = False
            elif is_word(token, "default"):
                stop = number + 1
                while stop < len(positions) and not is_word(
                        self.tokens[positions[stop]], *_COLUMN_CONSTRAINT_WORDS - {"on"}):
                    stop += 1
                last = positions[stop] if stop < len(positions) else end
                default = self.text(i + 1, last) or None
            elif is_word(token, "identity", "auto_increment"):
                identity = True
            elif is_word(token, "stored", "persistent"):
                generated = "stored"
            elif is_word(token, "virtual"):
                generated = "virtual"
            elif is_word(token, "as") and following is not None and is_punct(following, "("):
                generated = generated or ("virtual" if self.family == "mysql" else "stored")
            elif is_word(token, "references") and following is not None:
                referred = _name_value(following)
        changes = [Change(action, self.location, table=table, column=column,
                          column_type=column_type, nullable=nullable, default=default,
                          generated=generated, identity=identity, statement=self.text())]
        if referred is not None and action == model.ADD_COLUMN:
            changes.append(self.change(model.ADD_CONSTRAINT, table=table, column=column,
                                       constraint=model.FOREIGN_KEY, referred_table=referred))
        return changes

    def alter_table(self) -> list[Change]:
        self.words("if", "exists")
        self.word("only")
        table = self.name()
        if self.peek() is not None and self.tokens[self.at].value == "*":
            self.at += 1
        changes: list[Change] = []
        self.algorithm: str | None = None
        for start, stop in _comma_separated(self.tokens, self.at, len(self.tokens)):
            changes.extend(_Action(self, table, start, stop).read())
        if self.algorithm is not None:
            changes = [replace(change, algorithm=self.algorithm) for change in changes]
        return changes or [self.change(model.RAW_SQL)]

    def drop(self) -> list[Change]:
        if self.word("index"):
            concurrently = self.word("concurrently")
            self.words("if", "exists")
            name = self.name()
            table = self.name() if self.word("on") else self.table_hint
            return [self.change(model.DROP_INDEX, name=name, table=table,
                                concurrently=concurrently)]
        if self.word("table"):
            self.words("if", "exists")
            changes = []
            for start, _ in _comma_separated(self.tokens, self.at, len(self.tokens)):
                self.at = start
                changes.append(self.change(model.DROP_TABLE, table=self.name()))
            return changes
        if self.word("database") or (self.family == "mysql" and self.word("schema")):
            self.words("if", "exists")
            return [self.change(model.DROP_DATABASE, name=self.name())]
        return self.harmless_object()

    def set_statement(self) -> list[Change]:
        if self.word("statement"):  # MariaDB: SET STATEMENT x=1 FOR <statement>
            found = next((i for i in top_level(self.tokens, self.at)
                          if is_word(self.tokens[i], "for")), None)
            if found is None or found + 1 >= len(self.tokens):
                return [self.change(model.RAW_SQL)]
            inner = self.sql[self.tokens[found + 1].start:self.tokens[-1].end]
            return read_statements(inner, self.family, self.location, self.table_hint)
        scope = "session"
        if self.word("local"):
            scope = "local"
        else:
            self.word("session", "global")
        setting = self.name()
        if setting not in LOCK_TIMEOUT_SETTINGS:
            return [self.change(model.HARMLESS)]
        self.word("to")
        if self.peek() is not None and self.tokens[self.at].value == "=":
            self.at += 1
        if _is_zero(self.peek()):
            return [self.change(model.HARMLESS)]  # 0 switches the timeout off
        return [self.change(model.LOCK_TIMEOUT, name=scope)]

    def select(self) -> list[Change]:
        """``SELECT set_config('lock_timeout', '2s', true)`` sets the timeout too."""
        for index, token in enumerate(self.tokens):
            if is_word(token, "set_config") and index + 4 < len(self.tokens):
                setting, value = self.tokens[index + 2], self.tokens[index + 4]
                if (setting.kind == STRING and setting.value.strip("'") in
                        LOCK_TIMEOUT_SETTINGS and not _is_zero(value)):
                    local = any(is_word(t, "true") for t in self.tokens[index + 5:])
                    return [self.change(model.LOCK_TIMEOUT, name="local" if local else "session")]
        return [self.change(model.HARMLESS)]

    def dml(self) -> list[Change]:
        """UPDATE/DELETE/INSERT, also after a ``WITH`` clause: the first verb at top level."""
        for index in top_level(self.tokens):
            token = self.tokens[index]
            if is_word(token, "update", "delete", "insert", "replace"):
                self.at = index + 1
                if token.value == "update":
                    self.word("only")
                    return [self.change(model.UPDATE, table=self.name())]
                self.word("from", "into")
                self.word("only")
                action = model.DELETE if token.value == "delete" else model.INSERT
                return [self.change(action, table=self.name())]
        return [self.change(model.HARMLESS)]

    def do_block(self) -> list[Change]:
        body = next((t for t in self.tokens[self.at:] if t.kind == STRING), None)
        if body is None or not body.value.startswith("$"):
            return [self.change(model.RAW_SQL)]
        inner = body.value[body.value.index("$", 1) + 1:body.value.rindex("$", 0, -1)]
        tokens = tokenize(inner, dollar_quotes=True)
        changes: list[Change] = []
        declaring = False
        for statement in _split(tokens):
            if is_word(statement[0], "declare"):
                declaring = True  # declarations until BEGIN: ``a integer; b bigint;``
            if declaring and not is_word(statement[0], "begin"):
                continue
            declaring = False
            start = _past_control_words(statement)
            if start is None:
                continue
            if is_word(statement[start], "execute"):
                changes.append(Change(model.RAW_SQL, self.location, statement=self.text()))
                continue
            text = inner[statement[start].start:statement[-1].end]
            changes.extend(read_statements(text, self.family, self.location, self.table_hint))
        return [replace(change, statement=change.statement or self.text())
                for change in changes]


class _Action:
    """One action of an ``ALTER TABLE``: ``ADD COLUMN ...``, ``ALTER COLUMN ... TYPE`` ..."""

    def __init__(self, statement: _Statement, table: str | None, start: int, end: int):
        self.s = statement
        self.table = table
        self.start = start
        self.end = end

    def change(self, action: str, **facts: object) -> Change:
        return self.s.change(action, table=self.table, **facts)

    def read(self) -> list[Change]:
        s = self.s
        s.at = self.start
        if s.word("add"):
            return self.add()
        if s.word("alter", "modify", "change"):
            return self.alter(self.s.tokens[s.at - 1].value)
        if s.word("drop"):
            if s.word("column") or not is_word(s.peek() or s.tokens[0], "constraint", "index",
                                                "key", "foreign", "primary", "check"):
                s.words("if", "exists")
                return [self.change(model.DROP_COLUMN, column=s.name())]
            return [self.change(model.ALTER_TABLE)]
        if s.word("rename"):
            if s.word("to", "as"):
                return [self.change(model.RENAME_TABLE, name=s.name())]
            if s.word("constraint", "index", "key"):
                return [self.change(model.ALTER_TABLE)]
            s.word("column")
            column = s.name()
            s.word("to")
            return [self.change(model.RENAME_COLUMN, column=column, name=s.name())]
        if s.words("validate", "constraint"):
            return [self.change(model.VALIDATE_CONSTRAINT, name=s.name())]
        if s.word("algorithm"):
            if s.peek() is not None and s.tokens[s.at].value == "=":
                s.at += 1
            token = s.peek()
            s.algorithm = token.value.lower() if token is not None else None
            return []
        if s.word("lock"):
            return []  # MySQL's ALTER option: how, not what
        if s.word("set", "owner", "enable", "disable", "replica", "cluster", "inherit",
                  "no", "force", "reset", "attach", "detach", "of", "not"):
            return [self.change(model.ALTER_TABLE)]
        return [self.change(model.RAW_SQL)]

    def add(self) -> list[Change]:
        s = self.s
        name = s.name() if s.word("constraint") else None
        token = s.peek()
        if token is None:
            return [self.change(model.RAW_SQL)]
        if s.family == "mysql" and is_word(token, "index", "key", "fulltext", "spatial",
                                           "unique"):
            unique = s.word("unique")
            return [self.change(model.CREATE_INDEX, unique=unique, name=name)]
        kinds = {"check": model.CHECK, "foreign": model.FOREIGN_KEY, "unique": model.UNIQUE,
                 "primary": model.PRIMARY_KEY}
        if token.kind == NAME and token.value in kinds:
            return [self.constraint(kinds[token.value], name)]
        if name is not None:
            return [self.change(model.RAW_SQL)]
        s.word("column")
        s.words("if", "not", "exists")
        return s.column_definition(s.at, self.end, model.ADD_COLUMN, self.table)

    def constraint(self, kind: str, name: str | None) -> Change:
        s = self.s
        words = [s.tokens[i] for i in top_level(s.tokens, s.at, self.end)]
        values = [t.value for t in words if t.kind == NAME]
        referred = None
        if kind == model.FOREIGN_KEY and "references" in values:
            at = next(i for i in range(s.at, self.end) if is_word(s.tokens[i], "references"))
            s.at = at + 1
            referred = s.name()
        expression = None
        if kind == model.CHECK:
            opening = next((i for i in range(s.at, self.end) if is_punct(s.tokens[i], "(")),
                           None)
            if opening is not None:
                close = closing(s.tokens, opening)
                expression = s.text(opening + 1, close if close is not None else self.end)
        using_index = any(
            values[i:i + 2] == ["using", "index"] for i in range(len(values) - 1)
        ) and not any(is_punct(t, "(") for t in words)
        not_valid = any(values[i:i + 2] == ["not", "valid"] for i in range(len(values) - 1))
        return self.change(model.ADD_CONSTRAINT, name=name, constraint=kind,
                           not_valid=not_valid, using_index=using_index,
                           referred_table=referred, expression=expression)

    def alter(self, verb: str) -> list[Change]:
        s = self.s
        if verb == "alter" and s.word("constraint"):
            return [self.change(model.ALTER_TABLE)]
        s.word("column")
        if verb in ("modify", "change"):
            column = s.name()
            renamed = s.name() if verb == "change" else column
            facts = s.column_definition(s.at - 1, self.end, model.ALTER_TYPE, self.table)[0]
            changes = [replace(facts, column=column)]
            if renamed != column:
                changes.insert(0, self.change(model.RENAME_COLUMN, column=column, name=renamed))
            return changes
        column = s.name()
        if s.word("type") or s.words("set", "data", "type"):
            stop = next((i for i in range(s.at, self.end)
                         if is_word(s.tokens[i], "using", "collate")), self.end)
            return [self.change(model.ALTER_TYPE, column=column,
                                column_type=s.text(s.at, stop).lower())]
        if s.words("set", "not", "null"):
            return [self.change(model.SET_NOT_NULL, column=column)]
        return [self.change(model.ALTER_TABLE, column=column)]


def _comma_separated(tokens: Sequence[Token], start: int, end: int) -> list[tuple[int, int]]:
    """The (start, end) spans of ``tokens[start:end]`` between top-level commas."""
    spans: list[tuple[int, int]] = []
    begin = start
    for index in top_level(tokens, start, end):
        if is_punct(tokens[index], ","):
            if index > begin:
                spans.append((begin, index))
            begin = index + 1
    if end > begin:
        spans.append((begin, end))
    return spans


def _is_zero(token: Token | None) -> bool:
    if token is None:
        return False
    if token.kind == NUMBER:
        return token.value == "0"
    return token.kind == STRING and token.value.strip("'").strip() in ("0", "0s", "0ms")


#: PL/pgSQL words that lead into a statement without being one.
_BLOCK_WORDS = frozenset({"begin", "else", "loop", "exception", "then"})


def _past_control_words(statement: list[Token]) -> int | None:
    """Where the SQL statement starts in a PL/pgSQL statement (past ``BEGIN``,
    ``IF ... THEN``, ``ELSE``); None for a statement that is control flow only."""
    index = 0
    while index < len(statement):
        token = statement[index]
        if is_word(token, "end", "declare", "null", "return", "raise", "perform", "exit",
                   "continue", "get"):
            return None
        if is_word(token, *_BLOCK_WORDS):
            index += 1
        elif is_word(token, "if", "elsif", "when", "while", "for", "foreach", "case"):
            then = next((i for i in top_level(statement, index + 1)
                         if is_word(statement[i], "then", "loop")), None)
            if then is None:
                return None
            index = then + 1
        elif index + 1 < len(statement) and statement[index + 1].value == ":=":
            return None  # an assignment
        else:
            return index
    return None
