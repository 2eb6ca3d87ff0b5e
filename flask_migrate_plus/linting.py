"""``flask db lint``: which revisions to lint, on which dialect, and how to print the
findings. The rules themselves are plugin core (``flask_migrate_plus.lint``) and know
nothing of Flask; this module picks the scripts and the dialect from the application.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence

import click
import sqlalchemy as sa
from alembic.script import Script, ScriptDirectory

from .database import database_heads, default_engine, engines, ensure_reachable
from .errors import MigrateError
from .extension import MigrateState
from .lint import Finding, LintError, lint_script
from .lint.recorder import migration_context
from .sql.dialects import dialect_family

OUTPUT_FORMATS = ("text", "json")


def revisions_to_lint(state: MigrateState, script: ScriptDirectory,
                      revision_range: str | None, all_revisions: bool) -> list[Script]:
    """The scripts to lint, oldest first: those in ``revision_range`` (``rev1:rev2`` as in
    ``history``, both ends included; one revision alone), every script with
    ``all_revisions``, else those the database has not applied (every script when it has
    no version table yet)."""
    if all_revisions and revision_range:
        raise MigrateError("give a revision range or --all, not both")
    if all_revisions:
        return _oldest_first(script.walk_revisions())
    if revision_range:
        if ":" not in revision_range:
            found = script.get_revision(revision_range)
            if found is None:
                raise MigrateError(f"no such revision: {revision_range}")
            return [found]
        lower, _, upper = revision_range.partition(":")
        return _oldest_first(script.walk_revisions(base=lower or "base", head=upper or "heads"))
    ensure_reachable(state)
    heads = database_heads(state)
    every = _oldest_first(script.walk_revisions())
    if not heads:
        return every
    applied = {revision.revision for revision in script.iterate_revisions(heads, "base")}
    return [revision for revision in every if revision.revision not in applied]


def _oldest_first(revisions: Iterable[Script]) -> list[Script]:
    return list(reversed(list(revisions)))


def _server_version(engine: sa.Engine) -> tuple[int, ...] | None:
    """The server's version, when the database answers (it changes a few rules)."""
    try:
        with engine.connect() as connection:
            version = connection.dialect.server_version_info
    except sa.exc.SQLAlchemyError:
        return None
    return tuple(part for part in version if isinstance(part, int)) if version else None


#: Estimated rows per table of the current schema, as the planner keeps them (no scan).
_TABLE_ROWS = {
    "postgresql": "SELECT c.relname, c.reltuples::bigint FROM pg_catalog.pg_class c "
                  "WHERE c.relkind IN ('r', 'p') AND c.relnamespace = "
                  "pg_catalog.to_regnamespace(pg_catalog.current_schema())",
    "mysql": "SELECT table_name, table_rows FROM information_schema.tables "
             "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
}


def table_rows(engine: sa.Engine) -> dict[str, int]:
    """Table name -> estimated rows (PostgreSQL: -1 until first analyzed), where the
    server keeps an estimate; empty elsewhere or when it cannot be read."""
    query = _TABLE_ROWS.get(dialect_family(engine.dialect.name))
    if query is None:
        return {}
    try:
        with engine.connect() as connection:
            return {str(name): int(rows) for name, rows in connection.exec_driver_sql(query)
                    if rows is not None}
    except sa.exc.SQLAlchemyError:
        return {}


def lint_dialect(state: MigrateState, dialect: str | None) -> str:
    """The dialect to lint for: ``dialect`` when given (CI on SQLite for a PostgreSQL
    production), else the application's database's."""
    if dialect is None:
        return default_engine(state).dialect.name
    try:
        migration_context(dialect)
    except Exception as exc:
        raise MigrateError(f"unknown dialect {dialect!r}: use a SQLAlchemy dialect name "
                           "such as postgresql, mysql, mariadb or sqlite") from exc
    return dialect


def lint_revisions(state: MigrateState, revisions: Sequence[Script],
                   dialect: str | None = None) -> list[Finding]:
    """The findings of ``revisions`` on ``dialect`` (default: the application's database
    dialect), with the application's ``MIGRATE_PLUS_LINT_IGNORE`` rules left out.

    When the database answers, its version and its tables' estimated row counts go into
    the findings; when it does not (``--all`` in CI without a server), they are left out.
    """
    engine = default_engine(state)
    name = lint_dialect(state, dialect)
    same_server = name == engine.dialect.name
    binds = None if dialect is not None else {
        key or "": bind_engine.dialect.name for key, bind_engine in engines(state).items()}
    asks_server = bool(revisions) and same_server
    version = _server_version(engine) if asks_server else None
    rows = table_rows(engine) if asks_server else {}
    findings: list[Finding] = []
    for revision in revisions:
        if revision.path is None:
            continue
        try:
            findings.extend(lint_script(
                revision.path, name, server_version=version,
                ignore=state.settings.lint_ignore, revision=revision.revision,
                bind_dialects=binds, table_rows=rows,
            ))
        except LintError as exc:
            raise MigrateError(f"revision {revision.revision}: {exc}") from exc
    return findings


def shown_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def finding_lines(finding: Finding) -> list[str]:
    """A finding as three lines: where and which rule, what it locks, the safe form."""
    return [
        f"{shown_path(finding.file)}:{finding.line}: {finding.rule} "
        f"({finding.function}(), revision {finding.revision})",
        f"    locks: {finding.locks}",
        f"    safe:  {finding.safe}",
    ]


def print_findings(findings: Sequence[Finding], linted: int, output_format: str) -> None:
    if output_format == "json":
        click.echo(json.dumps(
            [dict(finding.as_dict(), file=shown_path(finding.file)) for finding in findings],
            indent=2))
        return
    for finding in findings:
        click.echo("\n".join(finding_lines(finding)))
    scripts = len({finding.file for finding in findings})
    noun = "script" if linted == 1 else "scripts"
    if findings:
        click.echo(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in "
                   f"{scripts} of {linted} {noun}; acknowledge a reviewed op with "
                   "'# migrate-plus: safe <rule>' on its line or the line above")
    elif linted:
        click.echo(f"no findings in {linted} {noun}")
    else:
        click.echo("nothing to lint: no revision is waiting to be applied")
