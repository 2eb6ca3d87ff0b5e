"""What a failed migration says: which revision, the database's error, and what it left.

A revision script that fails raises deep inside Alembic; the user needs the revision, its
file and the database's own words, on one or two lines (the traceback is logged when the
application runs in debug mode). On SQLite and PostgreSQL the revision rolled back as a
whole. On MySQL/MariaDB every DDL statement commits on its own, so the message lists, in
order, the statements of the revision that ran, the one that failed and those that did not
run (see ``partial.py``), and what to do next.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

from alembic.script import ScriptDirectory

from .errors import one_line
from .partial import normalised_sql, one_line_sql


@dataclass(frozen=True)
class FailedRevision:
    """The revision whose script raised, found in the traceback."""

    revision: str
    path: str
    direction: str  # "upgrade" or "downgrade"


def failed_revision(exc: BaseException, script: ScriptDirectory) -> FailedRevision | None:
    """The revision file the exception came out of, if it came out of one.

    The traceback passes through the ``upgrade()`` / ``downgrade()`` function of the script
    that failed; its module names its own ``revision``.
    """
    folders = [os.path.realpath(folder) for folder in script._version_locations]
    found = None
    traceback: TracebackType | None = exc.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        filename = os.path.realpath(frame.f_code.co_filename)
        if any(filename.startswith(folder + os.sep) for folder in folders):
            revision = frame.f_globals.get("revision")
            if isinstance(revision, str) and frame.f_code.co_name in ("upgrade", "downgrade"):
                found = FailedRevision(revision, filename, frame.f_code.co_name)
        traceback = traceback.tb_next
    return found


def database_error(exc: BaseException) -> str:
    """The database's own message, without SQLAlchemy's wrapping and links."""
    original = getattr(exc, "orig", None)
    return one_line(original if original is not None else exc)


def partial_account(
    done: list[str], failing: str | None, planned: list[str] | None
) -> Iterator[str]:
    """Lines saying which statements of the revision ran, which failed, which did not run."""
    for statement in done:
        yield f"  done:     {one_line_sql(statement)}"
    if failing:
        yield f"  failed:   {one_line_sql(failing)}"
    if planned is None:
        yield "  not run:  (the rest of the revision could not be listed)"
        return
    sent = [normalised_sql(s) for s in [*done, *([failing] if failing else [])]]
    position = 0
    for index, statement in enumerate(planned):
        if position == len(sent):
            for rest in planned[index:]:
                yield f"  not run:  {one_line_sql(rest)}"
            return
        if normalised_sql(statement) == sent[position]:
            position += 1
    if position < len(sent):
        yield "  not run:  (what ran does not match the revision's --sql output: compare by hand)"


def _commits_as_it_goes(path: str) -> bool:
    """Whether the script commits part of its work itself (``autocommit_block``: an online
    script's steps), so that a failure cannot roll all of it back."""
    try:
        with open(path, encoding="utf-8") as file:
            return "autocommit_block()" in file.read()
    except OSError:
        return False


def failure_message(
    exc: BaseException,
    failed: FailedRevision,
    server: str,
    partial: bool,
    heads: tuple[str, ...],
    done: list[str],
    planned: list[str] | None,
    command_prefix: str,
) -> str:
    """The error a failed revision gives (see the module docstring)."""
    where = f"revision {failed.revision} ({os.path.relpath(failed.path)})"
    error = database_error(exc)
    kind = type(getattr(exc, "orig", None) or exc).__name__
    if not partial:
        at = ", ".join(heads) or "base"
        if _commits_as_it_goes(failed.path):
            return (f"{where} failed; the steps it runs in autocommit blocks (online steps) "
                    f"that finished stay applied, the rest was rolled back; the database "
                    f"stays at {at}. Fix the cause and upgrade again: finished steps are "
                    f"skipped\n{kind}: {error}")
        return (f"{where} failed and was rolled back; the database stays at {at}\n"
                f"{kind}: {error}")
    lines = [
        f"{where} failed: {kind}: {error}",
        f"{server} cannot roll back DDL: the revision is part-way applied",
        *partial_account(done, getattr(exc, "statement", None), planned),
        "Fix the cause, then either run the statements not run by hand and record the "
        f"revision with: {command_prefix} stamp {failed.revision}; or undo the done ones by "
        "hand and upgrade again.",
    ]
    return "\n".join(lines)
