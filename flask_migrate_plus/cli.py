"""The ``flask db`` command group: Flask-Migrate 4.1's commands and options, unchanged.
Our own commands come after them (``lint``).

Each command parses its options and makes one call of the function of the same name in
``commands.py``. A :class:`~flask_migrate_plus.errors.MigrateError` becomes one
``Error: ...`` line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import current_app, g
from flask.cli import with_appcontext

from . import commands
from .errors import MigrateError
from .rewrite.renames import Rename, parse_rename

DIRECTORY_HELP = 'Migration script directory (default is "migrations")'
X_ARG_HELP = "Additional arguments consumed by custom env.py scripts"
SQL_HELP = "Don't emit SQL to database - dump to standard output instead"
TAG_HELP = 'Arbitrary "tag" name - can be used by custom env.py scripts'
HEAD_HELP = "Specify head revision or <branchname>@head to base new revision on"
REV_ID_HELP = "Specify a hardcoded revision id instead of generating one"


def _directory_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("-d", "--directory", default=None, help=DIRECTORY_HELP)(fn)


def _reported(fn: Callable[..., Any]) -> Callable[..., Any]:
    """One line and exit code 1 for a user mistake."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            fn(*args, **kwargs)
        except MigrateError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(1) from None

    return wrapper


class _StepsBackCommand(click.Command):
    """A command whose REVISION may be ``-1``, which Click would read as an option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            if arg == "--":
                break
            if commands.RELATIVE_STEPS_BACK.fullmatch(arg):
                click.echo(
                    f"Error: {arg} reads as an option here; write '{ctx.command_path}' "
                    f"(it goes back one revision by default) or "
                    f"'{ctx.command_path} -- {arg}'",
                    err=True,
                )
                ctx.exit(2)
        return super().parse_args(ctx, args)


def _dir(directory: str | None) -> str | None:
    return directory or g.directory


@click.group()
@click.option("-d", "--directory", default=None, help=DIRECTORY_HELP)
@click.option("-x", "--x-arg", multiple=True, help=X_ARG_HELP)
@with_appcontext
def db(directory: str | None, x_arg: tuple[str, ...]) -> None:
    """Perform database migrations."""
    state = current_app.extensions.get("migrate")
    error = getattr(state, "settings_error", None)
    if error is not None:
        raise error  # a ClickException: one "Error: ..." line, exit code 1
    g.directory = directory
    g.x_arg = x_arg  # read by Migrate.get_config()


@db.command()
@with_appcontext
@_reported
def list_templates() -> None:
    """List available templates."""
    commands.list_templates()


@db.command()
@_directory_option
@click.option("--multidb", is_flag=True, help="Support multiple databases")
@click.option("-t", "--template", default=None,
              help='Repository template to use (default is "flask")')
@click.option("--package", is_flag=True,
              help="Write empty __init__.py files to the environment and version locations")
@with_appcontext
@_reported
def init(directory: str | None, multidb: bool, template: str | None, package: bool) -> None:
    """Creates a new migration repository."""
    commands.init(_dir(directory), multidb, template, package)


def _revision_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("-d", "--directory", default=None, help=DIRECTORY_HELP),
        click.option("-m", "--message", default=None, help="Revision message"),
        click.option("--sql", is_flag=True, help=SQL_HELP),
        click.option("--head", default="head", help=HEAD_HELP),
        click.option("--splice", is_flag=True,
                     help='Allow a non-head revision as the "head" to splice onto'),
        click.option("--branch-label", default=None,
                     help="Specify a branch label to apply to the new revision"),
        click.option("--version-path", default=None,
                     help="Specify specific path from config for version file"),
        click.option("--rev-id", default=None, help=REV_ID_HELP),
    ]):
        fn = option(fn)
    return fn


@db.command()
@_revision_options
@click.option("--autogenerate", is_flag=True,
              help="Populate revision script with candidate migration operations, "
                   "based on comparison of database to model")
@with_appcontext
@_reported
def revision(directory: str | None, message: str | None, autogenerate: bool, sql: bool,
             head: str, splice: bool, branch_label: str | None, version_path: str | None,
             rev_id: str | None) -> None:
    """Create a new revision file."""
    commands.revision(_dir(directory), message, autogenerate, sql, head, splice,
                      branch_label, version_path, rev_id)


def _parse_renames(ctx: click.Context, param: click.Parameter,
                   values: tuple[str, ...]) -> list[Rename]:
    """Each ``--rename`` read at once: a wrong one is one line and exit code 2."""
    try:
        return [parse_rename(value) for value in values]
    except ValueError as exc:
        click.echo(f"Error: --rename {exc}", err=True)
        ctx.exit(2)


def _ask_rename(rename: Rename) -> bool:
    """The question on the terminal; no answer is a no."""
    return click.confirm(f"Did you rename {rename.spelled()}?", default=False)


@db.command()
@_revision_options
@click.option("-x", "--x-arg", multiple=True, help=X_ARG_HELP)
@click.option("--online", is_flag=True,
              help="Write non-blocking (online) forms of the ops for this run, as "
                   "MIGRATE_PLUS_ONLINE does")
@click.option("--rename", "renames", multiple=True, callback=_parse_renames,
              metavar="TABLE.OLD=NEW|OLD_TABLE=NEW_TABLE",
              help="A column or table renamed since the last revision: the script renames "
                   "it, keeping its data (repeatable)")
@with_appcontext
@_reported
def migrate(directory: str | None, message: str | None, sql: bool, head: str, splice: bool,
            branch_label: str | None, version_path: str | None, rev_id: str | None,
            x_arg: tuple[str, ...], online: bool, renames: list[Rename]) -> None:
    """Autogenerate a new revision file (Alias for 'revision --autogenerate')"""
    question = _ask_rename if sys.stdin is not None and sys.stdin.isatty() else None
    commands.migrate(_dir(directory), message, sql, head, splice, branch_label, version_path,
                     rev_id, x_arg or g.x_arg, online=online, renames=renames,
                     question=question)


@db.command()
@_directory_option
@click.argument("revision", default="head")
@with_appcontext
@_reported
def edit(directory: str | None, revision: str) -> None:
    """Edit a revision file"""
    commands.edit(_dir(directory), revision)


@db.command()
@_directory_option
@click.option("-m", "--message", default=None, help="Merge revision message")
@click.option("--branch-label", default=None,
              help="Specify a branch label to apply to the new revision")
@click.option("--rev-id", default=None, help=REV_ID_HELP)
@click.argument("revisions", nargs=-1)
@with_appcontext
@_reported
def merge(directory: str | None, message: str | None, branch_label: str | None,
          rev_id: str | None, revisions: tuple[str, ...]) -> None:
    """Merge two revisions together, creating a new revision file"""
    commands.merge(_dir(directory), revisions, message, branch_label, rev_id)


def _upgrade_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed([
        click.option("-d", "--directory", default=None, help=DIRECTORY_HELP),
        click.option("--sql", is_flag=True, help=SQL_HELP),
        click.option("--tag", default=None, help=TAG_HELP),
        click.option("-x", "--x-arg", multiple=True, help=X_ARG_HELP),
    ]):
        fn = option(fn)
    return fn


@db.command()
@_upgrade_options
@click.argument("revision", default="head")
@with_appcontext
@_reported
def upgrade(directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
            revision: str) -> None:
    """Upgrade to a later version"""
    commands.upgrade(_dir(directory), revision, sql, tag, x_arg or g.x_arg)


@db.command(cls=_StepsBackCommand)
@_upgrade_options
@click.argument("revision", default="-1")
@with_appcontext
@_reported
def downgrade(directory: str | None, sql: bool, tag: str | None, x_arg: tuple[str, ...],
              revision: str) -> None:
    """Revert to a previous version"""
    commands.downgrade(_dir(directory), revision, sql, tag, x_arg or g.x_arg)


@db.command()
@_directory_option
@click.argument("revision", default="head")
@with_appcontext
@_reported
def show(directory: str | None, revision: str) -> None:
    """Show the revision denoted by the given symbol."""
    commands.show(_dir(directory), revision)


@db.command()
@_directory_option
@click.option("-r", "--rev-range", default=None,
              help="Specify a revision range; format is [start]:[end]")
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option("-i", "--indicate-current", is_flag=True,
              help="Indicate current version (Alembic 0.9.9 or greater is required)")
@with_appcontext
@_reported
def history(directory: str | None, rev_range: str | None, verbose: bool,
            indicate_current: bool) -> None:
    """List changeset scripts in chronological order."""
    commands.history(_dir(directory), rev_range, verbose, indicate_current)


@db.command()
@_directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@click.option("--resolve-dependencies", is_flag=True,
              help="Treat dependency versions as down revisions")
@with_appcontext
@_reported
def heads(directory: str | None, verbose: bool, resolve_dependencies: bool) -> None:
    """Show current available heads in the script directory"""
    commands.heads(_dir(directory), verbose, resolve_dependencies)


@db.command()
@_directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
@_reported
def branches(directory: str | None, verbose: bool) -> None:
    """Show current branch points"""
    commands.branches(_dir(directory), verbose)


@db.command()
@_directory_option
@click.option("-v", "--verbose", is_flag=True, help="Use more verbose output")
@with_appcontext
@_reported
def current(directory: str | None, verbose: bool) -> None:
    """Display the current revision for each database."""
    commands.current(_dir(directory), verbose)


@db.command()
@_directory_option
@click.option("--sql", is_flag=True, help=SQL_HELP)
@click.option("--tag", default=None, help=TAG_HELP)
@click.option("--purge", is_flag=True,
              help="Delete the version in the alembic_version table before stamping")
@click.argument("revision", default="head")
@with_appcontext
@_reported
def stamp(directory: str | None, sql: bool, tag: str | None, revision: str,
          purge: bool) -> None:
    """'stamp' the revision table with the given revision; don't run any migrations"""
    commands.stamp(_dir(directory), revision, sql, tag, purge)


@db.command()
@_directory_option
@with_appcontext
@_reported
def check(directory: str | None) -> None:
    """Check if there are any new operations to migrate"""
    commands.check(_dir(directory))


@db.command()
@_directory_option
@click.argument("revision_range", required=False)
@click.option("--all", "all_revisions", is_flag=True,
              help="Lint every script, applied or not")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]),
              default="text", show_default=True, help="Output format (json for CI)")
@click.option("--dialect", default=None,
              help="Lint for this database (postgresql, mariadb, ...) instead of the app's")
@with_appcontext
def lint(directory: str | None, revision_range: str | None, all_revisions: bool,
         output_format: str, dialect: str | None) -> None:
    """Report ops that would lock a busy table (default: revisions not yet applied)."""
    try:
        findings = commands.lint(_dir(directory), revision_range, all_revisions, output_format,
                                 dialect)
    except MigrateError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
    if findings:
        raise SystemExit(1)


@db.command("test")
@_directory_option
@click.option("--backend-url", default=None,
              help="Server for the throwaway database (default: the application's own)")
@click.option("--from", "start", default=None, help="First revision to test (default: base)")
@click.option("--to", "end", default=None, help="Last revision to test (default: head)")
@with_appcontext
@_reported
def test_history(directory: str | None, backend_url: str | None, start: str | None,
                 end: str | None) -> None:
    """Prove every revision upgrades, downgrades and leaves nothing behind."""
    from . import history_test  # imported here: other commands start without it

    report = history_test.verify_history(_dir(directory), backend_url, start, end,
                                         echo=click.echo)
    for failure in report.failures:
        click.echo(f"Error: {failure.message()}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo(f"{len(report.passed)} revision(s) passed")


@db.command()
@_directory_option
@click.option("--write-diff", is_flag=True,
              help="When the database differs from the models, write a first revision "
                   "that brings it to them (nothing is stamped)")
@click.option("-m", "--message", default="initial schema", help="Message of a written revision")
@with_appcontext
@_reported
def adopt(directory: str | None, write_diff: bool, message: str) -> None:
    """Bring a database built without migrations under them, once proven equal."""
    from . import adopt as adopt_module  # imported here: other commands start without it

    adopt_module.adopt(_dir(directory), write_diff, message, echo=click.echo)


@db.command("squash")
@_directory_option
@click.option("--from", "start", default=None,
              help="First revision to replace (default: the first one)")
@click.option("--to", "end", required=True, help="Last revision to replace (the head)")
@click.option("-m", "--message", required=True, help="Message of the new revision")
@with_appcontext
@_reported
def squash_revisions(directory: str | None, start: str | None, end: str, message: str) -> None:
    """Replace a linear run of revisions by one, proven to build the same schema."""
    from . import squash  # imported here: other commands start without it

    squash.squash(_dir(directory), start, end, message, echo=click.echo)
