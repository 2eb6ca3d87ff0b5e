"""State kept for one autogenerate run, shared by comparators, rewrite passes and renderers.

Catalog reads and other work shared by many tables are done once per run and kept here, as
are the notes one plugin leaves for a later step (the indexes a SQLite rebuild would lose,
which column a rendered type belongs to). A run is one reflection, one ``Inspector``: the
state lives on the ``MigrationContext``, which a program may reuse for several runs, and
starts afresh when the inspector changes. Each user keeps its own dict, named by ``owner``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from alembic.runtime.migration import MigrationContext

T = TypeVar("T")

_ATTRIBUTE = "_flask_migrate_plus_run_state"

#: (the run's inspector or None, owner -> that owner's dict)
_Held = tuple[Any, dict[str, dict[Any, Any]]]


def run_state(autogen_context: AutogenContext, owner: str) -> dict[Any, Any]:
    """The dict ``owner`` keeps for the run ``autogen_context`` belongs to."""
    context = autogen_context.migration_context
    inspector = autogen_context.inspector if autogen_context.connection is not None else None
    held: _Held | None = getattr(context, _ATTRIBUTE, None)
    if held is None or (inspector is not None and held[0] is not inspector):
        held = (inspector, {})
        setattr(context, _ATTRIBUTE, held)
    return held[1].setdefault(owner, {})


def context_run_state(context: MigrationContext, owner: str) -> dict[Any, Any]:
    """The dict ``owner`` keeps for the run last started on ``context``.

    For hooks that Alembic hands only the ``MigrationContext`` (``process_revision_directives``),
    which run after the comparison of their own run.
    """
    held: _Held | None = getattr(context, _ATTRIBUTE, None)
    if held is None:
        held = (None, {})
        setattr(context, _ATTRIBUTE, held)
    return held[1].setdefault(owner, {})


def once_per_run(
    autogen_context: AutogenContext, owner: str, key: Any, read: Callable[[], T]
) -> T:
    """``read()`` the first time ``owner`` asks for ``key`` in this run; its result after."""
    state = run_state(autogen_context, owner)
    if key not in state:
        state[key] = read()
    return state[key]
