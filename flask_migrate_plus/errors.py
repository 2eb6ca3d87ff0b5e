"""The one error the Python API raises for a user mistake, and how it is worded."""

from __future__ import annotations

from alembic.util import CommandError


class MigrateError(CommandError):
    """A migration command cannot proceed; the message is one line meant for the user."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its class name when it has none)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
