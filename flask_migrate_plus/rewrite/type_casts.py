"""PostgreSQL type changes that need ``USING <column>::<type>``, in both directions.

PostgreSQL converts a column in place only along an implicit (assignment) cast; between type
families (boolean <-> integer, varchar -> uuid, text -> enum, text -> integer) and between two
enum types, ``ALTER COLUMN ... TYPE`` fails unless it says how to convert. Every such type
change becomes a :class:`CastingAlterColumnOp` whose reverse casts back. A column with a
server default gets three steps: drop the default, cast, set the default again (PostgreSQL
cannot cast a default across families either).
"""

from __future__ import annotations

from typing import Any

from alembic.operations.ops import AlterColumnOp, ModifyTableOps, UpgradeOps
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Dialect

from ..ops.casts import CastingAlterColumnOp
from ..schema.types import implementation

#: (source family, target family) -> the type to pass through, where PostgreSQL has no
#: direct cast: booleans convert only to and from ``integer``; an enum only via ``text``.
CAST_VIA: dict[tuple[Any, Any], str] = {
    (sqltypes.Boolean, sqltypes.Integer): "integer",
    (sqltypes.Integer, sqltypes.Boolean): "integer",
}
ENUM_FAMILY = "enum"


def cast_family(type_: sqltypes.TypeEngine) -> Any:
    """Types of one family convert into each other without an explicit cast."""
    if isinstance(type_, sqltypes.Enum) and type_.native_enum:
        return ENUM_FAMILY
    return type_._type_affinity


def using_expression(
    column: str, source: sqltypes.TypeEngine, target: sqltypes.TypeEngine, dialect: Dialect
) -> str | None:
    """``"col"::type`` (through an intermediate type where needed), or None if not needed."""
    source_family, target_family = cast_family(source), cast_family(target)
    if source_family == target_family and source_family != ENUM_FAMILY:
        return None
    target_ddl = target.compile(dialect=dialect)
    source_ddl = source.compile(dialect=dialect)
    if source_family == target_family and source_ddl == target_ddl:
        return None  # the same enum type; two enum types need one (there is no direct cast)
    steps = []
    via = "text" if source_family == ENUM_FAMILY else CAST_VIA.get(
        (source_family, target_family)
    )
    if via and via.upper() not in (source_ddl.upper(), target_ddl.upper()):
        steps.append(via)
    steps.append(target_ddl)
    value = dialect.identifier_preparer.quote(column)
    if source_family is sqltypes.Uuid and 0 < (getattr(target, "length", None) or 36) < 36:
        # The dashed text would be cut short; 32 hex digits is the undashed form
        # (SQLAlchemy's own CHAR(32) storage), which converts back to uuid unchanged.
        value = f"replace({value}::text, '-', '')"
    return value + "".join(f"::{step}" for step in steps)


def _default_steps(
    op: AlterColumnOp, casting: CastingAlterColumnOp, model_default: Any
) -> list[AlterColumnOp]:
    """Drop the old default, cast, set the new one: PostgreSQL cannot cast a default across
    families either, and one ``alter_column`` changes the type before the default."""
    final_nullable = op.modify_nullable if op.modify_nullable is not None else op.existing_nullable
    drop = AlterColumnOp(
        op.table_name, op.column_name, existing_type=op.existing_type,
        existing_server_default=op.existing_server_default, modify_server_default=None,
        schema=op.schema, existing_nullable=op.existing_nullable,
    )
    casting.existing_server_default = None
    casting.modify_server_default = False
    steps: list[AlterColumnOp] = [drop, casting]
    if model_default is not None:
        steps.append(AlterColumnOp(
            op.table_name, op.column_name, existing_type=op.modify_type,
            existing_server_default=None, modify_server_default=model_default,
            schema=op.schema, existing_nullable=final_nullable,
        ))
    return steps


def add_postgresql_casts(autogen_context: Any, upgrade_ops: UpgradeOps) -> None:
    """The pass: give each cross-family type change a cast, both ways."""
    dialect = autogen_context.dialect
    for table_ops in upgrade_ops.ops:
        if isinstance(table_ops, ModifyTableOps):
            _cast_table(autogen_context, dialect, table_ops)


def _model_column(autogen_context: Any, table_ops: ModifyTableOps, name: str) -> Any:
    key = f"{table_ops.schema}.{table_ops.table_name}" if table_ops.schema else (
        table_ops.table_name
    )
    table = autogen_context.table_key_to_table.get(key)
    return None if table is None else table.columns.get(name)


def _cast_table(autogen_context: Any, dialect: Dialect, table_ops: ModifyTableOps) -> None:
    rewritten: list[Any] = []
    for op in table_ops.ops:
        rewritten.append(op)
        if not isinstance(op, AlterColumnOp) or isinstance(op, CastingAlterColumnOp):
            continue
        if op.modify_type is None or op.existing_type is None or "postgresql_using" in op.kw:
            continue
        old = implementation(op.existing_type, dialect)
        new = implementation(op.modify_type, dialect)
        using = using_expression(op.column_name, old, new, dialect)
        back = using_expression(op.column_name, new, old, dialect)
        if not (using and back):
            continue
        casting = CastingAlterColumnOp.from_op(op, using, back)
        rewritten[-1] = casting
        if op.existing_server_default not in (None, False):
            model_default = op.modify_server_default
            if model_default is False:  # unchanged: the model's default, set again after
                column = _model_column(autogen_context, table_ops, op.column_name)
                model_default = column.server_default if column is not None else None
            rewritten[-1:] = _default_steps(op, casting, model_default)
    table_ops.ops[:] = rewritten
