"""A database's schema as plain facts, to prove that a migration step left nothing behind.

A downgrade is right when the schema after it equals the schema before the upgrade it
undoes: not only the tables and columns, but the index it forgot to drop, the enum type
that outlives its last column, the sequence of a dropped ``SERIAL``. :func:`take_snapshot`
reads every such object through SQLAlchemy's inspector (and PostgreSQL's catalog for enum
types) into :class:`Fact` records that compare with ``==``; :func:`describe_differences`
says in words what one snapshot has that the other has not.

Both snapshots must come from the same server: the facts are spelled as that server reports
them (``VARCHAR(100)``, ``nextval('author_id_seq'::regclass)``), not normalised across
dialects, because a schema differing in spelling from itself is already a difference.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Inspector

from ..sql.index_ddl import parse_create_index
from .enums import PG_ENUM_VALUES

#: The tables that belong to the migration tool, not to the schema being migrated.
DEFAULT_EXCLUDED_TABLES = frozenset({"alembic_version"})

Attributes = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, order=True)
class Fact:
    """One object of the schema: its kind, the table it belongs to, its name, its attributes.

    Unnamed objects (SQLite's unnamed UNIQUE or CHECK) are named by what they hold, so the
    same object read twice gives the same fact.
    """

    kind: str
    table: str
    name: str
    attributes: Attributes = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.table, self.name)

    def label(self) -> str:
        """How a reviewer names the object: ``index ix_post_title on post``."""
        if self.kind == "table":
            return f"table {self.name}"
        if self.kind == "column":
            return f"column {self.table}.{self.name}"
        if self.table:
            return f"{self.kind} {self.name} on {self.table}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Snapshot:
    """Every fact of one database's schema, by key; two snapshots compare with ``==``."""

    facts: Mapping[tuple[str, str, str], Fact]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and dict(self.facts) == dict(other.facts)

    def __hash__(self) -> int:
        return hash(frozenset(self.facts.items()))

    def tables(self) -> set[str]:
        return {fact.name for fact in self.facts.values() if fact.kind == "table"}


def _plain(value: Any) -> Any:
    """A reflected value as something hashable and comparable (dicts and lists flattened)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _plain(item)) for key, item in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(item) for item in value]
        unordered = isinstance(value, set | frozenset)
        return tuple(sorted(items, key=repr)) if unordered else tuple(items)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _attributes(**values: Any) -> Attributes:
    return tuple((key, _plain(value)) for key, value in values.items())


def _type_text(type_: Any, dialect: sa.Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except Exception:  # a reflected type this dialect cannot print: its repr still compares
        return repr(type_)


def _named(name: str | None, *what: Any) -> str:
    """A constraint's name, or for an unnamed one a name made of what it holds."""
    return name if name else f"(unnamed: {', '.join(str(part) for part in what)})"


def _call(inspector: Inspector, method: str, *args: Any, **kwargs: Any) -> list[Any]:
    """An inspector read the dialect may not implement (SQLite has no sequences)."""
    try:
        return list(getattr(inspector, method)(*args, **kwargs) or [])
    except NotImplementedError:
        return []


def _table_facts(inspector: Inspector, table: str, schema: str | None,
                 dialect: sa.Dialect) -> Iterator[Fact]:
    shown = f"{schema}.{table}" if schema else table
    comment = (_call_one(inspector, "get_table_comment", table, schema=schema) or {}).get("text")
    yield Fact("table", "", shown, _attributes(comment=comment))
    for column in inspector.get_columns(table, schema=schema):
        extras = {key: column[key] for key in ("computed", "identity", "comment")
                  if column.get(key) is not None}
        yield Fact("column", shown, column["name"], _attributes(
            type=_type_text(column["type"], dialect),
            nullable=column["nullable"],
            default=column.get("default"),
            **extras,
        ))
    primary_key = inspector.get_pk_constraint(table, schema=schema)
    if primary_key and primary_key.get("constrained_columns"):
        yield Fact("primary key", shown, _named(primary_key.get("name"), "primary key"),
                   _attributes(columns=primary_key["constrained_columns"]))
    for key in inspector.get_foreign_keys(table, schema=schema):
        referred = key["referred_table"]
        if key.get("referred_schema"):
            referred = f"{key['referred_schema']}.{referred}"
        yield Fact("foreign key", shown,
                   _named(key.get("name"), *key["constrained_columns"], "->", referred),
                   _attributes(columns=key["constrained_columns"], referred_table=referred,
                               referred_columns=key["referred_columns"],
                               options=key.get("options") or {}))
    if dialect.name == "sqlite":
        yield from _sqlite_index_facts(inspector.bind, table, shown)
    else:
        for index in inspector.get_indexes(table, schema=schema):
            elements = index.get("expressions") or index["column_names"]
            yield Fact("index", shown, _named(index.get("name"), *elements), _attributes(
                elements=elements,
                unique=bool(index.get("unique")),
                sorting=index.get("column_sorting") or {},
                options=index.get("dialect_options") or {},
            ))
    for unique in _call(inspector, "get_unique_constraints", table, schema=schema):
        yield Fact("unique constraint", shown,
                   _named(unique.get("name"), *unique["column_names"]),
                   _attributes(columns=unique["column_names"]))
    for check in _call(inspector, "get_check_constraints", table, schema=schema):
        yield Fact("check constraint", shown, _named(check.get("name"), check["sqltext"]),
                   _attributes(sql=check["sqltext"]))


SQLITE_INDEXES = sa.text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
    "AND sql IS NOT NULL ORDER BY name"
)


def _sqlite_index_facts(connection: Any, table: str, shown: str) -> Iterator[Fact]:
    """SQLite's indexes from their stored DDL: its reflection skips expression indexes and
    leaves out sort order and ``WHERE``. The automatic indexes of UNIQUE and PRIMARY KEY
    (no DDL) are the constraints' own facts."""
    for name, sql in connection.execute(SQLITE_INDEXES, {"table": table}):
        parsed = parse_create_index(sql)
        if parsed is None:
            yield Fact("index", shown, name, _attributes(sql=sql))
            continue
        yield Fact("index", shown, name, _attributes(
            elements=[element.text for element in parsed.elements],
            unique=parsed.unique,
            sorting=[element.descending for element in parsed.elements],
            where=parsed.where,
        ))


def _call_one(inspector: Inspector, method: str, *args: Any, **kwargs: Any) -> Any:
    try:
        return getattr(inspector, method)(*args, **kwargs)
    except NotImplementedError:
        return None


def _pg_enum_facts(connection: Connection) -> Iterator[Fact]:
    labels: dict[tuple[str, str], list[str]] = {}
    for row in connection.execute(PG_ENUM_VALUES):
        labels.setdefault((row.type_schema, row.type_name), []).append(row.label)
    default_schema = connection.dialect.default_schema_name
    for (schema, name), values in sorted(labels.items()):
        shown = name if schema == default_schema else f"{schema}.{name}"
        yield Fact("enum type", "", shown, _attributes(values=values))


def take_snapshot(
    connection: Connection,
    *,
    schemas: Iterable[str | None] = (None,),
    exclude_tables: Iterable[str] = DEFAULT_EXCLUDED_TABLES,
) -> Snapshot:
    """Read the schema of the database ``connection`` is on (its default schema, and any
    other ``schemas`` named): tables, columns (type, nullability, default, computed,
    identity, comment), primary and foreign keys, indexes (expressions and partial
    conditions where the dialect reflects them), unique and check constraints, views,
    sequences and, on PostgreSQL, enum types.
    """
    with warnings.catch_warnings():
        # The SQLite indexes SQLAlchemy cannot reflect are read from their DDL here.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based",
                                sa.exc.SAWarning)
        return _read_snapshot(connection, schemas, set(exclude_tables))


def _read_snapshot(connection: Connection, schemas: Iterable[str | None],
                   excluded: set[str]) -> Snapshot:
    inspector = sa.inspect(connection)
    dialect = connection.dialect
    facts: list[Fact] = []
    for schema in schemas:
        prefix = f"{schema}." if schema else ""
        for table in inspector.get_table_names(schema=schema):
            if table in excluded:
                continue
            facts.extend(_table_facts(inspector, table, schema, dialect))
        for view in _call(inspector, "get_view_names", schema=schema):
            definition = _call_one(inspector, "get_view_definition", view, schema=schema)
            facts.append(Fact("view", "", prefix + view, _attributes(definition=definition)))
        for sequence in _call(inspector, "get_sequence_names", schema=schema):
            facts.append(Fact("sequence", "", prefix + sequence))
    if dialect.name == "postgresql":
        facts.extend(_pg_enum_facts(connection))
    return Snapshot({fact.key: fact for fact in facts})


def _changed_attributes(expected: Fact, actual: Fact) -> list[str]:
    before, after = dict(expected.attributes), dict(actual.attributes)
    return [f"{key} {before.get(key)!r} -> {after.get(key)!r}"
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def describe_differences(expected: Snapshot, actual: Snapshot) -> list[str]:
    """What ``actual`` has that ``expected`` has not, and the reverse, one line each.

    ``extra index ix_post_title on post`` (left behind), ``missing column author.name``
    (taken away), ``column author.name: nullable False -> True`` (changed). Objects of a table
    that is itself extra or missing are not listed again.
    """
    extra_tables = actual.tables() - expected.tables()
    missing_tables = expected.tables() - actual.tables()
    lines: list[str] = []
    for key in sorted(set(expected.facts) | set(actual.facts)):
        before, after = expected.facts.get(key), actual.facts.get(key)
        if before == after:
            continue
        if before is None and after is not None:
            if after.table not in extra_tables:
                lines.append(f"extra {after.label()}")
        elif after is None and before is not None:
            if before.table not in missing_tables:
                lines.append(f"missing {before.label()}")
        elif before is not None and after is not None:
            lines.append(f"{before.label()}: {'; '.join(_changed_attributes(before, after))}")
    return lines
