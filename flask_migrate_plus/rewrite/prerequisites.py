"""Each prerequisite object goes right before its first user, and is dropped after its last.

Comparators and earlier passes emit :class:`CreateObjectOp` / :class:`DropObjectOp` wherever
they found the need (schemas, enum and composite types, extensions, sequences). Here each is
moved to its place in the finished list: a create just before the first top-level op that
uses the object (or first, if none does), a drop just after the last one (or last). The
downgrade, being the reverse list, then creates before the first user and drops after the
last one by itself.

An op "uses" an object when the object is named by it: the types of the columns it
creates, drops or alters (enum and composite types, the extension a type needs), the
sequence a column default calls. Schemas, which anything may live in, are simply created
first and dropped last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from ..ops.enums import SyncEnumValuesOp
from ..ops.objects import CreateObjectOp, DropObjectOp, ObjectKey
from ..schema.enums import schema_key
from ..schema.types import native_enum, wrapped_types
from .op_tree import op_columns

#: sqlalchemy-utils types that need a PostgreSQL extension, by class name.
EXTENSION_TYPES = {"LtreeType": "ltree"}

#: A sequence called by a column default: ``nextval('name'::regclass)``.
_NEXTVAL = re.compile(r"""nextval\(\s*'((?:[^']|'')+)'""", re.IGNORECASE)


def library_class_name(type_: Any) -> str | None:
    """The sqlalchemy-utils class a type is (or derives from), by name; None otherwise."""
    for cls in type(type_).__mro__:
        if cls.__module__.startswith("sqlalchemy_utils."):
            return cls.__name__
    return None


def _type_objects(type_: Any, dialect: Any, default: str | None) -> Iterator[ObjectKey]:
    enum, _ = native_enum(type_, dialect)
    if enum is not None and enum.name:
        yield ("enum_type", schema_key(enum.schema, default), str(enum.name))
    for inner in wrapped_types(type_):
        name = library_class_name(inner)
        if name == "CompositeType":
            yield ("composite_type", None, str(inner.name))
        elif name in EXTENSION_TYPES:
            yield ("extension", None, EXTENSION_TYPES[name])


def _sequence_objects(column: sa.Column[Any], default: str | None) -> Iterator[ObjectKey]:
    if isinstance(column.default, sa.Sequence):
        yield ("sequence", schema_key(column.default.schema, default), column.default.name)
    server_default = column.server_default
    text = getattr(getattr(server_default, "arg", None), "text", None)
    for match in _NEXTVAL.finditer(text or ""):
        parts = match.group(1).replace("''", "'").replace('"', "").split(".")
        schema = parts[-2] if len(parts) > 1 else None
        yield ("sequence", schema_key(schema, default), parts[-1])


def objects_used(op: Any, dialect: Any) -> set[ObjectKey]:
    """The objects one top-level op uses (module doc)."""
    default = dialect.default_schema_name
    used: set[ObjectKey] = set()
    if isinstance(op, SyncEnumValuesOp):
        used.add(("enum_type", op.schema, op.name))
    for column, types in op_columns(op):
        for type_ in types:
            used.update(_type_objects(type_, dialect, default))
        if column is not None:
            used.update(_sequence_objects(column, default))
    return used


def _key(op: CreateObjectOp | DropObjectOp, default: str | None) -> ObjectKey:
    kind, schema, name = op.obj.key
    return (kind, schema_key(schema, default), name)


def place_prerequisites(autogen_context: Any, upgrade_ops: ops.UpgradeOps) -> None:
    """The pass (module doc). Schemas, which anything may live in, are created first of all
    and dropped last of all."""
    dialect = autogen_context.dialect
    objects = (CreateObjectOp, DropObjectOp)
    top = list(upgrade_ops.ops)
    others = [op for op in top if isinstance(op, objects) and op.obj.kind != "schema"]
    schemas = [op for op in top if isinstance(op, objects) and op.obj.kind == "schema"]
    placed = _place(others, [op for op in top if not isinstance(op, objects)], dialect)
    upgrade_ops.ops[:] = [
        *[op for op in schemas if isinstance(op, CreateObjectOp)],
        *placed,
        *[op for op in schemas if isinstance(op, DropObjectOp)],
    ]


def _place(moving: list[Any], rest: list[Any], dialect: Any) -> list[Any]:
    """``rest`` with each op of ``moving`` before its object's first user / after its last."""
    if not moving:
        return rest
    if not rest:
        return [op for op in moving if isinstance(op, CreateObjectOp)] + [
            op for op in moving if isinstance(op, DropObjectOp)
        ]
    default = dialect.default_schema_name
    used = [objects_used(op, dialect) for op in rest]
    before: dict[int, list[Any]] = {}  # index in ``rest`` -> ops to put before it
    after: dict[int, list[Any]] = {}
    for op in moving:
        key = _key(op, default)
        users = [index for index, keys in enumerate(used) if key in keys]
        if isinstance(op, CreateObjectOp):
            before.setdefault(users[0] if users else 0, []).append(op)
        else:
            after.setdefault(users[-1] if users else len(rest) - 1, []).append(op)
    placed: list[Any] = []
    for index, kept in enumerate(rest):
        placed += before.get(index, [])
        placed.append(kept)
        placed += after.get(index, [])
    return placed
