"""Python text for ``CreateSchemaOp`` / ``DropSchemaOp``: SQLAlchemy's own DDL constructs.

``op.execute(sa.schema.CreateSchema("billing", if_not_exists=True))`` lets the dialect quote
the name; the script needs only the ``sa`` import every script has. The drop first drops
the enum types the script's tables created there (``DROP TYPE IF EXISTS``), then the
schema, without CASCADE: a schema that still holds anything (objects the application does
not own) makes the server refuse rather than lose them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..comparators.schemas import CreateSchemaOp, DropSchemaOp

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext


def _prefix(autogen_context: AutogenContext) -> str:
    return str(autogen_context.opts.get("alembic_module_prefix") or "op.")


def render_create_schema(autogen_context: AutogenContext, op: CreateSchemaOp) -> str:
    return (f"{_prefix(autogen_context)}execute("
            f"sa.schema.CreateSchema({op.schema_name!r}, if_not_exists=True))")


def render_drop_schema(autogen_context: AutogenContext, op: DropSchemaOp) -> list[str]:
    """The enum types the script's tables made in the schema, then the schema itself.

    The type drops are SQL text, not ``sa.Enum(...).drop(bind, checkfirst=True)``: that
    would query the server, which ``downgrade --sql`` (offline) has none of.
    """
    prefix = _prefix(autogen_context)
    preparer = autogen_context.dialect.identifier_preparer
    lines = [
        f"{prefix}execute({_drop_type_sql(preparer, name, op.schema_name)!r})"
        for name in op.enum_types
    ]
    lines.append(f"{prefix}execute(sa.schema.DropSchema({op.schema_name!r}, if_exists=True))")
    return lines


def _drop_type_sql(preparer: Any, name: str, schema: str) -> str:
    return f"DROP TYPE IF EXISTS {preparer.quote_schema(schema)}.{preparer.quote(name)}"


def register() -> None:
    """Hook the renderers into Alembic's process-wide dispatcher; safe to call again.

    Imported late: ``import alembic`` may still be loading ``alembic.autogenerate``.
    """
    from alembic.autogenerate.render import renderers

    renderers.dispatch_for(CreateSchemaOp, replace=True)(render_create_schema)
    renderers.dispatch_for(DropSchemaOp, replace=True)(render_drop_schema)
