"""The enums plugin and the user's ``include_name`` / ``include_object`` hooks.

Alembic calls ``include_name`` only with names it reflected from the database, and
``include_object`` with the arguments of its own comparison (``compare_to`` is the reflected
table or column when there is one). A plugin that asked the hooks about other names, or with
other arguments, would break hooks written against that contract, so the enums plugin takes
Alembic's answers instead of asking again: with it switched on, the hooks see exactly the
calls they see without it.

Plain Alembic terms throughout: a ``MigrationContext`` configured with the plugin list a
plain Alembic user sets, ``produce_migrations``, and the rendered script run with ``op``.
"""

from __future__ import annotations

import textwrap
from typing import Any

import alembic  # noqa: F401  # before our plugin modules: importing alembic loads them
import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import postgresql

from flask_migrate_plus.ops.enums import SyncEnumValuesOp

pg_only = pytest.mark.backends("postgresql")

PLAIN_PLUGINS = ["alembic.autogenerate.*", "flask_migrate_plus.*"]
WITHOUT_ENUMS = [*PLAIN_PLUGINS, "~flask_migrate_plus.enums"]


def _models(values: tuple[str, ...], *, reports: bool) -> sa.MetaData:
    """``orders`` in the database already; ``reports`` (same enum type) only in the models."""
    metadata = sa.MetaData()
    status = sa.Enum(*values, name="status")
    sa.Table("orders", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("status", status), sa.Column("note", sa.Text))
    if reports:
        sa.Table("reports", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("status", status))
    return metadata


class Recorder:
    """``include_name`` / ``include_object`` hooks that note every call they get.

    ``include_name`` looks each table up in the database, as a hook that reads a table's
    comment would: it may, since Alembic only ever asks about tables the database has.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.names: list[tuple[Any, ...]] = []
        self.objects: list[tuple[Any, ...]] = []

    def include_name(self, name: str | None, type_: str, parent_names: Any) -> bool:
        self.names.append((name, type_, tuple(sorted(parent_names.items()))))
        if type_ == "table":
            sa.inspect(self.connection).get_table_comment(
                str(name), schema=parent_names.get("schema_name")
            )
        return True

    def include_object(self, obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        table = getattr(obj, "table", None)
        where = getattr(table, "name", None) if type_ == "column" else None
        self.objects.append((type_, where, name, reflected, compare_to is not None))
        return True


def _context(connection: sa.Connection, metadata: sa.MetaData, plugins: list[str],
             recorder: Recorder | None = None) -> MigrationContext:
    opts: dict[str, Any] = {"target_metadata": metadata, "autogenerate_plugins": plugins,
                            "compare_type": True}
    if recorder is not None:
        opts["include_name"] = recorder.include_name
        opts["include_object"] = recorder.include_object
    return MigrationContext.configure(connection, opts=opts)


def _run(engine: sa.Engine, code: str) -> None:
    """Run rendered script code the way a script runs: ``op`` in a migration transaction."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        with context.begin_transaction(), Operations.context(context) as op:
            # render_python_code indents every line after its first, for a function body
            body = textwrap.dedent("    " + code)
            exec(body, {"op": op, "sa": sa, "postgresql": postgresql})  # noqa: S102


def _calls(engine: sa.Engine, metadata: sa.MetaData, plugins: list[str]) -> Recorder:
    with engine.connect() as connection:
        recorder = Recorder(connection)
        produce_migrations(_context(connection, metadata, plugins, recorder), metadata)
    return recorder


@pg_only
def test_hooks_see_exactly_what_alembic_asks(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    _models(("a", "b"), reports=False).create_all(engine)
    wanted = _models(("a", "b", "c"), reports=True)

    with_enums = _calls(engine, wanted, PLAIN_PLUGINS)
    without = _calls(engine, wanted, WITHOUT_ENUMS)

    # Alembic asks about the database's tables only: never about "reports", which the
    # models alone have, nor about its columns.
    asked_tables = {name for name, type_, _ in with_enums.names if type_ == "table"}
    assert asked_tables == {"orders"}
    assert not [call for call in with_enums.names if ("table_name", "reports") in call[2]]
    # And the enums plugin adds no call of its own, to either hook.
    assert sorted(with_enums.names, key=repr) == sorted(without.names, key=repr)
    assert sorted(with_enums.objects, key=repr) == sorted(without.objects, key=repr)
    engine.dispose()


@pg_only
def test_changed_values_still_found_and_the_script_runs(db_url: str) -> None:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    before, after = _models(("a", "b"), reports=False), _models(("a", "b", "c"), reports=True)
    before.create_all(engine)
    with engine.connect() as connection:
        recorder = Recorder(connection)
        script = produce_migrations(_context(connection, after, PLAIN_PLUGINS, recorder), after)
    assert any(isinstance(op, SyncEnumValuesOp) for op in script.upgrade_ops.ops)
    upgrade = render_python_code(script.upgrade_ops)
    downgrade = render_python_code(script.downgrade_ops)
    assert "ALTER TYPE status ADD VALUE IF NOT EXISTS 'c'" in upgrade
    _run(engine, upgrade)
    with engine.connect() as connection:
        second = produce_migrations(
            _context(connection, after, PLAIN_PLUGINS, Recorder(connection)), after
        )
        assert second.upgrade_ops.is_empty()
    _run(engine, downgrade)
    with engine.connect() as connection:
        again = produce_migrations(_context(connection, before, PLAIN_PLUGINS), before)
        assert again.upgrade_ops.is_empty()
    engine.dispose()
