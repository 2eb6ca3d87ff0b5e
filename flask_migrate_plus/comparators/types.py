"""Comparator plugin ``flask_migrate_plus.types``: column types, as the database stores them.

Alembic compares types by tokenising their DDL, which both over- and under-reports:

- it flags spellings that the database stores as one thing: MariaDB keeps ``FLOAT(53)`` as
  ``DOUBLE``, ``BLOB(100)`` as ``TINYBLOB``, and we treat ``BIT(1)`` like ``BOOL``; SQLite reads
  an unknown declared type back by affinity (``BINARY(16)`` of a ``UUIDType`` -> ``NUMERIC``);
- it ignores what sits outside the argument list: ``UNSIGNED``, ``ZEROFILL``, and a
  column's collation; and an argument only one side has: the fractional seconds of
  ``DATETIME(6)`` or ``TIMESTAMP(3)`` added to a column that had none.

So, around Alembic's comparison (asked here, once per column): attribute rules detect the
missed changes, and per-dialect DDL normalisers remove the false positives it reports. The
model side is always the type's dialect implementation, so a ``TypeDecorator`` is compared
by what it creates; and when the application compiles a type itself (``@compiles(DateTime,
"mysql")`` writing ``DATETIME(6)``), the attributes are read from the DDL it compiles to,
which is what the column gets, not from the type object. On PostgreSQL, a type change
between type families gets a ``USING <column>::<type>`` cast from a rewrite pass
(``rewrite.type_casts``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError

from ..ops import register_renderers
from ..rewrite import install
from ..schema.run_state import run_state
from ..schema.types import compiled_by_application, implementation
from ..sql.dialects import dialect_family

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import AlterColumnOp
    from sqlalchemy import Column

log = logging.getLogger(f"alembic.autogenerate.compare.{__name__}")


# -- missed changes: attributes Alembic's DDL tokenizer does not compare --------------------

def _mysql_attributes(type_: sqltypes.TypeEngine) -> tuple[Any, ...]:
    # ZEROFILL implies UNSIGNED, and the server reports both
    zerofill = bool(getattr(type_, "zerofill", False))
    unsigned = bool(getattr(type_, "unsigned", False)) or zerofill
    return unsigned, zerofill, getattr(type_, "fsp", None) or 0


#: A string literal in DDL (an ENUM value may say UNSIGNED), MySQL's escapes included.
_QUOTED_STRING = re.compile(r"'(?:[^'\\]|''|\\.)*'")

#: The fractional-seconds argument of a time type, at the start of its DDL.
_MYSQL_FSP = re.compile(r"\s*(?:DATETIME|TIMESTAMP|TIME)\s*\(\s*(\d+)\s*\)")
_PG_PRECISION = re.compile(r"\s*(?:TIMESTAMPTZ|TIMESTAMP|TIMETZ|TIME)\s*\(\s*(\d+)\s*\)")


def _mysql_ddl_attributes(ddl: str) -> tuple[Any, ...]:
    """``_mysql_attributes`` read from DDL text (``INTEGER UNSIGNED ZEROFILL``, ``DATETIME(6)``)."""
    words = _QUOTED_STRING.sub("''", ddl).upper()
    zerofill = re.search(r"\bZEROFILL\b", words) is not None
    unsigned = zerofill or re.search(r"\bUNSIGNED\b", words) is not None
    fsp = _MYSQL_FSP.match(words)
    return unsigned, zerofill, int(fsp.group(1)) if fsp else 0


def _pg_attributes(type_: sqltypes.TypeEngine) -> tuple[Any, ...]:
    # PostgreSQL keeps the fractional-seconds precision a column was created with, and
    # reports none when it was given none
    if isinstance(type_, (sqltypes.DateTime, sqltypes.Time)):
        return (getattr(type_, "precision", None),)
    return (None,)


def _pg_ddl_attributes(ddl: str) -> tuple[Any, ...]:
    precision = _PG_PRECISION.match(_QUOTED_STRING.sub("''", ddl).upper())
    return (int(precision.group(1)) if precision else None,)


AttributeReader = Callable[[sqltypes.TypeEngine], tuple[Any, ...]]
DDLAttributeReader = Callable[[str], tuple[Any, ...]]

#: Per dialect family: the type attributes compared, how to read them from a type, and how
#: from the DDL the type compiles to (for a type the application compiles itself), each in
#: that order (absent = not set).
COMPARED_ATTRIBUTES: dict[str, tuple[tuple[str, ...], AttributeReader, DDLAttributeReader]] = {
    "mysql": (("unsigned", "zerofill", "fsp"), _mysql_attributes, _mysql_ddl_attributes),
    "postgresql": (("precision",), _pg_attributes, _pg_ddl_attributes),
}

#: Dialect families whose reflection reports a column collation (None = the default one).
COLLATION_DIALECTS = frozenset({"mysql", "postgresql"})


def _attribute_changes(conn: sqltypes.TypeEngine, model: sqltypes.TypeEngine, family: str,
                       compiled: str | None) -> list[str]:
    """The compared attributes that differ; the model's read from ``compiled`` when given."""
    if family not in COMPARED_ATTRIBUTES:
        return []
    names, read, read_ddl = COMPARED_ATTRIBUTES[family]
    conn_values = read(conn)
    model_values = read(model) if compiled is None else read_ddl(compiled)
    if conn_values == model_values:
        return []
    return [name for name, a, b in zip(names, conn_values, model_values, strict=True) if a != b]


def _default_collation(conn_col: Column, dialect: Dialect) -> str | None:
    """The collation a column has when it names none; reflection reports that one as None."""
    if dialect_family(dialect.name) == "mysql":
        # MariaDB shows a column COLLATE only when it differs from the table's
        return conn_col.table.kwargs.get(f"{dialect.name}_collate")
    return "default"  # PostgreSQL's name for the database collation



def _ddl(type_: sqltypes.TypeEngine, dialect: Dialect) -> str:
    try:
        return str(type_.compile(dialect=dialect))
    except CompileError:  # e.g. VARCHAR without a length on MySQL: compare nothing textual
        return ""


_COLLATE = re.compile(r"""\bCOLLATE\s+("[^"]+"|`[^`]+`|[^\s,)]+)""", re.IGNORECASE)


def _compiled_collation(compiled: str) -> str | None:
    """The collation named in DDL text, unquoted; None when it names none."""
    match = _COLLATE.search(_QUOTED_STRING.sub("''", compiled))
    return match.group(1).strip('"`') if match else None


def _collation_changed(conn_col: Column, model: sqltypes.TypeEngine, dialect: Dialect,
                       compiled: str | None) -> bool:
    """Whether the column's collation changes; the model's read from ``compiled`` when given."""
    conn = conn_col.type
    if dialect_family(dialect.name) not in COLLATION_DIALECTS:
        return False
    if not isinstance(conn, sqltypes.String):
        return False
    if compiled is not None:
        collation = _compiled_collation(compiled)
    elif isinstance(model, sqltypes.String):
        collation = model.collation
    else:
        return False
    if conn.collation == collation:
        return False
    default = _default_collation(conn_col, dialect)
    if (conn.collation or default) == (collation or default):
        return False
    # a model charset implies its default collation, which MariaDB reports
    ddl = compiled if compiled is not None else _ddl(model, dialect)
    return collation is not None or not re.search(r"\b(CHARACTER SET|NATIONAL)\b", ddl.upper())


# -- false positives: DDL spellings the database stores as the same type --------------------

def _mysql_float(match: re.Match[str]) -> str:
    # MySQL/MariaDB store FLOAT(p) as FLOAT up to 24 bits of precision, as DOUBLE above.
    return "DOUBLE" if int(match.group(1)) > 24 else "FLOAT"


def _mysql_blob(match: re.Match[str]) -> str:
    # BLOB(n) becomes the smallest blob type that holds n bytes.
    size = int(match.group(1))
    for limit, name in ((255, "TINYBLOB"), (65535, "BLOB"), (16777215, "MEDIUMBLOB")):
        if size <= limit:
            return name
    return "LONGBLOB"


Rewrite = tuple[str, "str | Callable[[re.Match[str]], str]"]

#: Per dialect family: whole-DDL regex rewrites that map a spelling to the stored type.
DDL_REWRITES: dict[str, tuple[Rewrite, ...]] = {
    "mysql": (
        (r"^FLOAT\((\d+)\)$", _mysql_float),
        (r"^BLOB\((\d+)\)$", _mysql_blob),
        (r"^(BIT\(1\)|TINYINT\(1\)|BOOLEAN)$", "BOOL"),
        # collations are compared above; NATIONAL is the utf8(mb3) character set
        (r" COLLATE \S+", ""),
        (r"^NATIONAL (.*)$", r"\1 CHARACTER SET UTF8MB3"),
        (r"CHARACTER SET UTF8\b", "CHARACTER SET UTF8MB3"),
    ),
}


def stored_ddl(type_: sqltypes.TypeEngine, dialect: Dialect) -> str:
    """The type's DDL as the database will report it back."""
    ddl = _ddl(type_, dialect).upper()
    family = dialect_family(dialect.name)
    if ddl and family == "sqlite":
        # SQLite keeps the declared name but SQLAlchemy reads unknown names by affinity.
        ddl = dialect._resolve_type_affinity(ddl).compile(dialect=dialect).upper()  # type: ignore[attr-defined]
    for pattern, replacement in DDL_REWRITES.get(family, ()):
        ddl = re.sub(pattern, replacement, ddl)
    return ddl


def _text_only_verdicts() -> frozenset[Any]:
    """Alembic's ``compare_type`` methods whose verdict depends on nothing but the two types'
    DDL texts (MySQL's, but for two ENUMs)."""
    from alembic.ddl.impl import DefaultImpl
    from alembic.ddl.mysql import MySQLImpl

    return frozenset({DefaultImpl.compare_type, MySQLImpl.compare_type})


_TEXT_ONLY_VERDICTS = _text_only_verdicts()


def _alembic_reports_change(
    autogen_context: AutogenContext, conn_col: Column, metadata_col: Column
) -> bool:
    """``impl.compare_type``, asked once per run for each distinct pair of DDL texts where its
    verdict depends on the texts alone: a schema repeats a few type pairs over many columns,
    and Alembic tokenises both texts with regular expressions on every call."""
    impl: Any = autogen_context.migration_context.impl
    if (
        type(impl).compare_type not in _TEXT_ONLY_VERDICTS
        or isinstance(conn_col.type, sqltypes.Enum)
        or isinstance(metadata_col.type, sqltypes.Enum)
    ):
        return bool(impl.compare_type(conn_col, metadata_col))
    process = impl.dialect.type_compiler.process
    state = run_state(autogen_context, __name__)
    # A model's type object lives through the run: its text is compiled once.
    model_ddl = state.setdefault("model_ddl", {})
    try:
        if id(metadata_col.type) not in model_ddl:
            model_ddl[id(metadata_col.type)] = (metadata_col.type, process(metadata_col.type))
        key = (process(conn_col.type), model_ddl[id(metadata_col.type)][1])
    except CompileError:
        return bool(impl.compare_type(conn_col, metadata_col))  # raises as Alembic would
    verdicts = state.setdefault("verdicts", {})
    if key not in verdicts:
        verdicts[key] = bool(impl.compare_type(conn_col, metadata_col))
    return bool(verdicts[key])


def compare_type(
    autogen_context: AutogenContext,
    alter_column_op: AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Column,
    metadata_col: Column,
) -> PriorityDispatchResult:
    """Detect what Alembic misses, clear what it misreads, report the rest as it would.

    Alembic's FIRST step has already applied the user's ``compare_type``: False or a verdict
    of their callable stops the subgroup before us; None falls through to here.
    """
    conn_type, model_type = conn_col.type, metadata_col.type
    if sqltypes.NullType in (conn_type._type_affinity, model_type._type_affinity):
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.dialect
    family = dialect_family(dialect.name)
    changed: list[str] = []
    if family in COMPARED_ATTRIBUTES or isinstance(conn_type, sqltypes.String):
        model_impl = implementation(model_type, dialect)  # what the rules read
        # ... unless the application compiles the type itself: then its DDL says it
        compiled = (
            _ddl(model_type, dialect)
            if compiled_by_application(model_type, dialect, model_impl) else None
        )
        changed = _attribute_changes(conn_type, model_impl, family, compiled)
        if _collation_changed(conn_col, model_impl, dialect, compiled):
            changed.append("collation")
    if changed:
        alter_column_op.existing_type = conn_type
        alter_column_op.modify_type = model_type
        log.info(
            "Detected type change from %r to %r on '%s.%s' (%s)", conn_type, model_type,
            tname, cname, ", ".join(changed),
        )
        return PriorityDispatchResult.STOP

    # Alembic's own verdict, asked here rather than in its LAST step so that the types are
    # compiled once: most columns match, and only a reported change needs a second look.
    if not _alembic_reports_change(autogen_context, conn_col, metadata_col):
        return PriorityDispatchResult.STOP
    alter_column_op.existing_type = conn_type
    raw_differs = _ddl(conn_type, dialect) != _ddl(model_type, dialect)
    if raw_differs and stored_ddl(conn_type, dialect) == stored_ddl(model_type, dialect):
        return PriorityDispatchResult.STOP  # one stored type, two spellings
    alter_column_op.modify_type = model_type
    log.info(
        "Detected type change from %r to %r on '%s.%s'", conn_type, model_type, tname, cname
    )
    return PriorityDispatchResult.STOP


def setup(plugin: Plugin) -> None:
    """Run after the user's own rule (FIRST), in place of Alembic's DDL comparison (LAST)."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        compare_type, "column", "types", priority=DispatchPriority.MEDIUM
    )
