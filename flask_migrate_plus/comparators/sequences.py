"""Comparator plugin ``flask_migrate_plus.sequences``: standalone sequences on PostgreSQL.

Alembic ignores ``sa.Sequence`` objects entirely. Here the
model's sequences (``Sequence("s", metadata=...)`` and sequences on columns) are compared
with the database's, read in one catalog query per run:

- a model sequence the database lacks is created (the ``prerequisites`` pass puts it before
  the first table that uses it);
- a database sequence the model lacks is dropped (after its last user), unless a column owns it
  (SERIAL and identity columns own theirs, and those belong to the column, not to us) or a
  column default of a table that stays still calls it (``server_default=text("nextval(...)")``
  in the models, or a table the filters leave out);
- a sequence on both sides whose resolved options differ is altered (``ALTER SEQUENCE``).

Filters: ``include_name(name, "sequence", {"schema_name": ...})`` and
``include_object(sequence, name, "sequence", reflected, compare_to)``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops
from alembic.runtime.plugins import Plugin
from alembic.util import DispatchPriority, PriorityDispatchResult

from ..ops import register_renderers
from ..ops.objects import CreateObjectOp, DropObjectOp, Sequence
from ..ops.sequences import AlterSequenceOp, SequenceState
from ..rewrite import install
from ..schema.sequence_options import pg_implied_options, resolve_pg_sequence_options

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.operations.ops import UpgradeOps
    from alembic.runtime.environment import NameFilterType

log = logging.getLogger("alembic.autogenerate.compare")

FILTER_TYPE = "sequence"

#: Every sequence in the given schemas, with "owned": a column (SERIAL / identity) owns it,
#: and "used_by": the (schema, table) pairs whose column defaults call it.
PG_SEQUENCES_SQL = sa.text("""
SELECT n.nspname AS schema_name, c.relname AS name,
       upper(format_type(s.seqtypid, NULL)) AS data_type,
       s.seqstart AS start, s.seqincrement AS increment, s.seqmin AS minvalue,
       s.seqmax AS maxvalue, s.seqcache AS cache, s.seqcycle AS cycle,
       EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
               WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                 AND d.refclassid = 'pg_catalog.pg_class'::regclass
                 AND d.deptype IN ('a', 'i')) AS owned,
       users.used_by
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN (
    SELECT ud.refobjid AS sequence_oid,
           array_agg(DISTINCT ARRAY[un.nspname::text, uc.relname::text]) AS used_by
    FROM pg_catalog.pg_depend ud
    JOIN pg_catalog.pg_attrdef ad ON ad.oid = ud.objid
    JOIN pg_catalog.pg_class uc ON uc.oid = ad.adrelid
    JOIN pg_catalog.pg_namespace un ON un.oid = uc.relnamespace
    WHERE ud.classid = 'pg_catalog.pg_attrdef'::regclass
      AND ud.refclassid = 'pg_catalog.pg_class'::regclass
    GROUP BY ud.refobjid
) users ON users.sequence_oid = c.oid
WHERE n.nspname = ANY(:schemas)
""")

SequenceKey = tuple[str | None, str]
TableKey = tuple[str | None, str]

#: A database sequence: its state and the tables whose defaults use it; None when a column
#: owns it (SERIAL, identity), which is then not compared here.
DatabaseSequence = tuple[SequenceState, frozenset[TableKey]] | None


def sequence_state(sequence: sa.Sequence, schema: str | None, type_name: str) -> SequenceState:
    """A sequence as PostgreSQL stores it; ``defaults`` are what it would store for no options."""
    options = {"data_type": type_name, **resolve_pg_sequence_options(sequence, type_name)}
    defaults = {"data_type": "BIGINT", **pg_implied_options(type_name, options["increment"])}
    return SequenceState(sequence.name, schema, options, defaults)


def model_sequences(
    autogen_context: AutogenContext, schemas: set[str | None]
) -> dict[SequenceKey, sa.Sequence]:
    """The model's sequences in ``schemas`` (None = default schema) that the server would create.

    ``optional=True`` sequences are skipped where the dialect marks sequences optional
    (PostgreSQL), because ``create_all`` does not create them there either; so is the sequence
    of a column whose table the user's filters leave out.
    """
    dialect = autogen_context.dialect
    assert dialect is not None
    found: dict[SequenceKey, sa.Sequence] = {}
    excluded: set[SequenceKey] = set()
    for sequence, table in _all_model_sequences(autogen_context):
        schema = None if sequence.schema == dialect.default_schema_name else sequence.schema
        key = (schema, sequence.name)
        if table is not None and not autogen_context.run_object_filters(
            table, table.name, "table", False, None
        ):
            excluded.add(key)
        if sequence.optional and dialect.sequences_optional or schema not in schemas:
            continue
        found.setdefault(key, sequence)
    return {key: sequence for key, sequence in found.items() if key not in excluded}


def _all_model_sequences(
    autogen_context: AutogenContext,
) -> Iterator[tuple[sa.Sequence, sa.Table | None]]:
    """Each model sequence, with the table of the column it belongs to (if any)."""
    metadatas = autogen_context.metadata
    if metadatas is None:
        return
    for metadata in [metadatas] if isinstance(metadatas, sa.MetaData) else metadatas:
        for table in metadata.tables.values():
            for column in table.columns:
                if isinstance(column.default, sa.Sequence):
                    yield column.default, table
        # The registry that Sequence(metadata=...) fills (column sequences are in it too).
        for sequence in metadata._sequences.values():
            yield sequence, None


def database_sequences(
    autogen_context: AutogenContext, schemas: set[str | None]
) -> dict[SequenceKey, DatabaseSequence]:
    """Every sequence in ``schemas`` (see ``DatabaseSequence``). One query."""
    connection = autogen_context.connection
    assert connection is not None and autogen_context.dialect is not None
    default_schema = autogen_context.dialect.default_schema_name
    names = [schema or default_schema for schema in schemas]
    found: dict[SequenceKey, DatabaseSequence] = {}
    for row in connection.execute(PG_SEQUENCES_SQL, {"schemas": names}).mappings():
        schema = None if row["schema_name"] == default_schema else row["schema_name"]
        if row["owned"]:
            found[(schema, row["name"])] = None
            continue
        reflected = sa.Sequence(
            row["name"], start=row["start"], increment=row["increment"],
            minvalue=row["minvalue"], maxvalue=row["maxvalue"], cache=row["cache"],
            cycle=row["cycle"], schema=schema,
        )
        used_by = frozenset(
            (None if table_schema == default_schema else table_schema, table)
            for table_schema, table in row["used_by"] or ()
        )
        found[(schema, row["name"])] = (
            sequence_state(reflected, schema, row["data_type"]), used_by
        )
    return found


def compare_sequences(
    autogen_context: AutogenContext, upgrade_ops: UpgradeOps, schemas: set[str | None]
) -> PriorityDispatchResult:
    """Creates go first, drops and alters last; the ``prerequisites`` pass then moves
    creates and drops next to the tables that use them."""
    model = model_sequences(autogen_context, schemas)
    database = database_sequences(autogen_context, schemas)
    creates: list[Any] = []
    for key in sorted(model.keys() - database.keys(), key=_sort_key):
        state = _model_state(autogen_context, model[key], key[0])
        if _included(autogen_context, model[key], state, reflected=False, compare_to=None):
            creates.append(CreateObjectOp(Sequence(state.name, state.schema, state)))
            log.info("Detected added sequence %r", _qualified(key))
    later: list[Any] = []
    dropped_tables = {
        (op.schema, op.table_name) for op in upgrade_ops.ops if isinstance(op, ops.DropTableOp)
    }
    for key in sorted(database.keys(), key=_sort_key):
        found = database[key]
        if found is None:
            continue
        conn_state, used_by = found
        conn_sequence = sa.Sequence(key[1], schema=key[0])
        if key not in model:
            users = used_by - dropped_tables
            if users:  # a default that stays calls it: dropping it would fail, or break it
                log.info("Kept sequence %r: the default of %s uses it", _qualified(key),
                         ", ".join(sorted(_qualified(user) for user in users)))
                continue
            if _included(autogen_context, conn_sequence, conn_state, True, None):
                later.append(DropObjectOp(Sequence(conn_state.name, conn_state.schema,
                                                   conn_state)))
                log.info("Detected removed sequence %r", _qualified(key))
            continue
        state = _model_state(autogen_context, model[key], key[0])
        if state.options != conn_state.options and _included(
            autogen_context, model[key], state, False, conn_sequence
        ):
            later.append(AlterSequenceOp(conn_state, state))
            log.info("Detected changed options of sequence %r: %s", _qualified(key),
                     _changes(conn_state, state))
    upgrade_ops.ops[:0] = creates
    upgrade_ops.ops.extend(later)
    return PriorityDispatchResult.CONTINUE


def _model_state(
    autogen_context: AutogenContext, sequence: sa.Sequence, schema: str | None
) -> SequenceState:
    data_type = sequence.data_type
    type_name = str(data_type.compile(dialect=autogen_context.dialect)) if data_type else "BIGINT"
    return sequence_state(sequence, schema, type_name.upper())


def _included(
    autogen_context: AutogenContext,
    sequence: sa.Sequence,
    state: SequenceState,
    reflected: bool,
    compare_to: sa.Sequence | None,
) -> bool:
    type_: NameFilterType = FILTER_TYPE  # type: ignore[assignment]
    if reflected and not autogen_context.run_name_filters(
        state.name, type_, {"schema_name": state.schema}
    ):
        return False
    return autogen_context.run_object_filters(sequence, state.name, type_, reflected, compare_to)


def _sort_key(key: SequenceKey) -> tuple[str, str]:
    return (key[0] or "", key[1])


def _qualified(key: SequenceKey) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


def _changes(before: SequenceState, after: SequenceState) -> str:
    return ", ".join(
        f"{name} {before.options.get(name)} -> {value}"
        for name, value in after.options.items()
        if before.options.get(name) != value
    )


def setup(plugin: Plugin) -> None:
    """Register after Alembic's table comparison, so creates and drops wrap the table ops."""
    register_renderers()
    install(plugin)
    plugin.add_autogenerate_comparator(
        compare_sequences, "schema", "sequences",
        qualifier="postgresql", priority=DispatchPriority.LAST,
    )
