"""Python text for the ops in ``comparators.schema_ops``: plain ``op.*`` / ``sa.*`` code only.

The SQL that has no ``op.*`` equivalent (identity changes, sequence options, MariaDB's
one-statement key swap) is built here with the dialect's own identifier quoting and emitted
as ``op.execute('...')``, so a script never imports flask_migrate_plus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..comparators.schema_ops import (
    SERIAL,
    AlterIdentityOp,
    AlterSequenceOp,
    CreateSequenceOp,
    DropSequenceOp,
    IdentityState,
    PrimaryKeyState,
    ReplacePrimaryKeyOp,
    SequenceState,
    default_primary_key_name,
    renders_as_raw_sql,
)

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: How each identity / sequence option is spelled in PostgreSQL DDL.
PG_OPTION_SQL: dict[str, Callable[[Any], str]] = {
    "data_type": lambda value: f"AS {value}",
    "increment": lambda value: f"INCREMENT BY {int(value)}",
    "minvalue": lambda value: f"MINVALUE {int(value)}",
    "maxvalue": lambda value: f"MAXVALUE {int(value)}",
    "start": lambda value: f"START WITH {int(value)}",
    "cache": lambda value: f"CACHE {int(value)}",
    "cycle": lambda value: "CYCLE" if value else "NO CYCLE",
}


def _module_prefix(autogen_context: AutogenContext) -> str:
    return str(autogen_context.opts.get("alembic_module_prefix") or "op.")


def _qualified(autogen_context: AutogenContext, name: str, schema: str | None) -> str:
    preparer = autogen_context.dialect.identifier_preparer
    quoted = preparer.quote(name)
    return f"{preparer.quote_schema(schema)}.{quoted}" if schema else quoted


def _execute(autogen_context: AutogenContext, sql: str) -> str:
    # op.execute() wraps a string in text(), where ":name" is a bind parameter: a name
    # holding a colon must not become one, and "\:" is text()'s literal colon.
    escaped = sql.replace(":", "\\:")
    return f"{_module_prefix(autogen_context)}execute({escaped!r})"


def _option_clauses(options: dict[str, Any], skip: dict[str, Any]) -> list[str]:
    """SQL clauses for ``options`` whose value differs from ``skip``, in a fixed order."""
    return [
        spell(options[key])
        for key, spell in PG_OPTION_SQL.items()
        if key in options and options[key] != skip.get(key, object())
    ]


# -- identity -------------------------------------------------------------------------------


def render_alter_identity(autogen_context: AutogenContext, op: AlterIdentityOp) -> list[str]:
    return [_execute(autogen_context, sql) for sql in _identity_statements(autogen_context, op)]


def _identity_statements(autogen_context: AutogenContext, op: AlterIdentityOp) -> list[str]:
    """The statements for one column, SERIAL handled as "drop its sequence" / "make one"."""
    preparer = autogen_context.dialect.identifier_preparer
    table = _qualified(autogen_context, op.table_name, op.schema)
    column = preparer.quote(op.column_name)
    head = f"ALTER TABLE {table} ALTER COLUMN {column}"
    before, after = op.before, op.after
    # The column's sequence (OWNED BY), which may have been renamed: the server knows it.
    owned = f"pg_get_serial_sequence({_literal(table)}, {_literal(op.column_name)})"
    statements: list[str] = []
    if before == SERIAL:
        statements += [f"{head} DROP DEFAULT",
                       _do_block(f"BEGIN EXECUTE 'DROP SEQUENCE ' || {owned}; END")]
    if isinstance(before, IdentityState) and not isinstance(after, IdentityState):
        statements.append(f"{head} DROP IDENTITY")
        if op.after_nullable:
            statements.append(f"{head} DROP NOT NULL")
    if isinstance(after, IdentityState) and op.before_nullable:
        statements.append(f"{head} SET NOT NULL")
    if after == SERIAL:
        sequence = _qualified(
            autogen_context, f"{op.table_name}_{op.column_name}_seq", op.schema
        )
        statements += [
            f"CREATE SEQUENCE {sequence} AS {op.type_name} OWNED BY {table}.{column}",
            f"{head} SET DEFAULT nextval({_literal(sequence)}::regclass)",
            _restart_after_existing_rows(_literal(sequence), table, column, 1, 1),
        ]
    elif isinstance(after, IdentityState):
        if isinstance(before, IdentityState):
            statements += _into_new_range(owned, before, after)
            statements.append(f"{head} {_identity_change(before, after)}")
        else:
            statements.append(f"{head} {_add_identity(after)}")
        if before == SERIAL:
            statements.append(_restart_after_existing_rows(
                owned, table, column, after.options["increment"], after.options["start"]))
    return statements


def _add_identity(after: IdentityState) -> str:
    clauses = _option_clauses(after.options, after.defaults)
    options = f" ({' '.join(clauses)})" if clauses else ""
    return f"ADD GENERATED {'ALWAYS' if after.always else 'BY DEFAULT'} AS IDENTITY{options}"


def _identity_change(before: IdentityState, after: IdentityState) -> str:
    changes = []
    if before.always != after.always:
        changes.append(f"SET GENERATED {'ALWAYS' if after.always else 'BY DEFAULT'}")
    changes += [f"SET {clause}" for clause in _option_clauses(after.options, before.options)]
    return " ".join(changes)


def _into_new_range(
    sequence: str,
    before: IdentityState | SequenceState,
    after: IdentityState | SequenceState,
) -> list[str]:
    """Move a sequence (an identity's, or a standalone one) forward into a narrowed range.

    PostgreSQL refuses a MINVALUE above the sequence's current value (a MAXVALUE below it,
    counting down). Where the bound at the start of the range passes that value, the
    sequence goes forward to the bound, not yet used; a value inside the new range is left
    alone. The other bound is not moved: going back would hand out numbers already used.
    """
    ascending = int(after.options.get("increment", 1)) > 0
    key, outside = ("minvalue", "<") if ascending else ("maxvalue", ">")
    new, old = after.options.get(key), before.options.get(key)
    if new is None or old is None or new == old or (new < old) == ascending:
        return []
    return [_setval_when(sequence, outside, int(new))]


def _setval_when(sequence: str, outside: str, bound: int) -> str:
    # last_value is read from the sequence itself: it holds the start while never used.
    return _do_block(
        f"DECLARE s regclass := {sequence}; v bigint; "
        f"BEGIN EXECUTE 'SELECT last_value FROM ' || s INTO v; "
        f"IF v {outside} {bound} THEN PERFORM setval(s, {bound}, false); END IF; END"
    )


def _restart_after_existing_rows(
    sequence: str, table: str, column: str, increment: int, start: int
) -> str:
    """Continue numbering after the rows already there, so the next insert cannot collide."""
    edge, pick = ("max", "greatest") if increment > 0 else ("min", "least")
    return (f"SELECT setval({sequence}, {pick}({edge}({column}) + {int(increment)}, "
            f"{int(start)}), false) FROM {table}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _do_block(body: str) -> str:
    """A ``DO`` block whose dollar-quote tag cannot occur in ``body`` (names may hold ``$``)."""
    tag, n = "$fmp$", 0
    while tag in body:
        n += 1
        tag = f"$fmp{n}$"
    return f"DO {tag}{body}{tag}"


# -- primary keys ---------------------------------------------------------------------------


def render_replace_primary_key(
    autogen_context: AutogenContext, op: ReplacePrimaryKeyOp
) -> list[str]:
    if renders_as_raw_sql(op, autogen_context.dialect.name):
        return [_execute(autogen_context, _mysql_replace_primary_key(autogen_context, op))]
    return _primary_key_ops(autogen_context, op)


def _mysql_replace_primary_key(autogen_context: AutogenContext, op: ReplacePrimaryKeyOp) -> str:
    """One ALTER: MariaDB rejects dropping the key of an AUTO_INCREMENT column on its own."""
    preparer = autogen_context.dialect.identifier_preparer
    changes = ["DROP PRIMARY KEY"] if op.before is not None else []
    if op.after is not None:
        columns = ", ".join(preparer.quote(name) for name in op.after.columns)
        changes.append(f"ADD PRIMARY KEY ({columns})")
    return f"ALTER TABLE {_qualified(autogen_context, op.table_name, op.schema)} " + ", ".join(
        changes
    )


def _primary_key_ops(autogen_context: AutogenContext, op: ReplacePrimaryKeyOp) -> list[str]:
    """``drop_constraint`` + ``create_primary_key``, in batch form when inside a batch block.

    Batch mode (SQLite) can only drop a key it knows by name, so a key the database keeps
    unnamed is first re-declared under the name PostgreSQL would give it, then dropped.
    """
    batch = bool(getattr(autogen_context, "_has_batch", False))
    prefix = "batch_op." if batch else _module_prefix(autogen_context)
    table = "" if batch else f", {op.table_name!r}"
    schema = "" if batch or op.schema is None else f", schema={op.schema!r}"
    lines = []
    if op.before is not None:
        name = op.before.name or default_primary_key_name(op.table_name)
        if op.before.name is None:
            lines.append(_create_primary_key(prefix, table, schema, name, op.before))
        lines.append(f"{prefix}drop_constraint({name!r}{table}, type_='primary'{schema})")
    if op.after is not None:
        name = op.after.name or default_primary_key_name(op.table_name)
        lines.append(_create_primary_key(prefix, table, schema, name, op.after))
    return lines


def _create_primary_key(
    prefix: str, table: str, schema: str, name: str, key: PrimaryKeyState
) -> str:
    return f"{prefix}create_primary_key({name!r}{table}, {list(key.columns)!r}{schema})"


# -- sequences ------------------------------------------------------------------------------


def render_create_sequence(autogen_context: AutogenContext, op: CreateSequenceOp) -> str:
    return (f"{_module_prefix(autogen_context)}execute(sa.schema.CreateSequence("
            f"{_sequence_constructor(autogen_context, op.sequence)}))")


def render_drop_sequence(autogen_context: AutogenContext, op: DropSequenceOp) -> str:
    sequence = SequenceState(op.sequence.name, op.sequence.schema)
    return (f"{_module_prefix(autogen_context)}execute(sa.schema.DropSequence("
            f"{_sequence_constructor(autogen_context, sequence)}))")


def _sequence_constructor(autogen_context: AutogenContext, sequence: SequenceState) -> str:
    args = [repr(sequence.name)]
    for key, value in sequence.options.items():
        if value == sequence.defaults.get(key, object()):
            continue
        if key == "data_type":
            args.append(f"data_type=sa.{value}()")
        else:
            args.append(f"{key}={value!r}")
    if sequence.schema is not None:
        args.append(f"schema={sequence.schema!r}")
    return f"sa.Sequence({', '.join(args)})"


def render_alter_sequence(autogen_context: AutogenContext, op: AlterSequenceOp) -> list[str]:
    name = _qualified(autogen_context, op.after.name, op.after.schema)
    clauses = _option_clauses(op.after.options, op.before.options)
    statements = _into_new_range(_literal(name), op.before, op.after)
    statements.append(f"ALTER SEQUENCE {name} {' '.join(clauses)}")
    return [_execute(autogen_context, sql) for sql in statements]


RENDERERS: dict[type[Any], Callable[..., Any]] = {
    AlterIdentityOp: render_alter_identity,
    ReplacePrimaryKeyOp: render_replace_primary_key,
    CreateSequenceOp: render_create_sequence,
    DropSequenceOp: render_drop_sequence,
    AlterSequenceOp: render_alter_sequence,
}


def register() -> None:
    """Hook our renderers into Alembic's (process-wide) dispatcher; safe to call again."""
    from alembic.autogenerate.render import renderers

    for op_class, fn in RENDERERS.items():
        renderers.dispatch_for(op_class, replace=True)(fn)
