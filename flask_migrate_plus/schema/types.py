"""Looking inside a column type: what it wraps, and what it becomes on a dialect.

A model column's type is often a wrapper: a ``TypeDecorator`` around its storage type, an
``ARRAY`` around its item type, a ``with_variant`` mapping per dialect. Comparators and
rewrite passes ask the same questions of every wrapper (is there an enum type inside, which
schema does it live in, what does the dialect really create), so the walk is written once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect

#: Wrappers nest only a few levels; the bound keeps an odd self-referencing type from looping.
MAX_DEPTH = 8

#: The types a native enum can hide behind (besides a ``with_variant`` mapping).
ENUM_CARRIERS = (sa.Enum, sa.ARRAY, sqltypes.TypeDecorator)


def wrapped_types(type_: Any, depth: int = 0) -> Iterator[Any]:
    """``type_`` and every type it wraps: a decorator's storage type, an array's item type."""
    yield type_
    if depth >= MAX_DEPTH:
        return
    if isinstance(type_, sqltypes.TypeDecorator):
        yield from wrapped_types(type_.impl_instance, depth + 1)
    item = getattr(type_, "item_type", None)
    if isinstance(item, sqltypes.TypeEngine):
        yield from wrapped_types(item, depth + 1)


def implementation(type_: sqltypes.TypeEngine[Any], dialect: Dialect) -> sqltypes.TypeEngine[Any]:
    """What ``type_`` becomes on ``dialect``: variants chosen, TypeDecorators unwrapped."""
    impl = type_.dialect_impl(dialect)
    for _ in range(MAX_DEPTH):
        if not isinstance(impl, sqltypes.TypeDecorator):
            break
        impl = impl.impl_instance
    return impl


def compiled_by_application(
    type_: Any, dialect: Dialect, impl: sqltypes.TypeEngine[Any] | None = None
) -> bool:
    """Whether an ``@compiles`` function of the application may write the DDL of ``type_``.

    ``@compiles(DateTime, "mysql")`` makes ``DateTime()`` create ``DATETIME(6)``, which the
    type object's attributes do not show; only its compiled DDL says what the column gets.
    ``sqlalchemy.ext.compiler`` marks each class it takes over with ``_compiler_dispatcher``
    (subclasses see the mark too, whether or not the override reaches them, so a True only
    means "read the compiled DDL", which is right either way). An attribute check, no
    compiling: most types are never taken over. ``impl``: ``implementation(type_, dialect)``
    when the caller has it already.
    """
    inner_types = (*wrapped_types(type_), impl or implementation(type_, dialect))
    return any(getattr(type(inner), "_compiler_dispatcher", None) is not None
               for inner in inner_types)


def native_enum(type_: Any, dialect: Dialect) -> tuple[sa.Enum | None, bool]:
    """The native enum type behind a column type on ``dialect``, and whether the column is
    an array of it. Looks through TypeDecorators, ``with_variant`` and ``ARRAY`` the way
    the dialect would."""
    if not type_._variant_mapping and not isinstance(type_, ENUM_CARRIERS):
        # dialect_impl() only specialises a type within its own class: nothing else can
        # become an enum, and asking would adapt a copy of every reflected type.
        return None, False
    is_array = False
    for _ in range(MAX_DEPTH):
        if isinstance(type_, sqltypes.TypeDecorator):
            type_ = type_.load_dialect_impl(dialect)
            continue
        impl = type_.dialect_impl(dialect)
        if isinstance(impl, sa.ARRAY) and not is_array:
            type_, is_array = impl.item_type, True
            continue
        if isinstance(impl, sa.Enum) and impl.native_enum:
            return impl, is_array
        break
    return None, False


def type_schemas(type_: Any) -> Iterator[str]:
    """The schemas the schema-bound types inside ``type_`` (enum types) live in."""
    for inner in wrapped_types(type_):
        schema = getattr(inner, "schema", None) if isinstance(inner, sqltypes.SchemaType) else None
        if schema:
            yield schema
