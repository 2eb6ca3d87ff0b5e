"""Which database objects autogenerate may look at: the user's filters plus ours.

Tables the application does not own (PostGIS's ``spatial_ref_sys``, its topology and tiger
schemas, and whatever ``MIGRATE_PLUS_IGNORE_TABLES`` adds to those) are never compared, so
never dropped. Our filters are combined with the user's own ``include_name`` /
``include_object``: an object is included only when both agree. These are name patterns,
known before any connection; what PostgreSQL extensions own, whatever its name, is read
from the catalog once per run and left out by the ``schemas`` plugin itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any

IncludeName = Callable[[str | None, str, Any], bool]
IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def table_is_ignored(patterns: Iterable[str], schema: str | None, name: str | None) -> bool:
    """True when ``name`` or ``schema.name`` matches one of the glob ``patterns``."""
    if name is None:
        return False
    candidates = [name] if schema is None else [f"{schema}.{name}", name]
    return any(fnmatchcase(c, p) for p in patterns for c in candidates if "." in p or c == name)


def ignore_tables_name_filter(
    patterns: Iterable[str], user: IncludeName | None
) -> IncludeName | None:
    """An ``include_name`` hook that skips ignored tables, then asks the user's hook."""
    patterns = tuple(patterns)
    if not patterns:
        return user

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "table":
            schema = (parent_names or {}).get("schema_name")
            if table_is_ignored(patterns, schema, name):
                return False
        return user(name, type_, parent_names) if user is not None else True

    return include_name


def ignore_tables_object_filter(
    patterns: Iterable[str], user: IncludeObject | None
) -> IncludeObject | None:
    """An ``include_object`` hook with the same rule, for models that declare such a table."""
    patterns = tuple(patterns)
    if not patterns:
        return user

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        if type_ == "table" and table_is_ignored(patterns, getattr(obj, "schema", None), name):
            return False
        return user(obj, name, type_, reflected, compare_to) if user is not None else True

    return include_object
