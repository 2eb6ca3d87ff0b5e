"""SQLite's catalog for every table of a schema in four statements, as the dialect reflects it.

SQLAlchemy's SQLite dialect reflects one table at a time: a ``PRAGMA table_xinfo``, a
``PRAGMA index_list`` and one ``PRAGMA index_info`` per index (twice: for indexes and again
for unique constraints), a ``PRAGMA foreign_key_list`` and the table's ``CREATE TABLE`` text;
eleven statements for a table with two indexes, 8,801 for 800 such tables. SQLite offers
the same pragmas as table-valued functions (``pragma_table_xinfo(name, schema)``), which a
SELECT can join with ``sqlite_master``: one statement reads one pragma for every table.

:func:`read_catalog` makes the records the dialect's ``get_multi_*`` methods return (same
keys, same values, same order, same warnings), from four statements whatever the number of
tables: the ``sqlite_master`` rows, and the column, index and foreign-key pragmas of every
table. The text rules (constraint names, ``GENERATED`` expressions, partial-index
predicates, CHECK bodies, inline UNIQUE) are the dialect's, applied to the same text. A
table whose records cannot be made that way is left out, so it is reflected one at a time
as before. ``tests/test_reflection_equivalence.py`` holds every record to the dialect's own.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import util as sa_util
from sqlalchemy.dialects.sqlite.base import FK_PATTERN, TABLE_OPTIONS_PATTERN

#: SQLite from which ``pragma_table_xinfo`` exists (the dialect reads generated columns with
#: it from the same version).
MIN_VERSION = (3, 31)

#: Reflection kind -> its records per ``(schema, table)``.
Catalog = dict[str, dict[tuple[str | None, str], Any]]

_TABLE_BODY = re.compile(
    r"create table .*?\((.*)\)(?:\s*,?\s*(?:WITHOUT\s+ROWID|STRICT))*$", re.DOTALL | re.I
)
_GENERATED = r"[^,]*\s+GENERATED\s+ALWAYS\s+AS\s+\((.*)\)\s*(?:virtual|stored)?"
_PK_NAME = re.compile(r'CONSTRAINT\s+(?:"(.+?)"|(\w+))\s+PRIMARY\s+KEY', re.I)
_UNIQUE = re.compile(r'(?:CONSTRAINT\s+(?:"(.+?)"|(\w+))\s+)?UNIQUE\s*\((.+?)\)', re.I)
_INLINE_UNIQUE = re.compile(
    r'(?:(".+?")|(?:[\[`])?([a-z0-9_]+)(?:[\]`])?)[\t ]'
    r"+[a-z0-9_]+(?:[\t ]+[a-z0-9_]+)*?[\t ]+UNIQUE",
    re.I,
)
_CHECK = re.compile(
    r"""(?<![A-Za-z0-9_])
    (?:CONSTRAINT\s+("(?:[^"]|"")+"|'(?:[^']|'')+'|\[(?:[^\]]|\]\])+\]|`(?:[^`]|``)+`|\S+)\s+)?
    CHECK\s*\(""",
    re.VERBOSE | re.I,
)
_NAME_QUOTES = re.compile(r'^(["\'`])(.+)\1$|^\[(.+)\]$', re.DOTALL)
_PARTIAL = re.compile(r"\)\s+where\s+(.+)", re.I)
# The word each text rule needs, matched as the rule matches it: a text without it is not
# searched with the (slower) rule.
_WORD_UNIQUE = re.compile("UNIQUE", re.I)
_WORD_CHECK = re.compile("CHECK", re.I)
_WORD_FOREIGN = re.compile("FOREIGN", re.I)


def supported(dialect: sa.Dialect) -> bool:
    """Whether this SQLite and this SQLAlchemy reflect the way this module reproduces."""
    version = getattr(dialect, "server_version_info", None) or (0,)
    return (
        dialect.name == "sqlite"
        and tuple(version) >= MIN_VERSION
        and hasattr(sa_util, "find_matching_paren")  # the dialect's CHECK reader
    )


def read_catalog(
    connection: sa.Connection, schema: str | None, table_names: Collection[str]
) -> Catalog:
    """The records of ``table_names`` for every reflection kind but the table comment
    (SQLite has none), keyed as ``Inspector.get_multi_*`` keys them."""
    dialect = connection.dialect
    quoted = dialect.identifier_preparer.quote_identifier(schema or "main")
    pragma_schema = schema or "main"
    tables: dict[str, str | None] = {}
    index_sql: dict[str, str | None] = {}
    master = connection.exec_driver_sql(
        f"SELECT type, name, sql FROM {quoted}.sqlite_master WHERE type IN ('table', 'index')"
    )
    for kind, name, sql in master:
        (tables if kind == "table" else index_sql)[name] = sql
    columns = _group(connection.exec_driver_sql(
        f"SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden "
        f"FROM {quoted}.sqlite_master AS m JOIN pragma_table_xinfo(m.name, ?) AS p "
        "WHERE m.type = 'table'", (pragma_schema,)))
    index_rows = _group(connection.exec_driver_sql(
        f"SELECT m.name, il.name, il.\"unique\", il.partial, ii.name "
        f"FROM {quoted}.sqlite_master AS m JOIN pragma_index_list(m.name, ?) AS il "
        "JOIN pragma_index_info(il.name, ?) AS ii WHERE m.type = 'table'",
        (pragma_schema, pragma_schema)))
    fk_rows = _group(connection.exec_driver_sql(
        f"SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\" "
        f"FROM {quoted}.sqlite_master AS m JOIN pragma_foreign_key_list(m.name, ?) AS f "
        "WHERE m.type = 'table'", (pragma_schema,)))

    reader = _Reader(dialect, schema, tables, index_sql, columns)
    catalog: Catalog = {kind: {} for kind in (
        "columns", "pk_constraint", "foreign_keys", "indexes", "unique_constraints",
        "check_constraints", "table_options")}
    for name in table_names:
        if name not in tables or name not in columns:
            continue
        key = (schema, name)
        sql = tables[name]
        try:
            catalog["columns"][key] = reader.columns(name)
        except _Unreadable:
            continue  # reflected one at a time, by the dialect
        catalog["pk_constraint"][key] = reader.pk_constraint(name)
        catalog["foreign_keys"][key] = reader.foreign_keys(name, fk_rows.get(name, []))
        indexes = index_rows.get(name, [])
        catalog["indexes"][key] = reader.indexes(name, indexes, auto=False)
        catalog["unique_constraints"][key] = _unique_constraints(
            sql, reader.indexes(name, indexes, auto=True))
        catalog["check_constraints"][key] = _check_constraints(sql)
        catalog["table_options"][key] = _table_options(sql)
    return catalog


def _group(rows: Iterable[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Rows by their first column (the table), each table's rows in the pragma's order."""
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(tuple(row[1:]))
    return grouped


class _Reader:
    """The per-table records of one schema, made from the rows read in bulk."""

    def __init__(self, dialect: Any, schema: str | None, tables: dict[str, str | None],
                 index_sql: dict[str, str | None],
                 columns: dict[str, list[tuple[Any, ...]]]) -> None:
        self.dialect = dialect
        self.schema = schema
        self.tables = tables
        self.index_sql = index_sql
        self.column_rows = columns
        self._columns: dict[str, list[dict[str, Any]]] = {}

    def columns(self, table: str) -> list[dict[str, Any]]:
        if table not in self._columns:
            self._columns[table] = self._read_columns(table)
        return self._columns[table]

    def _read_columns(self, table: str) -> list[dict[str, Any]]:
        records = []
        body: str | None = None
        for name, type_, notnull, default, primary_key, hidden in self.column_rows[table]:
            if hidden == 1:  # a virtual table's hidden column
                continue
            generated = bool(hidden)
            if generated and body is None:
                match = _TABLE_BODY.match((self.tables[table] or "").strip())
                if match is None:
                    raise _Unreadable(table)
                body = match.group(1).strip()
            records.append(self.dialect._get_column_info(
                name, type_.upper(), not notnull, default, primary_key, generated,
                hidden == 3, body))
        return records

    def pk_constraint(self, table: str) -> dict[str, Any]:
        sql = self.tables.get(table)
        found = _PK_NAME.search(sql) if sql else None
        name = (found.group(1) or found.group(2)) if found else None
        key_columns = sorted((c for c in self.columns(table) if c.get("primary_key", 0) > 0),
                             key=lambda c: c["primary_key"])
        if not key_columns:
            return {"constrained_columns": [], "name": None}
        return {"constrained_columns": [c["name"] for c in key_columns], "name": name}

    def foreign_keys(self, table: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        keys: dict[int, dict[str, Any]] = {}
        for number, referred, local, remote in rows:
            key = keys.get(number)
            if key is None:
                key = keys[number] = {
                    "name": None, "constrained_columns": [], "referred_schema": self.schema,
                    "referred_table": referred,
                    # No referred column: the key points at the referred table's primary key.
                    "referred_columns": [] if remote else self._primary_key_of(referred),
                    "options": {},
                }
            key["constrained_columns"].append(local)
            if remote:
                key["referred_columns"].append(remote)
        by_signature = {_fk_signature(k["constrained_columns"], k["referred_table"],
                                      k["referred_columns"]): k for k in keys.values()}
        named = []
        for name, local_columns, referred, remote_columns, options in _parsed_fks(
                self.tables.get(table)):
            signature = _fk_signature(local_columns, referred, remote_columns)
            if signature not in by_signature:
                sa_util.warn(
                    f"WARNING: SQL-parsed foreign key constraint '{signature}' could not be "
                    f"located in PRAGMA foreign_keys for table {table}")
                continue
            key = by_signature.pop(signature)
            key["name"] = name
            key["options"] = options
            named.append(key)
        return named + list(by_signature.values())

    def _primary_key_of(self, table: str) -> list[str]:
        if table not in self.tables or table not in self.column_rows:
            return []  # a key to a table that does not exist refers to nothing
        return list(self.pk_constraint(table)["constrained_columns"])

    def indexes(self, table: str, rows: list[tuple[Any, ...]], auto: bool) -> list[dict]:
        by_name: dict[str, dict[str, Any]] = {}
        expression: set[str] = set()
        for name, unique, partial, column in rows:
            if not auto and name.startswith("sqlite_autoindex"):
                continue
            index = by_name.get(name)
            if index is None:
                index = by_name[name] = {"name": name, "column_names": [], "unique": unique,
                                         "dialect_options": {}}
                if partial:
                    self._add_predicate(index)
            if column is None:
                expression.add(name)
            else:
                index["column_names"].append(column)
        for name in by_name:
            if name in expression:
                sa_util.warn(f"Skipped unsupported reflection of expression-based index {name}")
        indexes = [index for name, index in by_name.items() if name not in expression]
        indexes.sort(key=lambda index: index["name"] or "~")
        return indexes

    def _add_predicate(self, index: dict[str, Any]) -> None:
        found = _PARTIAL.search(self.index_sql.get(index["name"]) or "")
        if found is None:
            sa_util.warn(f"Failed to look up filter predicate of partial index {index['name']}")
        else:
            index["dialect_options"]["sqlite_where"] = sa.text(found.group(1))


class _Unreadable(Exception):
    """A table whose text this module does not read as the dialect would."""


def _fk_signature(local: list[str], referred: str, remote: list[str]) -> tuple[str, ...]:
    return (*local, referred, *remote)


def _column_names(text: str) -> list[str]:
    return [m.group(1) or m.group(2)
            for m in re.finditer(r'(?:"(.+?)")|([a-z0-9_]+)', text, re.I)]


def _parsed_fks(sql: str | None) -> Iterable[tuple[Any, list[str], str, list[str], dict]]:
    """Names and options of the FOREIGN KEY clauses of a ``CREATE TABLE`` text."""
    if sql is None or not _WORD_FOREIGN.search(sql):
        return
    for match in FK_PATTERN.finditer(sql):
        (quoted_name, name, local, referred_quoted, referred, remote, actions, deferrable,
         initially) = match.group(1, 2, 3, 4, 5, 6, 7, 8, 9)
        local_columns = _column_names(local)
        remote_columns = _column_names(remote) if remote else local_columns
        options: dict[str, Any] = {}
        for token in re.split(r" *\bON\b *", re.sub(r"\s+", " ", actions.upper()).strip()):
            if token.startswith("DELETE") and token[6:].strip() not in ("", "NO ACTION"):
                options["ondelete"] = token[6:].strip()
            elif token.startswith("UPDATE") and token[6:].strip() not in ("", "NO ACTION"):
                options["onupdate"] = token[6:].strip()
        if deferrable:
            options["deferrable"] = "NOT" not in deferrable.upper()
        if initially:
            options["initially"] = initially.upper()
        yield quoted_name or name, local_columns, referred_quoted or referred, remote_columns, \
            options


def _unique_constraints(sql: str | None, indexes: list[dict]) -> list[dict[str, Any]]:
    """UNIQUE clauses of the table's text that SQLite backs with an automatic index."""
    automatic = {tuple(index["column_names"]): index for index in indexes
                 if index["name"].startswith("sqlite_autoindex")}
    found: list[dict[str, Any]] = []
    # Only a clause that SQLite backs with an automatic index counts, and both patterns
    # need the word: the text is searched only when it can find something.
    if automatic and sql is not None and _WORD_UNIQUE.search(sql):
        clauses = [((m.group(1) or m.group(2)), _column_names(m.group(3)))
                   for m in _UNIQUE.finditer(sql)]
        clauses += [(None, _column_names(m.group(1) or m.group(2)))
                    for m in _INLINE_UNIQUE.finditer(sql)]
        for name, columns in clauses:
            if automatic.pop(tuple(columns), None) is not None:
                found.append({"name": name, "column_names": columns})
    return found


def _check_constraints(sql: str | None) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    text = sql or ""
    if not _WORD_CHECK.search(text):
        return checks
    for match in _CHECK.finditer(text):
        name = match.group(1)
        if name:
            name = _NAME_QUOTES.sub(lambda m: m.group(2) or m.group(3), name)
        close = sa_util.find_matching_paren(text, match.end() - 1)
        if close is not None:
            checks.append({"sqltext": text[match.end():close].strip(), "name": name})
    checks.sort(key=lambda check: check["name"] or "~")
    return checks


def _table_options(sql: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    found = TABLE_OPTIONS_PATTERN.search(sql.strip()) if sql is not None else None
    if found:
        if found.group("without_rowid"):
            options["sqlite_with_rowid"] = False
        if found.group("strict"):
            options["sqlite_strict"] = True
    return options
