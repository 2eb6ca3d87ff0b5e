"""Databases part-way through a squashed range: carried to the squashed revision by ``upgrade``.

``flask db squash`` replaces revisions r1..r6 by one revision S that says
``replaces = ("r1", ..., "r6")`` and keeps the old files in ``versions/squashed/<S>/``.
Alembic's ``branch_labels``/``depends_on`` cannot say "S replaces those", so a database
stamped r3 would be "at an unknown revision" for Alembic. Our ``upgrade`` finds it here: it
runs the kept files from r3 to r6 (as their own version location, never in the main graph),
then stamps S in place of r6, and the normal upgrade goes on from S.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import Script, ScriptDirectory

from .database import database_heads
from .extension import MigrateState

log = logging.getLogger("flask_migrate_plus")

#: The folder, under the versions folder, that keeps squashed files (one sub-folder each).
SQUASHED_FOLDER = "squashed"


def replaced_revisions(script: ScriptDirectory) -> dict[str, Script]:
    """Each replaced revision id -> the squashed revision that replaces it."""
    found: dict[str, Script] = {}
    for revision in script.walk_revisions():
        for old in getattr(revision.module, "replaces", None) or ():
            found[str(old)] = revision
    return found


def kept_folder(squashed: Script) -> Path:
    """Where ``squash`` keeps the files a squashed revision replaces."""
    return Path(squashed.path).parent / SQUASHED_FOLDER / squashed.revision


def replacing_revision(state: MigrateState, directory: str | None,
                       x_arg: Any = None) -> Script | None:
    """The squashed revision that replaces the one the database sits at, if it does."""
    heads = database_heads(state)
    if len(heads) != 1:
        return None
    script = ScriptDirectory.from_config(state.migrate.get_config(directory, x_arg=x_arg))
    if heads[0] in _known(script):
        return None
    return replaced_revisions(script).get(heads[0])  # None: the guard says what to do


def upgrade_replaced(state: MigrateState, directory: str | None, x_arg: Any = None) -> None:
    """When the database sits at a revision a squash replaced, run the kept files to the end
    of the squashed range and stamp the squashed revision; otherwise do nothing."""
    squashed = replacing_revision(state, directory, x_arg)
    if squashed is None:
        return
    at = database_heads(state)[0]
    replaced = [str(old) for old in squashed.module.replaces]
    log.info("The database is at %s, which squashed revision %s replaces: running the kept "
             "revisions up to %s first", at, squashed.revision, replaced[-1])
    old_config = _kept_config(state, directory, x_arg, kept_folder(squashed))
    command.upgrade(old_config, replaced[-1])
    command.stamp(state.migrate.get_config(directory, x_arg=x_arg), squashed.revision,
                  purge=True)


def _known(script: ScriptDirectory) -> set[str]:
    return {revision.revision for revision in script.walk_revisions()}


def _kept_config(state: MigrateState, directory: str | None, x_arg: Any,
                 folder: Path) -> AlembicConfig:
    config = state.migrate.get_config(directory, x_arg=x_arg)
    config.set_main_option("version_locations", str(folder))
    return config
