"""State the comparator plugins keep for one autogenerate run.

Catalog reads and other work shared by many tables are done once per run and kept here. A
run is one reflection (one ``Inspector``): the state lives on the ``MigrationContext``,
which a program may reuse for several runs, and is dropped when the inspector changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

T = TypeVar("T")

_ATTRIBUTE = "_flask_migrate_plus_run_state"


def run_state(autogen_context: AutogenContext, owner: str) -> dict[Any, Any]:
    """The dict ``owner`` (a module name) keeps for this run."""
    context = autogen_context.migration_context
    inspector = autogen_context.inspector if autogen_context.connection is not None else None
    held: tuple[Any, dict[str, dict[Any, Any]]] | None = getattr(context, _ATTRIBUTE, None)
    if held is None or held[0] is not inspector:
        held = (inspector, {})
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
