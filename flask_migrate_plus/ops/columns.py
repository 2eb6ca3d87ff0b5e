"""Column ops of our own: the temporary default that fills a new NOT NULL column."""

from __future__ import annotations

from alembic.operations import ops


class TemporaryDefaultOp(ops.AlterColumnOp):
    """Remove the server default that gave a new NOT NULL column its value in existing rows.

    Rendered by Alembic's own ``alter_column`` renderer; only its description is ours.
    """

    def describe(self) -> str:
        table = f"{self.schema}.{self.table_name}" if self.schema else self.table_name
        value = getattr(self.existing_server_default, "arg", self.existing_server_default)
        return (
            f"existing rows of {table}.{self.column_name} get "
            f"{getattr(value, 'text', value)}, the model's default"
        )
