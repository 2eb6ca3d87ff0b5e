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

from .execute import comment_lines, execute_line, module_prefix
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


@dataclass(frozen=True)
class Schema(DatabaseObject):
    """A schema the models name and the server lacks (``CREATE SCHEMA IF NOT EXISTS``).

    ``enum_types`` names the enum types the same script's tables create in the schema: the
    tables' own DDL creates them, but ``op.drop_table`` leaves them behind, and a schema
    that still holds a type cannot be dropped; so the drop drops them first. The schema
    itself is dropped without CASCADE: a schema still holding anything (objects the
    application does not own) makes the server refuse rather than lose them.
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
        # The type drops are SQL text, not sa.Enum(...).drop(bind, checkfirst=True): that
        # would query the server, which ``downgrade --sql`` (offline) has none of.
        preparer = autogen_context.dialect.identifier_preparer
        lines = [
            execute_line(autogen_context, f"DROP TYPE IF EXISTS {preparer.quote_schema(self.name)}."
                                          f"{preparer.quote(type_name)}")
            for type_name in self.enum_types
        ]
        lines.append(f"{module_prefix(autogen_context)}execute("
                     f"sa.schema.DropSchema({self.name!r}, if_exists=True))")
        return lines


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
