"""MySQL/MariaDB: each table's ``SHOW CREATE TABLE`` text kept for the run, read once.

SQLAlchemy's MySQL dialect reflects a table by parsing its ``SHOW CREATE TABLE`` text, and
keeps only what its parser understood. Some facts it drops: a column-level CHECK written in
the column's line, the ``DESC`` of an index column, an expression default such as
``lcase('X')``, the comment of a column whose default literal holds a quote. Our comparators
read those from ``information_schema``, three queries that cost more than the rest of the
catalog reads on a large schema (``information_schema`` opens every table of the schema).

:func:`read_create_texts` runs the statements the dialect would run, one per table, keeps the
texts and hands each parse to the dialect's own per-table cache, where its reflection finds
it: the same statements, the same parser, the same records, and the text stays available.
The texts then tell when a catalog query can find nothing: no table says ``CHECK``, no index
says ``DESC``, no column has a default or comment that reflection lost. A query runs only
when a text says it might find something.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .run_state import run_state

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: ``DEFAULT`` followed by anything but ``NULL`` (MariaDB writes ``DEFAULT NULL`` for every
#: nullable column without a default).
_DEFAULT = re.compile(r"\sDEFAULT\s+(?!NULL\b)", re.IGNORECASE)
_COMMENT = re.compile(r"\sCOMMENT\s+'", re.IGNORECASE)
_CHECK = re.compile(r"\bCHECK\b", re.IGNORECASE)
_DESC = re.compile(r"\bDESC\b", re.IGNORECASE)
_COLUMN_LINE = re.compile(r"^  `((?:[^`]|``)+)` (.*)$", re.MULTILINE)


def supported(dialect: sa.Dialect) -> bool:
    """Whether this dialect reflects through the parser and cache this module feeds."""
    return (
        dialect.name in ("mysql", "mariadb")
        and all(hasattr(dialect, name)
                for name in ("_show_create_table", "_tabledef_parser", "_parsed_state_or_create",
                             "_connection_charset"))
        and hasattr(dialect.identifier_preparer, "_quote_free_identifiers")
    )


class _KeyFound(Exception):
    def __init__(self, key: Any) -> None:
        super().__init__()
        self.key = key


class _KeyProbe(dict[Any, Any]):
    """A reflection cache that stops the dialect at its first lookup and tells the key."""

    def get(self, key: Any, default: Any = None) -> Any:
        raise _KeyFound(key)


def _cache_key(connection: sa.Connection, table: str, schema: str | None) -> Any:
    """The key under which the dialect caches the parse of ``table``'s text, as the dialect
    makes it; None when it does not look in the cache first (nothing is read either way)."""
    dialect: Any = connection.dialect
    try:
        dialect._parsed_state_or_create(connection, table, schema, info_cache=_KeyProbe())
    except _KeyFound as found:
        return found.key
    except Exception:  # noqa: BLE001 - any other path: leave the dialect to itself
        return None
    return None


def read_create_texts(
    connection: sa.Connection, schema: str | None, table_names: Collection[str],
    info_cache: dict[Any, Any],
) -> dict[str, str] | None:
    """``{table: SHOW CREATE TABLE text}`` for ``table_names``, each parse handed to the
    dialect's cache. None when the dialect has reflected one of them already, or does not
    find what is handed to it (then one table is read twice, and the dialect reads every
    other table itself, as without this module)."""
    dialect: Any = connection.dialect
    keys = {name: _cache_key(connection, name, schema) for name in table_names}
    if any(key is None or key in info_cache for key in keys.values()):
        return None
    charset = dialect._connection_charset
    parser = dialect._tabledef_parser
    preparer = dialect.identifier_preparer
    texts: dict[str, str] = {}
    checked = False
    for name in table_names:
        # quoted as the dialect quotes it, so that the statement is the one it would run
        full_name = ".".join(preparer._quote_free_identifiers(schema, name))
        text = dialect._show_create_table(connection, None, charset, full_name=full_name)
        texts[name] = text
        if parser._check_view(text):
            continue  # a view: the dialect describes it another way
        state = parser.parse(text, charset)
        info_cache[keys[name]] = state
        if not checked:
            checked = True
            found = dialect._parsed_state_or_create(connection, name, schema,
                                                    info_cache=info_cache)
            if found is not state:
                return None
    return texts


# -- what the texts say, for one run ------------------------------------------------------------


class _SchemaTexts:
    """What one schema's texts say, each answer worked out once per run."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.words: dict[str, bool] = {}
        #: table -> (columns whose line gives a default, ... a comment, every column)
        self.columns: dict[str, tuple[set[str], set[str], set[str]]] = {}

    def say(self, word: re.Pattern[str]) -> bool:
        if word.pattern not in self.words:
            self.words[word.pattern] = any(word.search(text) for text in self.texts.values())
        return self.words[word.pattern]

    def column_facts(self, table: str) -> tuple[set[str], set[str], set[str]] | None:
        if table not in self.columns:
            if table not in self.texts:
                return None
            lines = column_lines(self.texts[table])
            self.columns[table] = (
                {name for name, line in lines.items() if _DEFAULT.search(line)},
                {name for name, line in lines.items() if _COMMENT.search(line)},
                set(lines),
            )
        return self.columns[table]


def keep_for_run(
    autogen_context: AutogenContext, schema: str | None, texts: dict[str, str] | None
) -> None:
    """Keep ``schema``'s texts (None: unknown) for the questions below, for this run."""
    run_state(autogen_context, __name__)[schema] = (
        _SchemaTexts(texts) if texts is not None else None)


def _said(autogen_context: AutogenContext, schema: str | None) -> _SchemaTexts | None:
    return run_state(autogen_context, __name__).get(schema)


def may_have_checks(autogen_context: AutogenContext, schema: str | None) -> bool:
    """Whether a table of ``schema`` might have a CHECK constraint."""
    said = _said(autogen_context, schema)
    return said is None or said.say(_CHECK)


def may_have_descending(autogen_context: AutogenContext, schema: str | None) -> bool:
    """Whether an index of ``schema`` might have a descending column."""
    said = _said(autogen_context, schema)
    return said is None or said.say(_DESC)


def may_have(
    autogen_context: AutogenContext, schema: str | None, table: str, column: str, fact: str
) -> bool:
    """Whether ``column``'s line gives it a ``fact`` ("default" or "comment") that is not
    ``DEFAULT NULL``; True when the line is unknown."""
    said = _said(autogen_context, schema)
    facts = said.column_facts(table) if said is not None else None
    if facts is None or column not in facts[2]:
        return True
    return column in facts[0 if fact == "default" else 1]


def column_lines(text: str) -> dict[str, str]:
    """``{column: the rest of its line}`` of a ``SHOW CREATE TABLE`` text."""
    return {match.group(1).replace("``", "`"): match.group(2)
            for match in _COLUMN_LINE.finditer(text)}
