"""Refuse to run on a revision graph that cannot be migrated, with the command that fixes it.

Alembic's own errors for these cases are long, or come as a traceback deep in a command;
the user needs one line: what is wrong, and what to type.
"""

from __future__ import annotations

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from .database import database_heads
from .errors import MigrateError
from .extension import MigrateState
from .replaced import replaced_revisions


def _flask(state: MigrateState, rest: str) -> str:
    return f"flask {state.migrate.command} {rest}"


def check_revision_graph(state: MigrateState, config: AlembicConfig, target: str) -> None:
    """Raise MigrateError when ``target`` cannot be reached from the database's revision.

    ``target`` is the revision a command moves to (``head`` for upgrade and migrate), or
    ``"check"`` for ``flask db check``, which also fails when the database is behind.
    """
    script = ScriptDirectory.from_config(config)
    heads = tuple(script.get_heads())
    if len(heads) > 1 and target in ("head", "check"):
        merge = _flask(state, 'merge heads -m "merge heads"')
        raise MigrateError(
            f"the migration scripts have {len(heads)} heads ({', '.join(heads)}); "
            f"merge them with: {merge}"
        )
    at = database_heads(state)
    for rev in at:
        try:
            known = script.get_revision(rev)
        except CommandError:
            known = None
        squashed = replaced_revisions(script).get(rev) if known is None else None
        if squashed is not None:
            raise MigrateError(
                f"the database is at revision {rev}, which squashed revision "
                f"{squashed.revision} replaces; bring it there with: {_flask(state, 'upgrade')}"
            )
        if known is None:
            suggestion = heads[0] if len(heads) == 1 else "<revision>"
            raise MigrateError(
                f"the database is at revision {rev}, which no migration script has "
                f"(the scripts' heads: {', '.join(heads) or 'none'}); if the scripts are right, "
                f"realign the database with: {_flask(state, f'stamp {suggestion}')}"
            )
    if target == "check" and set(at) != set(heads):
        raise MigrateError(
            f"the database is not up to date: it is at {', '.join(at) or 'base'}, "
            f"the scripts' head is {', '.join(heads)}; run: {_flask(state, 'upgrade')}"
        )
