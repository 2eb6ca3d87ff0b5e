"""Table comment ops written with ``repr()`` for the table and schema names.

Outside batch mode Alembic writes ``op.create_table_comment('<table>', ...)`` by pasting the
name between single quotes (render.py ``_render_create_table_comment``), so a table named
``it's`` gives a script that does not compile, and a crafted name becomes code. These
renderers write the same call with every name and comment as a Python literal. They
replace Alembic's two renderers process-wide (the output is otherwise identical).
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from .execute import op_prefix


def _call(autogen_context: Any, name: str, op: Any, args: list[str]) -> str:
    if not autogen_context._has_batch:
        args = [repr(str(op.table_name)), *args, f"schema={_literal(op.schema)}"]
    body = ",\n".join(f"    {arg}" for arg in args)
    return f"{op_prefix(autogen_context)}{name}(\n{body}\n)"


def _literal(value: Any) -> str:
    return "None" if value is None else repr(str(value))


def render_create_table_comment(autogen_context: Any, op: ops.CreateTableCommentOp) -> str:
    """``create_table_comment`` with the comment and the previous one as literals."""
    return _call(autogen_context, "create_table_comment", op,
                 [_literal(op.comment), f"existing_comment={_literal(op.existing_comment)}"])


def render_drop_table_comment(autogen_context: Any, op: ops.DropTableCommentOp) -> str:
    """``drop_table_comment`` with the previous comment as a literal."""
    return _call(autogen_context, "drop_table_comment", op,
                 [f"existing_comment={_literal(op.existing_comment)}"])


RENDERERS = {
    ops.CreateTableCommentOp: render_create_table_comment,
    ops.DropTableCommentOp: render_drop_table_comment,
}
