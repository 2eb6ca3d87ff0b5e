"""Plain SQLAlchemy types as script text: the form every "impl" render ends in.

A decorator's storage type, as the dialect hands it back, is often a private class
(``PGUuid``, ``_PGJSON``, ``DATERANGERangeImpl``) that a script cannot name. We step up its
MRO to the first class SQLAlchemy exports publicly and adapt the instance to it, then write
it the way Alembic writes SQLAlchemy types: ``sa.<repr>`` or ``<dialect>.<repr>`` with the
dialect module imported.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import sqlalchemy
from sqlalchemy.types import TypeEngine

from .variants import impl_for_dialect

_DIALECT_MODULE = re.compile(r"^sqlalchemy\.dialects\.(\w+)")


def is_sqlalchemy_type(type_: Any) -> bool:
    """True for SQLAlchemy's own types, which Alembic already renders correctly."""
    return type(type_).__module__.startswith("sqlalchemy.")


def _dialect_name(cls: type) -> str | None:
    match = _DIALECT_MODULE.match(cls.__module__)
    return match.group(1) if match else None


def _exported(cls: type) -> bool:
    """Whether a script can name ``cls`` as ``sa.X`` or ``<dialect>.X``."""
    if cls.__name__.startswith("_") or not cls.__module__.startswith("sqlalchemy."):
        return False
    dialect = _dialect_name(cls)
    if dialect is None:
        return getattr(sqlalchemy, cls.__name__, None) is cls
    module = importlib.import_module(f"sqlalchemy.dialects.{dialect}")
    return getattr(module, cls.__name__, None) is cls


def public_type(type_: TypeEngine[Any]) -> TypeEngine[Any] | None:
    """``type_`` as an instance of a publicly exported SQLAlchemy class, or None."""
    for cls in type(type_).__mro__:
        if isinstance(cls, type) and issubclass(cls, TypeEngine) and _exported(cls):
            return type_ if cls is type(type_) else type_.adapt(cls)
    return None


def render_public_type(type_: TypeEngine[Any], autogen_context: Any) -> str:
    """Script text for a public SQLAlchemy type, adding the dialect import it needs."""
    dialect = _dialect_name(type(type_))
    if dialect is None:
        prefix = autogen_context.opts.get("sqlalchemy_module_prefix") or ""
        return prefix + _with_item_type(type_, autogen_context)
    autogen_context.imports.add(f"from sqlalchemy.dialects import {dialect}")
    # A dialect's type is written by that dialect's rules, not by those of the database the
    # script is generated against (a JSONB variant generated on SQLite, say).
    impl = getattr(autogen_context.migration_context, "impl", None)
    if impl is None or getattr(impl, "__dialect__", None) != dialect:
        impl = impl_for_dialect(dialect)
    rendered = impl.render_type(type_, autogen_context) if impl is not None else False
    if isinstance(rendered, str):
        return rendered
    return f"{dialect}.{_with_item_type(type_, autogen_context)}"


def _with_item_type(type_: TypeEngine[Any], autogen_context: Any) -> str:
    """The type's repr, with an array's item type (bare in the repr) rendered in full."""
    text = repr(type_)
    item = getattr(type_, "item_type", None)
    if isinstance(item, TypeEngine):
        rendered = render_public_type(public_type(item) or item, autogen_context)
        text = text.replace(repr(item), rendered, 1)
    return text
