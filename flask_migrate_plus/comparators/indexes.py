"""Comparator plugin ``flask_migrate_plus.indexes``: the index details Alembic does not see.

Alembic's own index comparison (``"table"``/``"indexes"``) compares uniqueness and column
names (PostgreSQL: also expressions). It misses:

- SQLite expression indexes (skipped with a warning), and DESC columns on SQLite and MariaDB;
- partial-index predicates (``postgresql_where``, ``sqlite_where``), plain <-> partial;
- PostgreSQL ``postgresql_using``, ``postgresql_include``, ``postgresql_ops``,
  ``postgresql_with``; MariaDB ``mysql_length`` and ``mysql_prefix`` (FULLTEXT, SPATIAL).

This plugin runs after Alembic (priority LAST) and completes its work rather than replacing
it, because that comparator also handles unique constraints. For each index Alembic left
alone, both sides become a signature (a dict of normalised aspects, see ``signature``) that
is compared with ``!=``; a difference is a drop + create. Most indexes are only columns: for
those, uniqueness and column names say everything (``plain_shape``), read straight from the
reflection records without building index objects, which costs time on large schemas.
Indexes Alembic cannot reflect (SQLite expression indexes) are added and dropped here.
Expressions and predicates are compared through ``sql.expressions.normalize_sql``, like CHECKs.
An element is compared by what it names, not by how the model spells it: a bound column,
``sa.column("x")`` and ``text("x")`` are all column x, and a sort order or (PostgreSQL) an
operator class written inside ``text()`` (``text("x DESC")``, ``text("doc jsonb_path_ops")``)
is read as the database reports it. Alembic's own comparison reads only bound columns; when
it calls such an index changed and the signatures are equal, its drop + create is withdrawn.
Alembic's own ``drop_index`` ops get the fully reflected index, so their downgrade recreates
it with all its options.

What the database has comes from what Alembic already reflected, plus one catalog query per
run and schema where that is not enough: SQLite's ``sqlite_master`` (the DDL text of every
index) and MariaDB's ``information_schema.STATISTICS`` (column sort order).

MariaDB's implicit foreign-key indexes: MariaDB creates an index for each FK (named like the
FK, or like its first column when the FK has no name) and keeps it when the FK is dropped;
Alembic hides it while the FK exists and proposes ``drop_index`` on every later run. Rule
here: when this run drops an FK, a non-unique index that the model does not declare, whose
columns are exactly the FK's columns and whose name is the FK's name or its first column's
name, belongs to that FK and is dropped with it (right after it, before anything the run
creates; the downgrade recreates it before the FK). An index the model declares, or that an
FK kept or added on the same columns still needs, is kept.

Alembic and SQLAlchemy warn about the indexes they cannot compare (SQLite expression indexes;
PostgreSQL operator classes inside an expression's text). This plugin compares them, so while
it is on, those warnings are filtered for the length of the run, for the indexes it reads
(``schema.run_warnings``); with the plugin off they show as before.

On SQLite, the indexes a batch rebuild would lose are noted for the rewrite pass that keeps
them through the rebuild (``rewrite.sqlite_rebuilds``). There are no option keys: disable
the whole plugin with ``~flask_migrate_plus.indexes`` in ``autogenerate_plugins``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression, conv

from ..ops import register_renderers
from ..rewrite import install
from ..schema import mysql_catalog
from ..schema.batch import REBUILD_LOSSES, batch_cannot_rebuild
from ..schema.names import model_name, stored_name
from ..schema.reflection import reflected_index_records
from ..schema.run_state import once_per_run, run_state
from ..schema.run_warnings import quiet_during_comparison
from ..sql.expressions import normalize_sql
from ..sql.index_ddl import CreateIndexText, parse_create_index

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import ModifyTableOps
    from sqlalchemy.engine import Dialect

log = logging.getLogger("alembic.autogenerate.compare")

MYSQL_FAMILY = ("mysql", "mariadb")

#: Sort modifiers as SQLAlchemy spells them on an index element.
SORT_MODIFIERS = {
    operators.desc_op: "desc",
    operators.asc_op: "asc",
    operators.nulls_first_op: "nulls_first",
    operators.nulls_last_op: "nulls_last",
}

#: Sort names in reflected records (SQLAlchemy 1.3 spelled two of them without "_").
SORTING_NAMES = {"nullsfirst": "nulls_first", "nullslast": "nulls_last"}

#: Where NULLs sort when the DDL does not say, by dialect and direction (PostgreSQL only
#: lets you choose; elsewhere the aspect does not exist).
NULLS_DEFAULT = {"postgresql": {False: "last", True: "first"}}

#: Column types MariaDB indexes only by a prefix (it picks one when the model gives none).
PREFIX_ONLY_TYPES = (sa.Text, sa.LargeBinary)

#: The access method PostgreSQL uses when ``postgresql_using`` is not given.
PG_DEFAULT_USING = "btree"


# -- dialect options, normalised -------------------------------------------------------------


def _option(index: sa.Index, dialect: Dialect, key: str) -> Any:
    """``<dialect>_<key>`` of ``index``: what SQLAlchemy's DDL uses on this dialect.

    Only the dialect's own prefix counts: under a ``mariadb://`` URL SQLAlchemy creates the
    index without its ``mysql_*`` options, so the database has none of them either.
    """
    return index.dialect_kwargs.get(f"{dialect.name}_{key}")


def _compile(element: Any, dialect: Dialect) -> str:
    if isinstance(element, str):
        return element
    compiled = element.compile(
        dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
    )
    return str(compiled)


def _names(items: Any) -> tuple[str, ...]:
    return tuple(str(getattr(item, "name", item)).lower() for item in items or ())


def _where(index: sa.Index, dialect: Dialect) -> Any:
    predicate = _option(index, dialect, "where")
    return None if predicate is None else normalize_sql(_compile(predicate, dialect), dialect.name)


def _pg_using(index: sa.Index, dialect: Dialect) -> str:
    return str(_option(index, dialect, "using") or PG_DEFAULT_USING).lower()


def _pg_include(index: sa.Index, dialect: Dialect) -> tuple[str, ...]:
    return _names(_option(index, dialect, "include"))


def _pg_ops(index: sa.Index, dialect: Dialect) -> tuple[str | None, ...]:
    """The operator class of each element, by position: the model keys ``postgresql_ops``
    by column name or expression label, reflection by column name or expression text; or
    the model writes it inside the element's ``text()`` (``text("doc jsonb_path_ops")``)."""
    ops = {
        str(k).lower(): str(v).lower() for k, v in (_option(index, dialect, "ops") or {}).items()
    }
    classes = []
    for element in index.expressions:
        base, _ = _unwrap_sorting(element)
        keys = (getattr(base, attr, None) for attr in ("name", "key", "text"))
        found = [
            ops[str(key).lower()] for key in keys if key is not None and str(key).lower() in ops
        ]
        classes.append(found[0] if found else _element_parts(element, dialect).opclass)
    return tuple(classes)


def _pg_nulls_not_distinct(index: sa.Index, dialect: Dialect) -> bool:
    # reflection reports only the positive case, as True
    return bool(_option(index, dialect, "nulls_not_distinct"))


def _pg_with(index: sa.Index, dialect: Dialect) -> tuple[tuple[str, str], ...]:
    # PostgreSQL hands back storage parameters as strings ('70'); models often give ints.
    params = _option(index, dialect, "with") or {}
    return tuple(sorted((str(k).lower(), str(v).lower()) for k, v in params.items()))


def _mysql_length(index: sa.Index, dialect: Dialect) -> tuple[tuple[str, int], ...]:
    # An int applies to every column of the index; a dict names the columns it applies to.
    # A prefix as long as the column is the whole column: MariaDB stores no prefix then.
    length = _option(index, dialect, "length")
    if length is None:
        return ()
    if isinstance(length, int):
        length = {column.name: length for column in index.columns}
    whole = {c.name.lower(): getattr(c.type, "length", None) or 0 for c in index.columns}
    prefixes = {str(k).lower(): int(v) for k, v in length.items()}
    return tuple(sorted((k, v) for k, v in prefixes.items() if not 0 < whole.get(k, 0) <= v))


def _mysql_prefix(index: sa.Index, dialect: Dialect) -> str | None:
    prefix = _option(index, dialect, "prefix")
    return str(prefix).upper() if prefix else None


OptionReader = Callable[[sa.Index, "Dialect"], Any]

#: The dialect options that make two indexes different, per dialect.
DIALECT_OPTIONS: dict[str, dict[str, OptionReader]] = {
    "postgresql": {
        "where": _where,
        "using": _pg_using,
        "include": _pg_include,
        "ops": _pg_ops,
        "with": _pg_with,
        "nulls_not_distinct": _pg_nulls_not_distinct,
    },
    "sqlite": {"where": _where},
    "mysql": {"length": _mysql_length, "prefix": _mysql_prefix},
    "mariadb": {"length": _mysql_length, "prefix": _mysql_prefix},
}


# -- the signature ---------------------------------------------------------------------------


def _unwrap_sorting(element: Any) -> tuple[Any, set[str]]:
    """The element without its ASC/DESC/NULLS modifiers, and those modifiers."""
    modifiers: set[str] = set()
    while isinstance(element, UnaryExpression) and element.modifier in SORT_MODIFIERS:
        modifiers.add(SORT_MODIFIERS[element.modifier])
        element = element.element
    return element, modifiers


#: The last word of an index element's text and what stands before it, when that is the end
#: of an operand (a name, a quoted name, a closing bracket): where sort order and operator
#: class are written (``expr [opclass] [ASC | DESC] [NULLS {FIRST | LAST}]``).
_LAST_WORD = re.compile(r"^(?P<head>.*?[\w\"`\])])\s+(?P<word>[A-Za-z_][\w$]*)\s*$", re.DOTALL)

#: The bare word a text ends with, if it ends with one.
_TRAILING_NAME = re.compile(r"([A-Za-z_][\w$]*)\s*$")

#: Words that end an expression or follow a keyword: never an operator class.
_NOT_OPCLASS = frozenset({
    "and", "or", "not", "is", "in", "like", "ilike", "between", "case", "when", "then", "else",
    "end", "null", "true", "false", "collate", "distinct", "from", "at", "zone", "as",
})

#: Dialects whose index elements may name an operator class.
OPCLASS_DIALECTS = frozenset({"postgresql"})


class ElementParts(NamedTuple):
    """An index element taken apart: its expression (a column by its name, normalised), its
    sort order, and the operator class written inside its ``text()``, if any."""

    text: str
    descending: bool
    nulls: str | None  # "first" / "last" when written, else None
    opclass: str | None


def _last_word(text: str) -> tuple[str, str] | None:
    match = _LAST_WORD.match(text)
    return (match.group("head"), match.group("word").lower()) if match else None


def _written_order(text: str, dialect: Dialect) -> tuple[str, bool, str | None, str | None]:
    """Sort order and operator class written at the end of an element's SQL text, and the
    text before them: ``text("x DESC")`` is column x descending, as PostgreSQL and MariaDB
    report it (``column_sorting``, ``postgresql_ops``)."""
    descending, nulls, opclass = False, None, None
    found = _last_word(text)
    if found and found[1] in ("first", "last"):
        before = _last_word(found[0])
        if before and before[1] == "nulls":
            text, nulls = before[0], found[1]
            found = _last_word(text)
    if found and found[1] in ("asc", "desc"):
        text, descending = found[0], found[1] == "desc"
        found = _last_word(text)
    if found and dialect.name in OPCLASS_DIALECTS and found[1] not in _NOT_OPCLASS:
        preceding = _TRAILING_NAME.search(found[0])  # "x IS NULL", "x COLLATE c": no class
        if preceding is None or preceding.group(1).lower() not in _NOT_OPCLASS:
            text, opclass = found
    return text, descending, nulls, opclass


def _element_parts(element: Any, dialect: Dialect) -> ElementParts:
    """``element`` taken apart; sort order from SQLAlchemy's modifiers or from its text."""
    base, modifiers = _unwrap_sorting(element)
    if isinstance(base, sa.Column):  # a plain column needs no compiling: its name says it
        return ElementParts(
            base.name.lower(), "desc" in modifiers, _written_nulls(modifiers), None
        )
    text, descending, nulls, opclass = _written_order(_compile(base, dialect), dialect)
    return ElementParts(
        normalize_sql(text, dialect.name),
        descending or "desc" in modifiers,
        _written_nulls(modifiers) or nulls,
        opclass,
    )


def _written_nulls(modifiers: set[str]) -> str | None:
    if "nulls_first" in modifiers or "nulls_last" in modifiers:
        return "first" if "nulls_first" in modifiers else "last"
    return None


def _element_signature(element: Any, dialect: Dialect) -> tuple[Any, ...]:
    """(expression, descending, where NULLs sort): a bound column, ``sa.column("x")`` and
    ``text("x")`` are all column x."""
    parts = _element_parts(element, dialect)
    defaults = NULLS_DEFAULT.get(dialect.name)
    nulls = None
    if defaults is not None:
        nulls = parts.nulls or defaults[parts.descending]
    return (parts.text, parts.descending, nulls)


def signature(index: sa.Index, dialect: Dialect) -> dict[str, Any]:
    """What makes ``index`` the index it is on ``dialect``, each aspect normalised."""
    aspects: dict[str, Any] = {
        "unique": bool(index.unique),
        "elements": tuple(_element_signature(e, dialect) for e in index.expressions),
    }
    for aspect, read in DIALECT_OPTIONS.get(dialect.name, {}).items():
        aspects[aspect] = read(index, dialect)
    return aspects


def _server_chosen_prefixes(
    reflected: dict[str, Any], model: sa.Index, dialect: Dialect
) -> dict[str, Any]:
    """MariaDB gives a TEXT/BLOB column in an index the longest prefix it can when the model
    names none (768 characters of utf8mb4 TEXT, 3072 bytes of BLOB): not a difference."""
    given = {column for column, _ in _mysql_length(model, dialect)}
    chosen = {
        column.name.lower()
        for column in model.columns
        if isinstance(getattr(column.type, "impl", column.type), PREFIX_ONLY_TYPES)
    } - given
    lengths = tuple((k, v) for k, v in reflected["length"] if k not in chosen)
    return {**reflected, "length": lengths}


Adjustment = Callable[[dict[str, Any], sa.Index, "Dialect"], dict[str, Any]]

#: Per dialect, how the reflected signature is read in the light of the model index: for
#: what the server decides by itself when the model leaves it open.
REFLECTED_ADJUSTMENTS: dict[str, list[Adjustment]] = {
    "mysql": [_server_chosen_prefixes],
    "mariadb": [_server_chosen_prefixes],
}


def compared_signatures(
    reflected: sa.Index, model: sa.Index, dialect: Dialect
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The two signatures to compare with ``!=``: reflected (adjusted) and model."""
    old = signature(reflected, dialect)
    for adjust in REFLECTED_ADJUSTMENTS.get(dialect.name, []):
        old = adjust(old, model, dialect)
    return old, signature(model, dialect)


def describe_difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    return ", ".join(f"{k} {old[k]!r} to {new[k]!r}" for k in old if old[k] != new[k])


# -- what the database has -------------------------------------------------------------------


def _sqlite_index_ddl(autogen_context: AutogenContext, schema: str | None) -> dict[str, Any]:
    """``{table: {index: CREATE INDEX text}}`` from one ``sqlite_master`` read."""

    def read() -> dict[str, dict[str, str]]:
        master = f'"{schema}".sqlite_master' if schema else "sqlite_master"
        rows = autogen_context.connection.exec_driver_sql(  # type: ignore[union-attr]
            f"SELECT tbl_name, name, sql FROM {master} WHERE type = 'index' AND sql IS NOT NULL"
        )
        found: dict[str, dict[str, str]] = {}
        for table, name, sql in rows:
            found.setdefault(table, {})[name] = sql
        return found

    return once_per_run(autogen_context, __name__, ("sqlite_master", schema), read)


def _mysql_descending(autogen_context: AutogenContext, schema: str | None) -> dict[Any, Any]:
    """``{(table, index): {column, ...}}``: the DESC columns, from one STATISTICS read."""
    if not mysql_catalog.may_have_descending(autogen_context, schema):
        return {}  # no table's text says DESC

    def read() -> dict[tuple[str, str], set[str]]:
        rows = autogen_context.connection.execute(  # type: ignore[union-attr]
            sa.text(
                "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = COALESCE(:schema, DATABASE()) AND COLLATION = 'D'"
            ),
            {"schema": schema},
        )
        found: dict[tuple[str, str], set[str]] = {}
        for table, name, column in rows:
            found.setdefault((table, name), set()).add(column)
        return found

    return once_per_run(autogen_context, __name__, ("statistics", schema), read)


def rebuild_losses(autogen_context: AutogenContext) -> dict[Any, dict[str, sa.Index]]:
    """``{(schema, table): {name: index}}``: the SQLite indexes a batch rebuild would lose,
    noted by ``compare_indexes`` for the ``keep_indexes_through_rebuilds`` pass."""
    return run_state(autogen_context, REBUILD_LOSSES).setdefault("tables", {})


def _alembic_index_records(
    autogen_context: AutogenContext, schema: str | None, tname: str
) -> list[Any]:
    """The index records Alembic compared (its batch reflection, cached: no query here).

    Records that duplicate a unique constraint (PostgreSQL) are left out, as Alembic and
    SQLAlchemy do: they belong to the constraint.
    """
    records = reflected_index_records(autogen_context, tname, schema)
    return [r for r in records if not r.get("duplicates_constraint") and r["name"]]


def _sorted(
    element: Any, descending: bool, modifiers: frozenset[str] | set[str] = frozenset()
) -> Any:
    if descending or "desc" in modifiers:
        element = sa.desc(element)
    elif "asc" in modifiers:
        element = sa.asc(element)
    if "nulls_first" in modifiers:
        element = sa.nulls_first(element)
    if "nulls_last" in modifiers:
        element = sa.nulls_last(element)
    return element


def _given(value: Any) -> bool:
    """Whether a reflected dialect option says anything (reflection fills in empty ones)."""
    return value is not None and not (isinstance(value, (list, dict)) and not value)


def _from_record(record: Any, table: sa.Table, descending: set[str]) -> sa.Index:
    """A reflected index record (``Inspector.get_indexes``) as an Index on ``table``.

    Predicates become SQL text so that they render and run; ``descending`` adds the DESC
    columns the record does not carry (MariaDB).
    """
    sorting = record.get("column_sorting") or {}
    expressions = record.get("expressions") or []
    elements = []
    for position, column in enumerate(record["column_names"]):
        key = column if column is not None else expressions[position]
        base = table.c[column] if column is not None else sa.text(key)
        modifiers = {SORTING_NAMES.get(m, m) for m in sorting.get(key, ())}
        elements.append(_sorted(base, key in descending, modifiers))
    kwargs = {}
    for option, value in (record.get("dialect_options") or {}).items():
        if option.endswith("_where") and isinstance(value, str):
            value = sa.text(value)
        if _given(value):
            kwargs[option] = value
    return sa.Index(
        record["name"], *elements, unique=bool(record["unique"]), _table=table, **kwargs
    )


def _from_ddl(name: str, parsed: CreateIndexText, table: sa.Table) -> sa.Index:
    columns = {c.name.lower(): c for c in table.c}
    elements = []
    for element in parsed.elements:
        column = columns.get(element.column.lower()) if element.column else None
        base = column if column is not None else sa.text(element.text)
        elements.append(_sorted(base, element.descending))
    kwargs: dict[str, Any] = {"sqlite_where": sa.text(parsed.where)} if parsed.where else {}
    # conv(): a database name, never to be run through a naming convention (rendered op.f()).
    return sa.Index(conv(name), *elements, unique=parsed.unique, _table=table, **kwargs)


_IDENTIFIER = r"""(?:[\w$]+|"[^"]*"|`[^`]*`|\[[^\]]*\])"""

#: SQLite DDL of an index on bare columns only: Alembic's record of it says all there is.
SQLITE_COLUMNS_ONLY = re.compile(
    rf"\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?{_IDENTIFIER}\s+ON\s+"
    rf"{_IDENTIFIER}\s*\(\s*{_IDENTIFIER}(?:\s*,\s*{_IDENTIFIER})*\s*\)\s*;?\s*$",
    re.IGNORECASE,
)

#: An index that is nothing but its uniqueness and plain columns (lower-cased names): most
#: indexes. Two such indexes differ exactly when these differ, so neither needs a signature.
PlainShape = tuple[bool, tuple[str, ...]]


def plain_shape(index: sa.Index, dialect: Dialect) -> PlainShape | None:
    """The plain shape of a model index, or None when it has expressions, sort order or an
    option of this dialect."""
    columns = [element for element in index.expressions if isinstance(element, sa.Column)]
    if len(columns) != len(index.expressions):
        return None
    prefix = f"{dialect.name}_"
    given = index.dialect_kwargs
    if given and any(key.startswith(prefix) for key in given):  # len() first: it is cheap
        return None
    return bool(index.unique), tuple(column.name.lower() for column in columns)


class ReflectedIndexes:
    """The indexes of one table in the database, by name.

    Kept as reflection returned them; an ``sa.Index`` (costly to build, and most of a large
    schema's indexes never need one) is built only for an index that is compared in full,
    dropped or handed to a filter.
    """

    def __init__(
        self,
        table: sa.Table,
        records: dict[str, Any],
        parsed: dict[str, CreateIndexText],
        descending: dict[str, set[str]],
    ) -> None:
        self.table = table
        self._records = records
        self._parsed = parsed
        self._descending = descending
        self._built: dict[str, sa.Index] = {}
        self._column_names: set[str] | None = None

    def names(self) -> set[str]:
        return self._records.keys() | self._parsed.keys()

    def plain_shape(self, name: str) -> PlainShape | None:
        """As ``plain_shape`` for a model index, read from the reflected record or DDL."""
        parsed = self._parsed.get(name)
        if parsed is not None:
            if self._column_names is None:
                # str.lower: quoted_name.lower() would memoize itself on every reflected
                # column, objects that outlive the run's young garbage collections
                self._column_names = {str.lower(column.name) for column in self.table.c}
            if parsed.where or any(
                e.descending or not e.column or e.column.lower() not in self._column_names
                for e in parsed.elements
            ):
                return None
            return bool(parsed.unique), tuple(str(e.column).lower() for e in parsed.elements)
        record = self._records[name]
        if (
            None in record["column_names"]
            or record.get("column_sorting")
            or self._descending.get(name)
            or any(_given(v) for v in (record.get("dialect_options") or {}).values())
        ):
            return None
        return bool(record["unique"]), tuple(str(c).lower() for c in record["column_names"])

    def index(self, name: str) -> sa.Index:
        """The reflected index as an ``sa.Index`` with all its options."""
        if name not in self._built:
            parsed = self._parsed.get(name)
            if parsed is not None:
                built = _from_ddl(name, parsed, self.table)
            else:
                built = _from_record(
                    self._records[name], self.table, self._descending.get(name, set())
                )
            # Built on the table (no copy: schema objects are costly), but kept out of its
            # ``indexes``, which Alembic filled from the same records and later comparators
            # read.
            self.table.indexes.discard(built)
            self._built[name] = built
        return self._built[name]


def reflected_indexes(
    autogen_context: AutogenContext, schema: str | None, conn_table: sa.Table
) -> ReflectedIndexes:
    """Every index of ``conn_table`` in the database, with all its options."""
    dialect = autogen_context.dialect.name
    records = {
        str(r["name"]): r for r in _alembic_index_records(autogen_context, schema, conn_table.name)
    }
    parsed: dict[str, CreateIndexText] = {}
    if dialect == "sqlite":  # the stored DDL says everything, expressions and DESC included
        stored = _sqlite_index_ddl(autogen_context, schema).get(conn_table.name, {})
        parsed = {
            name: found
            for name, sql in stored.items()
            if not (name in records and SQLITE_COLUMNS_ONLY.match(sql))
            and (found := parse_create_index(sql)) is not None
        }
    descending: dict[str, set[str]] = {}
    if dialect in MYSQL_FAMILY and records:
        by_table = _mysql_descending(autogen_context, schema)
        descending = {name: by_table[(conn_table.name, name)]
                      for name in records if (conn_table.name, name) in by_table}
    return ReflectedIndexes(conn_table, records, parsed, descending)


# -- the comparators -------------------------------------------------------------------------


def _model_name(index: sa.Index, autogen_context: AutogenContext) -> str | None:
    return model_name(index, autogen_context.dialect)


def _names_with_ops(
    modify_ops: ModifyTableOps, dialect: Dialect, constraints: bool = True
) -> set[str]:
    """Index (and constraint) names Alembic or another plugin already emitted ops for, as
    the server stores them (Alembic's ops carry a model's long name uncut)."""
    names = set()
    for op in modify_ops.ops:
        name = stored_name(getattr(op, "index_name", None), dialect, "index")
        if name is None and constraints:
            name = stored_name(getattr(op, "constraint_name", None), dialect)
        if name is not None:
            names.add(str(name))
    return names


def _enrich_drops(modify_ops: ModifyTableOps, reflected: ReflectedIndexes) -> None:
    """Give Alembic's ``drop_index`` ops the fully reflected index, for the downgrade."""
    from alembic.operations import ops

    names = reflected.names()
    for position, op in enumerate(modify_ops.ops):
        if isinstance(op, ops.DropIndexOp) and str(op.index_name) in names:
            modify_ops.ops[position] = ops.DropIndexOp.from_index(
                reflected.index(str(op.index_name))
            )


def _changed(
    name: str, model: sa.Index, reflected: ReflectedIndexes, dialect: Dialect
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The two signatures when the model index differs from the reflected one, else None."""
    model_plain = plain_shape(model, dialect)
    if model_plain is not None and model_plain == reflected.plain_shape(name):
        return None  # both plain and alike (both plain and unlike: the signatures say how)
    old_sig, new_sig = compared_signatures(reflected.index(name), model, dialect)
    return (old_sig, new_sig) if old_sig != new_sig else None


def _withdraw_unchanged(
    modify_ops: ModifyTableOps,
    tname: str,
    model: dict[str, sa.Index],
    reflected: ReflectedIndexes,
    dialect: Dialect,
) -> set[str]:
    """Take back Alembic's drop + create of an index whose signatures are equal; its names.

    Alembic compares the columns an index binds: ``sa.column("x")``, ``sa.desc("x")`` and
    ``text("x DESC")`` bind none, so to it they differ from the column x the database
    reports, and the unchanged index would be dropped and created again on every run.
    """
    from alembic.operations import ops

    drops = {str(op.index_name): op for op in modify_ops.ops if isinstance(op, ops.DropIndexOp)}
    creates = {
        str(op.index_name): op for op in modify_ops.ops if isinstance(op, ops.CreateIndexOp)
    }
    # A column dropped and added again (a changed generated column) takes its indexes with it:
    # their drop + create is needed even when the index itself did not change.
    dropped = {str(op.column_name) for op in modify_ops.ops if isinstance(op, ops.DropColumnOp)}
    withdrawn = set()
    for name in sorted(drops.keys() & creates.keys() & model.keys() & reflected.names()):
        if dropped & {column.name for column in model[name].columns}:
            continue
        if _changed(name, model[name], reflected, dialect) is None:
            modify_ops.ops.remove(drops[name])
            modify_ops.ops.remove(creates[name])
            withdrawn.add(name)
            log.info("Index %r on %r is unchanged: its elements name the same columns",
                     name, tname)
    return withdrawn


def compare_indexes(
    autogen_context: AutogenContext,
    modify_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """Find the index changes Alembic's comparison missed, for one table."""
    from alembic.operations import ops

    dialect = autogen_context.dialect
    parents: Any = {"table_name": tname, "schema_name": schema}
    reflected: ReflectedIndexes | None = None
    in_database: set[str] = set()
    known_to_alembic: set[str] = set()
    if conn_table is not None:
        reflected = reflected_indexes(autogen_context, schema, conn_table)
        in_database = {
            name
            for name in reflected.names()
            if autogen_context.run_name_filters(name, "index", parents)
        }
        known_to_alembic = {
            str(r["name"]) for r in _alembic_index_records(autogen_context, schema, tname)
        }
        known_to_alembic |= {str(c.name) for c in conn_table.constraints if c.name}
        _enrich_drops(modify_ops, reflected)
        if dialect.name == "sqlite":  # for the rebuild pass: what a table rebuild would lose
            rebuild_losses(autogen_context)[(schema, tname)] = {
                name: reflected.index(name)
                for name in in_database
                if reflected.plain_shape(name) is None
                and batch_cannot_rebuild(reflected.index(name))
            }
    model: dict[str, sa.Index] = {}
    if metadata_table is not None:
        for index in metadata_table.indexes:
            name = _model_name(index, autogen_context)
            if name is not None:
                model[name] = index
    withdrawn = set()
    if reflected is not None and model:
        withdrawn = _withdraw_unchanged(modify_ops, tname, model, reflected, dialect)
    handled = _names_with_ops(modify_ops, dialect) | withdrawn

    for name in sorted(model.keys() & in_database - handled):
        assert reflected is not None
        new = model[name]
        changed = _changed(name, new, reflected, dialect)
        if changed is not None and autogen_context.run_object_filters(
            new, name, "index", False, reflected.index(name)
        ):
            modify_ops.ops.append(ops.DropIndexOp.from_index(reflected.index(name)))
            modify_ops.ops.append(ops.CreateIndexOp.from_index(new))
            log.info(
                "Detected changed index %r on %r: %s",
                name,
                tname,
                describe_difference(*changed),
            )

    for name in sorted(model.keys() - in_database - known_to_alembic - handled):
        if autogen_context.run_object_filters(model[name], name, "index", False, None):
            modify_ops.ops.append(ops.CreateIndexOp.from_index(model[name]))
            log.info("Detected added index %r on %r", name, tname)

    for name in sorted(in_database - model.keys() - known_to_alembic - handled):
        assert reflected is not None
        if autogen_context.run_object_filters(reflected.index(name), name, "index", True, None):
            modify_ops.ops.append(ops.DropIndexOp.from_index(reflected.index(name)))
            log.info("Detected removed index %r on %r", name, tname)
    return PriorityDispatchResult.CONTINUE


def _after_key_drop(modify_ops: ModifyTableOps, fk_name: str) -> int:
    """The position just after the op that drops foreign key ``fk_name``: its index goes
    before anything is created. A key re-created under the same name with more columns
    makes the server turn that index into the new key's own, which it then refuses to drop."""
    from alembic.operations import ops

    for position, op in enumerate(modify_ops.ops):
        if isinstance(op, ops.DropConstraintOp) and str(op.constraint_name) == fk_name:
            return position + 1
    return len(modify_ops.ops)


def drop_implicit_fk_indexes(
    autogen_context: AutogenContext,
    modify_ops: ModifyTableOps,
    schema: str | None,
    tname: str,
    conn_table: sa.Table | None,
    metadata_table: sa.Table | None,
) -> PriorityDispatchResult:
    """MariaDB/MySQL: drop the index the server made for an FK this run drops (module doc)."""
    from alembic.operations import ops

    if conn_table is None or metadata_table is None:
        return PriorityDispatchResult.CONTINUE
    parents: Any = {"table_name": tname, "schema_name": schema}
    dropped = {
        str(op.constraint_name)
        for op in modify_ops.ops
        if isinstance(op, ops.DropConstraintOp) and op.constraint_type == "foreignkey"
    }
    if not dropped:
        return PriorityDispatchResult.CONTINUE
    fks = {str(fk.name): fk for fk in conn_table.foreign_key_constraints if fk.name}
    # FKs that stay or are added in this run need an index on their columns: keep it.
    remaining = [tuple(fk.column_keys) for name, fk in fks.items() if name not in dropped]
    remaining += [
        tuple(op.local_cols) for op in modify_ops.ops if isinstance(op, ops.CreateForeignKeyOp)
    ]
    declared = {_model_name(ix, autogen_context) for ix in metadata_table.indexes}
    handled = _names_with_ops(modify_ops, autogen_context.dialect, constraints=False)
    reflected: ReflectedIndexes | None = None
    for fk_name in sorted(dropped & fks.keys()):
        columns = tuple(fks[fk_name].column_keys)
        for index in conn_table.indexes:
            name = str(index.name)
            owned = (
                not index.unique
                and tuple(c.name for c in index.columns) == columns
                and name in (fk_name, columns[0])
                and name not in declared
                and name not in handled
                and columns not in remaining
            )
            if not owned or not autogen_context.run_name_filters(name, "index", parents):
                continue
            if reflected is None:
                reflected = reflected_indexes(autogen_context, schema, conn_table)
            if name in reflected.names() and autogen_context.run_object_filters(
                reflected.index(name), name, "index", True, None
            ):
                modify_ops.ops.insert(
                    _after_key_drop(modify_ops, fk_name),
                    ops.DropIndexOp.from_index(reflected.index(name)),
                )
                handled.add(name)
                log.info(
                    "Detected removed index %r on %r (made by the server for dropped FK %r)",
                    name,
                    tname,
                    fk_name,
                )
    return PriorityDispatchResult.CONTINUE


# -- warnings about indexes this plugin compares ----------------------------------------------

#: Per dialect: what Alembic warns about a model index it cannot compare, and SQLAlchemy about a
#: database index it cannot reflect (``{name}``: the index). This plugin compares both, so
#: while it is on, the run shows neither.
MODEL_INDEX_WARNINGS: dict[str, tuple[str, ...]] = {
    "sqlite": ("autogenerate skipping metadata-specified expression-based index .{name}.;",),
    "postgresql": (
        r"Expression #\d+ .* in index .{name}. detected to include an operator clause",
    ),
}
DATABASE_INDEX_WARNINGS: dict[str, tuple[str, ...]] = {
    "sqlite": ("Skipped unsupported reflection of expression-based index {name}$",),
}


def _model_index_names(autogen_context: AutogenContext) -> Iterator[str]:
    from alembic import util

    for metadata in util.to_list(autogen_context.metadata):
        for table in metadata.tables.values():
            for index in table.indexes:
                name = _model_name(index, autogen_context)
                if name is not None:
                    yield name


def _database_index_names(
    autogen_context: AutogenContext, schemas: Collection[str | None]
) -> Iterator[str]:
    """The SQLite expression indexes whose DDL this plugin reads (all but odd ones)."""
    for schema in schemas:
        for stored in _sqlite_index_ddl(autogen_context, schema).values():
            for name, sql in stored.items():
                if not SQLITE_COLUMNS_ONLY.match(sql) and parse_create_index(sql) is not None:
                    yield name


def _naming(messages: tuple[str, ...], names: Iterator[str]) -> list[str]:
    """Each message pattern, for any of ``names`` (none when there are no names)."""
    found = sorted(set(names))
    if not found:
        return []
    one_of = "(?:" + "|".join(re.escape(name) for name in found) + ")"
    return [message.format(name=one_of) for message in messages]


def answered_warnings(
    autogen_context: AutogenContext, schemas: Collection[str | None]
) -> list[str]:
    """Message patterns of the warnings this plugin answers for in this run."""
    dialect = autogen_context.dialect.name
    patterns = []
    if dialect in MODEL_INDEX_WARNINGS:
        patterns += _naming(MODEL_INDEX_WARNINGS[dialect], _model_index_names(autogen_context))
    if dialect in DATABASE_INDEX_WARNINGS:
        patterns += _naming(
            DATABASE_INDEX_WARNINGS[dialect], _database_index_names(autogen_context, schemas)
        )
    return patterns


def quiet_answered_warnings(
    autogen_context: AutogenContext, upgrade_ops: Any
) -> PriorityDispatchResult:
    """First in the run: the warnings this plugin answers for stay quiet during it."""
    quiet_during_comparison(autogen_context, answered_warnings)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Plugin) -> None:
    """Run after Alembic's own index and FK comparison, for every table; quiet the warnings
    about what it compares from the start of the run."""
    register_renderers()
    install(plugin)
    for qualifier in sorted(MODEL_INDEX_WARNINGS.keys() | DATABASE_INDEX_WARNINGS.keys()):
        plugin.add_autogenerate_comparator(
            quiet_answered_warnings,
            "autogenerate",
            "flask_migrate_plus.indexes.warnings",
            qualifier=qualifier,
            priority=DispatchPriority.FIRST,
        )
    plugin.add_autogenerate_comparator(
        compare_indexes, "table", "indexes", priority=DispatchPriority.LAST
    )
    for qualifier in MYSQL_FAMILY:
        plugin.add_autogenerate_comparator(
            drop_implicit_fk_indexes,
            "table",
            "implicit_fk_indexes",
            qualifier=qualifier,
            priority=DispatchPriority.LAST,
        )
