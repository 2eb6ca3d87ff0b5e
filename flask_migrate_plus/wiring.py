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

from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext

from .filters import ignore_tables_name_filter, ignore_tables_object_filter
from .renderers.directives import DIRECTIVE_HOOKS
from .renderers.types import render_item as render_our_types

# "No changes in schema detected." goes where Flask-Migrate's env.py sends it, so it prints
# under any alembic.ini, including one written by Flask-Migrate.
log = logging.getLogger("alembic.env")

#: Alembic's own comparators plus every comparator module this package publishes.
BUILTIN_PLUGINS = "alembic.autogenerate.*"
OUR_PLUGIN_PREFIX = "flask_migrate_plus"

ProcessRevisionDirectives = Callable[[MigrationContext, Any, list[MigrationScript]], None]
RenderItem = Callable[[str, Any, Any], "str | bool | None"]


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
    """Say once per autogenerate which comparator plugins took part."""
    if getattr(context, "_migrate_plus_reported", False):
        return
    context._migrate_plus_reported = True  # type: ignore[attr-defined]
    names = context.opts.get("autogenerate_plugins") or [BUILTIN_PLUGINS]
    log.info("Compared with autogenerate plugins: %s", ", ".join(names))


def fresh_imports(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Give each script its own imports set (Alembic's default is shared between scripts)."""
    for script in directives:
        script.imports = set(script.imports or ())


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
    )
    ignored = (options or {}).get("ignore_tables") or ()
    args["include_name"] = ignore_tables_name_filter(ignored, args.get("include_name"))
    args["include_object"] = ignore_tables_object_filter(ignored, args.get("include_object"))
    for key, value in (options or {}).items():
        args[f"migrate_plus_{key}"] = value
    return args
