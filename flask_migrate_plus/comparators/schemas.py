"""Comparator plugin ``flask_migrate_plus.schemas``: models in several schemas, no configuration.

Plain Alembic compares only the default schema unless ``include_schemas=True``, and then it
reflects every schema on the server (``pg_catalog`` aside), PostGIS's ``tiger`` and
``topology`` included; and it never creates a schema, so the first script fails. Here an
"autogenerate" comparator runs first and chooses the schema set itself:

- the default schema plus the schemas the models name (tables, sequences, enum types), plus
  any listed in ``opts["migrate_plus_schemas"]`` (``"auto"``, the default, lists none;
  ``None`` leaves everything to Alembic), minus the server's and extensions' own schemas,
  then through the user's ``include_name(name, "schema", {})``;
- tables and sequences that PostgreSQL extensions own (PostGIS's ``spatial_ref_sys``,
  whatever its name) are left out of the run before anything is compared, by filters of
  the run itself: one catalog query (``schema.extensions``);
- it dispatches Alembic's "schema" comparators with that set and stops Alembic's own;
- what happens to a named schema missing on the server is a per-dialect rule: PostgreSQL
  gets a ``CreateObjectOp(Schema(...))`` before the schema's first user in the script (its
  reverse drops the schema after its last one in the downgrade, so only a script that
  created a schema drops it); MySQL/MariaDB, where a
  schema is a database the application rarely may create, and SQLite, where it would be an
  attached database, stop with one line.

Catalog reads: one query per run (``get_schema_names``), only when the models name a schema;
on PostgreSQL one more, for what extensions own;
and reflection is batched per schema and kind (Alembic batches only its first schema), so
the query count does not grow with the number of tables.

``alembic.autogenerate`` is imported inside functions only: this module is loaded by
``import alembic`` itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.util import CommandError, DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.objects import CreateObjectOp, Schema
from ..rewrite import install
from ..schema.enums import schema_key
from ..schema.extensions import extension_members
from ..schema.types import type_schemas, wrapped_types

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.runtime.plugins import Plugin

log = logging.getLogger("alembic.autogenerate.compare")

SCHEMAS_OPTION = "migrate_plus_schemas"

#: Schemas that belong to the server or to a database extension, never to the application.
NOT_APPLICATION_SCHEMAS: dict[str, frozenset[str]] = {
    "postgresql": frozenset(
        {"pg_catalog", "pg_toast", "information_schema", "tiger", "tiger_data", "topology"}
    ),
    "mysql": frozenset({"information_schema", "performance_schema", "mysql", "sys"}),
    "mariadb": frozenset({"information_schema", "performance_schema", "mysql", "sys"}),
}

#: Dialects whose scripts create a schema the models name and the server lacks. Elsewhere
#: a schema is a database (MySQL/MariaDB: creating one takes a privilege the application
#: rarely has) or an attached database (SQLite: not supported), and autogenerate stops.
CREATES_SCHEMAS = frozenset({"postgresql"})

#: Dialects where any schema other than the default one is refused, present or not.
NO_SCHEMAS = frozenset({"sqlite"})

#: The one line that stops autogenerate, by dialect.
SCHEMA_ERRORS: dict[str, str] = {
    "mysql": (
        "database(s) {names} named by the models' schema= do not exist on this server; "
        "create them first (CREATE DATABASE needs a privilege the application rarely has)"
    ),
    "sqlite": (
        "models name the schema(s) {names}, which on SQLite would be attached databases; "
        "those are not supported: remove schema= from these models"
    ),
}
SCHEMA_ERRORS["mariadb"] = SCHEMA_ERRORS["mysql"]
DEFAULT_SCHEMA_ERROR = "schema(s) {names} named by the models do not exist; create them first"


# -- which schemas ---------------------------------------------------------------------------


def model_schemas(metadata: sa.MetaData | Iterable[sa.MetaData] | None) -> set[str]:
    """Every schema the models name: tables, standalone sequences, enum types."""
    found: set[str | None] = set()
    for one in [metadata] if isinstance(metadata, sa.MetaData) else list(metadata or ()):
        for table in one.tables.values():
            found.add(table.schema)
            for column in table.columns:
                found.update(type_schemas(column.type))
        found.update(sequence.schema for sequence in one._sequences.values())
    return {name for name in found if name}


def _setting(autogen_context: AutogenContext) -> list[str] | None:
    """The extra schemas the setting lists ([] for "auto"); None when the plugin is off."""
    value = autogen_context.opts.get(SCHEMAS_OPTION, "auto")
    if value is None or value is False:
        return None
    if value == "auto":
        return []
    if isinstance(value, list | tuple | set | frozenset) and all(
        isinstance(name, str) for name in value
    ):
        return sorted(value)
    raise CommandError(f"{SCHEMAS_OPTION} must be 'auto', a list of schema names or None; "
                       f"got {value!r}")


def selected_schemas(autogen_context: AutogenContext, extra: Iterable[str]) -> set[str]:
    """The application's non-default schemas: named by the models or the setting, not the
    server's own, and kept by the user's ``include_name``."""
    dialect = autogen_context.dialect
    default = dialect.default_schema_name
    ignored = NOT_APPLICATION_SCHEMAS.get(dialect.name, frozenset())
    names = model_schemas(autogen_context.metadata) | set(extra)
    return {
        name for name in names
        if name != default and name not in ignored
        and autogen_context.run_name_filters(name, "schema", {})
    }


def _schema_error(dialect_name: str, names: Iterable[str]) -> CommandError:
    template = SCHEMA_ERRORS.get(dialect_name, DEFAULT_SCHEMA_ERROR)
    return CommandError(template.format(names=", ".join(sorted(names))))


# -- batched reflection ------------------------------------------------------------------------


def pre_cache_reflection(autogen_context: AutogenContext, schemas: Iterable[str | None]) -> None:
    """Reflect every compared schema with one ``get_multi_*`` call per kind and schema.

    Alembic 1.20 does this for the first schema only: its cache entry (``alembic_<kind>``)
    has no schema in its key, so every later schema falls back to one query per table and
    kind. Filling that entry for all schemas first keeps the query count independent of
    the number of tables. Skipped if Alembic's reflection cache changes shape.
    """
    try:
        from alembic.autogenerate.compare.util import _INSP_KEYS
    except ImportError:
        return
    inspector = autogen_context.inspector
    tables = {
        schema: [
            name for name in inspector.get_table_names(schema=schema)
            if autogen_context.run_name_filters(name, "table", {"schema_name": schema})
        ]
        for schema in schemas
    }
    for kind in _INSP_KEYS:
        cache_key = f"alembic_{kind}"
        if cache_key in inspector.info_cache:
            continue
        method = getattr(inspector, f"get_multi_{kind}")
        merged: dict[Any, Any] = {}
        try:
            for schema, names in tables.items():
                if names:
                    merged.update(method(schema=schema, filter_names=names))
        except NotImplementedError:
            inspector.info_cache[cache_key] = NotImplementedError
        else:
            inspector.info_cache[cache_key] = merged


# -- which ops need a new schema -------------------------------------------------------------


def _op_types(op: Any) -> Iterator[Any]:
    """The column types an op creates (a new table's, an added column's), wrappers unwrapped."""
    if isinstance(op, ops.OpContainer):
        for child in op.ops:
            yield from _op_types(child)
        return
    columns = op.columns if isinstance(op, ops.CreateTableOp) else [getattr(op, "column", None)]
    for column in columns:
        if isinstance(column, sa.Column):
            yield from wrapped_types(column.type)


def _op_schemas(op: Any) -> Iterator[str | None]:
    """Schemas an op puts something into: its table's, its sequence's, its columns' types'."""
    if isinstance(op, ops.OpContainer):
        for child in op.ops:
            yield from _op_schemas(child)
        return
    yield getattr(op, "schema", None)
    yield getattr(getattr(op, "obj", None), "schema", None)  # a sequence, a type
    for type_ in _op_types(op):
        yield from type_schemas(type_)


def _created_enum_types(upgrade_ops: ops.UpgradeOps, schema: str) -> tuple[str, ...]:
    """Native enum types in ``schema`` that the script's new tables and columns create."""
    names = {
        type_.name for op in upgrade_ops.ops for type_ in _op_types(op)
        if isinstance(type_, sa.Enum) and type_.native_enum and type_.name
        and type_.schema == schema
    }
    return tuple(sorted(names))


def add_schema_creates(upgrade_ops: ops.UpgradeOps, missing: set[str]) -> None:
    """Create each missing schema the script uses (the ``prerequisites`` pass puts it before
    its first user; the downgrade, being the reverse list, drops it after its last)."""
    used = {name for op in upgrade_ops.ops for name in _op_schemas(op)}
    creates = [
        CreateObjectOp(Schema(name, enum_types=_created_enum_types(upgrade_ops, name)))
        for name in sorted(missing & used)
    ]
    for create in creates:
        log.info("Detected added schema %r", create.obj.name)
    upgrade_ops.ops[:0] = creates


# -- what extensions own ---------------------------------------------------------------------


def leave_out_extension_members(autogen_context: AutogenContext) -> None:
    """Keep the tables and sequences that extensions own out of every comparison of this run.

    Filters of the run itself, after the user's (so the user's hooks still see what Alembic
    shows them): every comparator, Alembic's and ours, asks them before it looks at a
    reflected name or a model object. ``AutogenContext`` keeps its filter lists in
    ``_name_filters`` / ``_object_filters`` (Alembic 1.5 and later), one pair per run.
    """
    members = extension_members(autogen_context)
    if not members:
        return
    default = autogen_context.dialect.default_schema_name

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        schema = schema_key((parent_names or {}).get("schema_name"), default)
        return (type_, schema, name) not in members

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        return (type_, schema_key(getattr(obj, "schema", None), default), name) not in members

    autogen_context._name_filters.append(include_name)
    autogen_context._object_filters.append(include_object)


# -- the comparator ----------------------------------------------------------------------------


def compare_schemas(
    autogen_context: AutogenContext, upgrade_ops: ops.UpgradeOps
) -> PriorityDispatchResult:
    """Run Alembic's "schema" comparators over the application's schemas, instead of Alembic's
    own selection (``include_schemas``); do nothing when the setting is None. Either way,
    what extensions own is left out first."""
    leave_out_extension_members(autogen_context)
    extra = _setting(autogen_context)
    if extra is None:
        return PriorityDispatchResult.CONTINUE
    dialect = autogen_context.dialect
    named = selected_schemas(autogen_context, extra)
    if named and dialect.name in NO_SCHEMAS:
        raise _schema_error(dialect.name, named)
    missing: set[str] = set()
    if named:
        missing = named - set(autogen_context.inspector.get_schema_names())
    if missing and dialect.name not in CREATES_SCHEMAS:
        raise _schema_error(dialect.name, missing)
    schemas: set[str | None] = {None, *named}
    if not autogen_context.run_name_filters(None, "schema", {}):
        schemas.discard(None)
    if len(schemas) > 1:
        pre_cache_reflection(autogen_context, schemas)
    autogen_context.comparators.dispatch("schema", qualifier=dialect.name)(
        autogen_context, upgrade_ops, schemas
    )
    add_schema_creates(upgrade_ops, missing)
    return PriorityDispatchResult.STOP


def setup(plugin: Plugin) -> None:
    """FIRST in the "autogenerate" target: ahead of Alembic's schema selection, which STOP skips."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        compare_schemas, "autogenerate", priority=DispatchPriority.FIRST
    )
