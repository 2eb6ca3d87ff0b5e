"""The Alembic options that switch our plugins on, for the extension and for plain Alembic.

A project without Flask gets every improvement from its own ``env.py``::

    from flask_migrate_plus.wiring import alembic_configure_args

    context.configure(connection=connection, target_metadata=target_metadata,
                      **alembic_configure_args())

The user's own ``render_item`` and ``process_revision_directives`` are chained with ours,
never replaced: theirs run first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from alembic.util import to_tuple

from .describe import describe_op
from .filters import ignore_tables_name_filter, ignore_tables_object_filter
from .ops.execute import SERVER_WARNINGS
from .ops.notes import HeaderOp, ImpliedOp, needs_review
from .ops.online import LockTimeoutOp
from .renderers.directives import DIRECTIVE_HOOKS
from .renderers.types import render_item as render_our_types
from .rewrite.drop_notes import note_downgrade
from .rewrite.op_tree import walk

# "No changes in schema detected." goes where Flask-Migrate's env.py sends it, so it prints
# under any alembic.ini, including one written by Flask-Migrate.
log = logging.getLogger("alembic.env")
# Server warnings during upgrade/downgrade, next to Alembic's "Running upgrade ..." lines:
# a logger under "alembic" stays on under any alembic.ini and env.py (Flask-Migrate's
# fileConfig() disables every logger its ini does not name, "flask_migrate_plus" included).
migration_log = logging.getLogger("alembic.runtime.migration")

#: Alembic's own comparators plus every comparator module this package publishes.
BUILTIN_PLUGINS = "alembic.autogenerate.*"
OUR_PLUGIN_PREFIX = "flask_migrate_plus"

ProcessRevisionDirectives = Callable[[MigrationContext, Any, list[MigrationScript]], None]
RenderItem = Callable[[str, Any, Any], "str | bool | None"]


READ_WARNINGS = sa.text("SELECT pg_catalog.current_setting(:name, true)")
CLEAR_WARNINGS = sa.text("SELECT pg_catalog.set_config(:name, '', false)")


def autogenerate_plugins(disabled: Iterable[str] = ()) -> list[str]:
    """The ``autogenerate_plugins`` list: Alembic's built-ins, ours, minus ``disabled``.

    ``disabled`` holds short names such as ``"checks"``; each becomes an exclusion
    (``~flask_migrate_plus.checks``), which Alembic applies after the wildcard.
    """
    names = [BUILTIN_PLUGINS, f"{OUR_PLUGIN_PREFIX}.*"]
    names += [f"~{OUR_PLUGIN_PREFIX}.{name}" for name in sorted(set(disabled))]
    return names


def drop_empty_autogenerate(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Write no file when autogenerate found nothing, as Flask-Migrate's env.py does.

    A multi-database env.py configures one context per database and this hook runs after
    each; the script may only be dropped after the last one (``migrate_plus_database_count``
    says how many there are), or Alembic fails on the next database.
    """
    cmd_opts = getattr(context.config, "cmd_opts", None) if context.config else None
    if not getattr(cmd_opts, "autogenerate", False) or not directives:
        return
    ops_list = directives[0].upgrade_ops_list
    single = [ops.upgrade_token for ops in ops_list] == ["upgrades"]
    expected = context.opts.get("migrate_plus_database_count")
    if not single and (expected is None or len(ops_list) < expected):
        return
    if all(ops.is_empty() for ops in ops_list):
        directives[:] = []
        log.info("No changes in schema detected.")


def report_plugins(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Say once per autogenerate which comparator plugins took part (DEBUG: for a bug
    report, not for every run)."""
    if getattr(context, "_migrate_plus_reported", False):
        return
    context._migrate_plus_reported = True  # type: ignore[attr-defined]
    names = context.opts.get("autogenerate_plugins") or [BUILTIN_PLUGINS]
    log.debug("Compared with autogenerate plugins: %s", ", ".join(names))


def fresh_imports(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Give each script its own imports set (Alembic's default is shared between scripts)."""
    for script in directives:
        script.imports = set(script.imports or ())


def note_downgrades(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Comments on the downgrade's drops and on a NOT NULL column it adds back."""
    for script in directives:
        for downgrade_ops in script.downgrade_ops_list:
            note_downgrade(downgrade_ops)


def header_lines(container: Any) -> tuple[str, ...]:
    """The comment opening a script function: who wrote it, and what needs a review."""
    operations = [op for op in walk(container)
                  if not isinstance(op, HeaderOp | ImpliedOp | LockTimeoutOp)]
    # Names may hold line breaks: in a comment they would end it and start code.
    review = [line.replace("\r", "\\r").replace("\n", "\\n")
              for op in operations if needs_review(op) for line in describe_op(op)]
    count = f"{len(operations)} operation{'s' if len(operations) != 1 else ''}"
    if not review:
        return (f"# ### written by flask-migrate-plus: {count}, nothing needs review ###",)
    return (
        f"# ### written by flask-migrate-plus: {count}; review the {len(review)} "
        "marked with a comment: ###",
        *(f"#   - {line}" for line in review),
    )


def add_headers(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Open every ``upgrade()`` / ``downgrade()`` with :func:`header_lines`."""
    for script in directives:
        for container in [*script.upgrade_ops_list, *script.downgrade_ops_list]:
            if container.ops and not isinstance(container.ops[0], HeaderOp):
                container.ops.insert(0, HeaderOp(header_lines(container)))


def relay_server_warnings(ctx: MigrationContext, step: Any, heads: Any, run_args: Any) -> None:
    """Print the WARNINGs our SQL raised on the server during a migration step, one line each.

    Scripts leave some decisions to the server, which says what it decided in a WARNING (a
    schema kept because something the models do not describe is still in it). psql shows
    those (``--sql``); online, SQLAlchemy passes them to a logger that is off under every
    alembic.ini, so the same SQL also leaves them in a session setting
    (``ops.execute.SERVER_WARNINGS``), read here. An ``on_version_apply`` hook: it runs after
    every step, on PostgreSQL, online.
    """
    if ctx.as_sql or ctx.connection is None or ctx.dialect.name != "postgresql":
        return
    setting = {"name": SERVER_WARNINGS}
    posted = ctx.connection.execute(READ_WARNINGS, setting).scalar()
    if not posted:
        return
    for line in str(posted).splitlines():
        migration_log.warning("%s", line)
    ctx.connection.execute(CLEAR_WARNINGS, setting)


def chain_process_revision_directives(
    *functions: ProcessRevisionDirectives | None,
) -> ProcessRevisionDirectives:
    """One ``process_revision_directives`` that calls each given function in turn."""
    chain = [fn for fn in functions if fn is not None]

    def process_revision_directives(
        context: MigrationContext, revision: Any, directives: list[MigrationScript]
    ) -> None:
        for fn in chain:
            fn(context, revision, directives)
            if not directives:
                return

    process_revision_directives.chained = tuple(chain)  # type: ignore[attr-defined]
    return process_revision_directives


def chain_render_item(user: RenderItem | None, ours: RenderItem | None) -> RenderItem | None:
    """The user's ``render_item`` first; ours only where it returns False."""
    if user is None or ours is None:
        return user or ours

    def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool | None:
        rendered = user(type_, obj, autogen_context)
        if rendered is not False:
            return rendered
        return ours(type_, obj, autogen_context)

    return render_item


def our_process_revision_directives() -> list[ProcessRevisionDirectives]:
    """Our ``process_revision_directives`` hooks, in the order they must run."""
    return [report_plugins, fresh_imports, *DIRECTIVE_HOOKS]


def alembic_configure_args(
    user_args: Mapping[str, Any] | None = None,
    *,
    disabled_plugins: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``context.configure`` with our plugins wired in.

    ``user_args`` are the user's own ``context.configure`` keywords (kept, and chained
    where they are hooks); ``options`` are our plugins' switches, passed through Alembic's
    options as ``migrate_plus_*`` keys that comparators and renderers read from
    ``autogen_context.opts``.
    """
    args: dict[str, Any] = dict(user_args or {})
    args.setdefault("autogenerate_plugins", autogenerate_plugins(disabled_plugins))
    args["render_item"] = chain_render_item(args.get("render_item"), render_our_types)
    args["process_revision_directives"] = chain_process_revision_directives(
        # Before the user's hook too: an ``imports.add()`` there would otherwise write into
        # Alembic's one default set, shared by every later script of the process.
        fresh_imports,
        args.get("process_revision_directives"),
        *our_process_revision_directives(),
        drop_empty_autogenerate,
        note_downgrades,
        add_headers,
    )
    args["on_version_apply"] = (*to_tuple(args.get("on_version_apply"), default=()),
                                relay_server_warnings)
    ignored = (options or {}).get("ignore_tables") or ()
    args["include_name"] = ignore_tables_name_filter(ignored, args.get("include_name"))
    args["include_object"] = ignore_tables_object_filter(ignored, args.get("include_object"))
    for key, value in (options or {}).items():
        args[f"migrate_plus_{key}"] = value
    return args
