"""Objects that tables depend on: created before their first user, dropped after their last.

Schemas, PostgreSQL extensions, enum types, composite types and standalone sequences are all
the same problem for a script: the object must exist before the first op that uses it runs,
and may only go after the last op that used it. One pair of ops covers them all,
:class:`CreateObjectOp` and :class:`DropObjectOp`, each holding a :class:`DatabaseObject`
that knows its SQL; the ``prerequisites`` rewrite pass puts them in place. Being each
other's reverse, the downgrade mirrors the upgrade by itself.

Everything renders as plain ``op.*`` / ``sa.*`` code, so a script never imports this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from alembic.operations.ops import MigrateOperation

from .execute import (
    comment_lines,
    do_block,
    execute_line,
    execute_lines,
    module_prefix,
    pg_post_warning,
    sql_literal,
)
from .sequences import SequenceState, sequence_constructor

#: How an object is known across ops: (kind, schema, name).
ObjectKey = tuple[str, str | None, str]


@dataclass(frozen=True)
class DatabaseObject:
    """A named database object; subclasses say how it is created and dropped."""

    kind: ClassVar[str] = "object"
    #: Words for ``describe`` (``enum type``, ``schema``).
    noun: ClassVar[str] = "object"

    name: str
    schema: str | None = None

    @property
    def key(self) -> ObjectKey:
        return (self.kind, self.schema, self.name)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def diff_key(self) -> tuple[Any, ...]:
        return (self.schema, self.name)

    def create_lines(self, autogen_context: Any) -> list[str]:
        raise NotImplementedError

    def drop_lines(self, autogen_context: Any) -> list[str]:
        raise NotImplementedError


#: PostgreSQL: drop the schema only when nothing is left in it, else keep it and say what
#: holds it. The server decides, so the same text runs online and in ``--sql`` output.
#: ``pg_depend`` rows of type ``n`` on the schema are exactly what ``DROP SCHEMA`` (without
#: CASCADE) would refuse over. The WARNING is what psql shows; online the driver swallows
#: it, so the message also goes to the :data:`SERVER_WARNINGS` mailbox, which the
#: ``on_version_apply`` hook of ``wiring`` prints. No ``%`` anywhere: ``--sql`` output would
#: double it. ``{name}`` is the quoted name as a literal, ``{schema}`` the quoted name.
PG_DROP_SCHEMA_IF_EMPTY = """
DECLARE
    left_over text;
    message text;
BEGIN
    IF pg_catalog.to_regnamespace({name}) IS NULL THEN
        RETURN;
    END IF;
    SELECT string_agg(held.what, ', ' ORDER BY held.what) INTO left_over
    FROM (
        SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS what
        FROM pg_catalog.pg_depend d
        WHERE d.refclassid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
          AND d.refobjid = pg_catalog.to_regnamespace({name})
          AND d.deptype = 'n'
    ) AS held;
    IF left_over IS NULL THEN
        DROP SCHEMA {schema};
    ELSE
        message := 'schema ' || {name} || ' is kept: it still holds ' || left_over;
        RAISE WARNING USING MESSAGE = message;
        {mailbox}
    END IF;
END
"""


@dataclass(frozen=True)
class Schema(DatabaseObject):
    """A schema the models name and the server lacks (``CREATE SCHEMA IF NOT EXISTS``).

    ``enum_types`` names the enum types the same script's tables create in the schema: the
    tables' own DDL creates them, but ``op.drop_table`` leaves them behind, and a schema
    that still holds a type cannot be dropped; so the drop drops them first. The schema
    itself is dropped only when it is empty, never with CASCADE: a schema still holding
    objects the models do not describe (a function the application made there, a table of
    another tool) is kept, with a server WARNING naming what is in it, rather than lost or
    failing the whole downgrade.
    """

    kind: ClassVar[str] = "schema"
    noun: ClassVar[str] = "schema"

    enum_types: tuple[str, ...] = ()

    def diff_key(self) -> tuple[Any, ...]:
        return (self.name,)

    def create_lines(self, autogen_context: Any) -> list[str]:
        return [f"{module_prefix(autogen_context)}execute("
                f"sa.schema.CreateSchema({self.name!r}, if_not_exists=True))"]

    def drop_lines(self, autogen_context: Any) -> list[str]:
        # Plain SQL text throughout, never a call that queries (sa.Enum(...).drop(bind,
        # checkfirst=True)): ``downgrade --sql`` (offline) has no server to ask.
        preparer = autogen_context.dialect.identifier_preparer
        schema = preparer.quote_schema(self.name)
        lines = [
            execute_line(autogen_context,
                         f"DROP TYPE IF EXISTS {schema}.{preparer.quote(type_name)}")
            for type_name in self.enum_types
        ]
        if autogen_context.dialect.name != "postgresql":
            lines.append(f"{module_prefix(autogen_context)}execute("
                         f"sa.schema.DropSchema({self.name!r}, if_exists=True))")
            return lines
        body = PG_DROP_SCHEMA_IF_EMPTY.format(
            name=sql_literal(schema), schema=schema, mailbox=pg_post_warning("message")
        )
        return lines + execute_lines(autogen_context, do_block(body))


@dataclass(frozen=True)
class Extension(DatabaseObject):
    """A PostgreSQL extension a column type needs (sqlalchemy-utils' ``LtreeType``: ltree).

    Never dropped: other tables may use it, and we cannot know whether this script made it.
    """

    kind: ClassVar[str] = "extension"
    noun: ClassVar[str] = "extension"

    def create_lines(self, autogen_context: Any) -> list[str]:
        return [execute_line(autogen_context, f"CREATE EXTENSION IF NOT EXISTS {self.name}")]

    def drop_lines(self, autogen_context: Any) -> list[str]:
        return [f"pass  # the {self.name} extension is kept"]


@dataclass(frozen=True)
class EnumType(DatabaseObject):
    """A PostgreSQL enum type, created and dropped with ``checkfirst`` so a rerun is harmless."""

    kind: ClassVar[str] = "enum_type"
    noun: ClassVar[str] = "enum type"

    values: tuple[str, ...] = ()

    def _constructor(self, values: tuple[str, ...]) -> str:
        args = [repr(value) for value in values]
        args.append(f"name={self.name!r}")
        if self.schema:
            args.append(f"schema={self.schema!r}")
        return f"sa.Enum({', '.join(args)})"

    def create_lines(self, autogen_context: Any) -> list[str]:
        bind = f"{module_prefix(autogen_context)}get_bind()"
        return [f"{self._constructor(self.values)}.create({bind}, checkfirst=True)"]

    def drop_lines(self, autogen_context: Any) -> list[str]:
        bind = f"{module_prefix(autogen_context)}get_bind()"
        return [f"{self._constructor(())}.drop({bind}, checkfirst=True)"]


@dataclass(frozen=True)
class CompositeType(DatabaseObject):
    """A PostgreSQL composite type (sqlalchemy-utils' ``CompositeType``), as its DDL."""

    kind: ClassVar[str] = "composite_type"
    noun: ClassVar[str] = "composite type"

    create_sql: str = ""
    drop_sql: str = ""

    def create_lines(self, autogen_context: Any) -> list[str]:
        return [execute_line(autogen_context, self.create_sql)]

    def drop_lines(self, autogen_context: Any) -> list[str]:
        return [execute_line(autogen_context, self.drop_sql)]


@dataclass(frozen=True)
class Sequence(DatabaseObject):
    """A standalone sequence, written with SQLAlchemy's own DDL constructs."""

    kind: ClassVar[str] = "sequence"
    noun: ClassVar[str] = "sequence"

    state: SequenceState | None = None

    def _state(self) -> SequenceState:
        return self.state or SequenceState(self.name, self.schema)

    def create_lines(self, autogen_context: Any) -> list[str]:
        return [f"{module_prefix(autogen_context)}execute(sa.schema.CreateSequence("
                f"{sequence_constructor(self._state())}))"]

    def drop_lines(self, autogen_context: Any) -> list[str]:
        return [f"{module_prefix(autogen_context)}execute(sa.schema.DropSequence("
                f"{sequence_constructor(self._state(), with_options=False)}))"]


class CreateObjectOp(MigrateOperation):
    """Create ``obj``; ``implicit`` when another op of the script creates it already (a
    ``create_table`` makes its enum types), so only a comment is written, while the reverse
    still drops it."""

    def __init__(self, obj: DatabaseObject, *, implicit: bool = False) -> None:
        self.obj = obj
        self.implicit = implicit

    def reverse(self) -> DropObjectOp:
        return DropObjectOp(self.obj)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (f"add_{self.obj.kind}", *self.obj.diff_key())

    def describe(self) -> str:
        values = getattr(self.obj, "values", None)
        detail = f" {values!r}" if values else ""
        return f"create {self.obj.noun} {self.obj.qualified_name}{detail}"


class DropObjectOp(MigrateOperation):
    """Drop ``obj``, after the last op of the script that uses it."""

    def __init__(self, obj: DatabaseObject) -> None:
        self.obj = obj

    def reverse(self) -> CreateObjectOp:
        return CreateObjectOp(self.obj)

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (f"remove_{self.obj.kind}", *self.obj.diff_key())

    def describe(self) -> str:
        return f"drop {self.obj.noun} {self.obj.qualified_name}"


def render_create_object(autogen_context: Any, op: CreateObjectOp) -> list[str]:
    if op.implicit:
        return comment_lines(
            f"{op.obj.noun} {op.obj.qualified_name} is created by create_table below"
        )
    return op.obj.create_lines(autogen_context)


def render_drop_object(autogen_context: Any, op: DropObjectOp) -> list[str]:
    return op.obj.drop_lines(autogen_context)


RENDERERS = {CreateObjectOp: render_create_object, DropObjectOp: render_drop_object}
