"""SQL taken from the models or the schema is written as a Python literal holding that SQL.

Two places where Alembic's text is not the SQL it read:

- a string server default is written *after stripping one leading and one trailing quote*
  (render.py ``_render_server_default``): ``server_default="'x'"`` becomes ``'x'``, the
  migration creates another default and the next autogenerate proposes it again;
- SQL expressions (CHECK texts, ``text()`` defaults) are compiled with the target dialect,
  which on the "format"/"pyformat" drivers (psycopg2, PyMySQL) doubles every ``%`` for the
  driver. The script's ``sa.text()`` / ``CheckConstraint`` is compiled again when it runs,
  so a column named ``rate%`` arrives as ``"rate%%"`` and the DDL fails.

Both are written here with ``repr()`` of the exact SQL. Names and comments Alembic already
writes with ``repr()``; everything else falls through to it (False).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.schema import CheckConstraint, DefaultClause, Table
from sqlalchemy.sql.elements import ClauseElement, conv

_DOUBLING_PARAMSTYLES = ("format", "pyformat")


def alembic_prefix(autogen_context: Any) -> str:
    """``batch_op.`` inside a batch block (Alembic's own flag), else ``op.``."""
    if autogen_context._has_batch:
        return "batch_op."
    return autogen_context.opts.get("alembic_module_prefix") or "op."


def _sqlalchemy_prefix(autogen_context: Any) -> str:
    return autogen_context.opts.get("sqlalchemy_module_prefix") or ""


def sql_text(expr: ClauseElement, autogen_context: Any, **kw: Any) -> str:
    """The SQL of ``expr`` as the dialect compiles it for DDL, without driver escaping."""
    sql = autogen_context.migration_context.impl.render_ddl_sql_expr(expr, **kw)
    if autogen_context.dialect.paramstyle in _DOUBLING_PARAMSTYLES:
        # Every "%" was doubled for the driver; that is the inverse, exactly.
        sql = sql.replace("%%", "%")
    return str(sql)


def render_server_default(default: Any, autogen_context: Any) -> str | Literal[False]:
    """The exact literal for a string default, ``sa.text(<sql>)`` for an expression."""
    if not isinstance(default, DefaultClause):
        return False  # Computed, Identity, FetchedValue: Alembic's own forms
    if isinstance(default.arg, str):
        return repr(default.arg)
    if isinstance(default.arg, ClauseElement):
        sql = sql_text(default.arg, autogen_context, is_server_default=True)
        return f"{_sqlalchemy_prefix(autogen_context)}text({sql!r})"
    return False


def _name(name: Any, autogen_context: Any) -> str | None:
    if isinstance(name, conv):  # a naming-convention result, final as it is
        return f"{alembic_prefix(autogen_context)}f({str(name)!r})"
    if isinstance(name, str) and name:
        return repr(str(name))
    return None


def _twin_written(constraint: CheckConstraint) -> bool:
    """Whether ``constraint`` has a twin (same name, same SQL) in its table that is written in
    its place.

    Alembic renders ``create_table`` from a copy of the model's table: copying a column copies
    its type, and an application type whose ``after_parent_attach`` listener adds a CHECK adds
    it to the copy again, next to the copied one. A table holds one constraint once.
    """
    table = constraint.parent
    if not isinstance(table, Table):
        return False
    text = str(constraint.sqltext)
    twins = [
        other for other in table.constraints
        if isinstance(other, CheckConstraint) and other.name == constraint.name
        and str(other.sqltext) == text
    ]
    return len(twins) > 1 and constraint is not min(twins, key=id)


def render_check(constraint: CheckConstraint, autogen_context: Any) -> str | None | Literal[False]:
    """``sa.CheckConstraint(<sql>, name=...)`` with the SQL exactly as compiled; nothing for
    the second of two twins."""
    if constraint._type_bound:
        return False  # made by its type (Boolean, Enum): Alembic writes none
    if _twin_written(constraint):
        return None
    if constraint.dialect_kwargs:
        return False  # options we leave to Alembic
    args = [repr(sql_text(constraint.sqltext, autogen_context))]
    name = _name(constraint.name, autogen_context)
    if name is not None:
        args.append(f"name={name}")
    return f"{_sqlalchemy_prefix(autogen_context)}CheckConstraint({', '.join(args)})"
