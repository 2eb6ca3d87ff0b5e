"""Types with per-dialect variants, each variant written by its own dialect's rules.

Alembic writes ``sa.JSON().with_variant(postgresql.JSONB(), "postgresql")`` with the rules of
the database the script was generated against: generated on SQLite, the JSONB variant comes out
as ``postgresql.JSONB(astext_type=Text())`` and the script fails with NameError. Each variant
is rendered here as its own dialect renders it, whatever the database of the run.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy.types import TypeEngine


def has_variants(type_: Any) -> bool:
    return bool(getattr(type_, "_variant_mapping", None))


def without_variants(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The base type of a ``with_variant`` chain (SQLAlchemy copies the type the same way)."""
    base = copy.copy(type_)
    base._variant_mapping = type(type_._variant_mapping)()
    return base


def render_with_variants(
    type_: TypeEngine[Any], autogen_context: Any, render: Callable[[Any, Any], str]
) -> str:
    """``<base>.with_variant(<variant>, '<dialect>')...``, each part through ``render``."""
    text = render(without_variants(type_), autogen_context)
    for dialect in sorted(type_._variant_mapping):
        variant = type_._variant_mapping[dialect]
        text += f".with_variant({render(variant, autogen_context)}, {dialect!r})"
    return text


@cache
def impl_for_dialect(name: str) -> Any:
    """An Alembic impl of dialect ``name``, for its ``render_type`` rules only.

    Its rendering methods use no connection or state, so the instance is built without
    ``__init__``; None when the dialect or its Alembic impl is not available.
    """
    from alembic.ddl.impl import DefaultImpl
    from sqlalchemy.dialects import registry

    try:
        dialect = registry.load(name)()
    except Exception:  # the dialect's driver-less class could not be loaded
        return None
    impl_class = DefaultImpl.get_by_dialect(dialect)
    return impl_class.__new__(impl_class)
