"""The application's own types: written as ``module.Class(args)`` only when that is the truth.

A type's repr is a faithful constructor when evaluating it (with only its module imported)
rebuilds a type of the same class, with the same repr and the same DDL on the target dialect,
that can be put in a column of a table with nothing else happening to the table.
``TypeDecorator``'s inherited repr shows the *impl's* arguments (``MoneyType(precision=12,
scale=2)`` for a ``MoneyType()`` taking none), and reprs of callables or Enum members do not
evaluate at all: both fail the check and the caller falls back to the storage type.

A type may also register an ``after_parent_attach`` listener that uses arguments its repr
does not show (bounds it turns into a CHECK): ``BoundedInt()`` evaluates, and the migration
dies with TypeError when its column joins the table. And a listener that does work adds a
CHECK or an index the script already writes from the model's table: twice. So the rebuilt
type is put in a column of a table with the application's events running, and must neither
fail nor add anything; otherwise the storage type is written.

Keyword arguments that look like secrets are refused even when faithful: a script is
committed to version control, an encryption key must never be.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import SQLAlchemyError

from .verify import added_by_events, build_in_table

_SECRET_KEYWORD = re.compile(r"\b\w*(key|secret|password|passwd|token|salt)\w*\s*=", re.I)


def _ddl(type_: Any, dialect: Dialect) -> str | None:
    try:
        return str(type_.compile(dialect=dialect))
    except (SQLAlchemyError, TypeError, ValueError, AttributeError, KeyError):
        return None


def faithful_constructor(
    type_: Any, dialect: Dialect, column_name: str = "c"
) -> tuple[str, str] | None:
    """``(text, import line)`` rebuilding ``type_`` from its module, or None if none exists.

    ``column_name`` is the model column's: the type's events may use it.
    """
    module = type(type_).__module__
    if module in ("__main__", "builtins") or not module.replace(".", "").isidentifier():
        return None
    text = f"{module}.{type_!r}"
    if _SECRET_KEYWORD.search(repr(type_)):
        return None
    import_line = f"import {module}"
    namespace: dict[str, Any] = {}
    try:
        exec(import_line, namespace)
        rebuilt = eval(text, namespace)
    except Exception:  # any failure means the repr is not a constructor call
        return None
    if type(rebuilt) is not type(type_) or repr(rebuilt) != repr(type_):
        return None
    original = _ddl(type_, dialect)
    if original is None or _ddl(rebuilt, dialect) != original:
        return None
    try:
        table = build_in_table(rebuilt, column_name)
    except Exception:  # the application's events fail on what the repr leaves out
        return None
    if added_by_events(table):
        return None
    return text, import_line
