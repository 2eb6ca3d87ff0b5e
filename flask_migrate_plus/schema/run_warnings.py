"""Warnings a plugin answers for, kept quiet during one autogenerate run and no longer.

Alembic and SQLAlchemy warn about what they cannot compare. On SQLite both warn about every
expression index ("autogenerate skipping metadata-specified expression-based index ...",
"Skipped unsupported reflection of expression-based index ..."); once one of our plugins
compares those indexes itself, the warning says something untrue. The plugin names the
messages it answers for, and they are filtered while the run compares its schemas (Alembic's
"schema" comparators, where both are raised). The filter goes when that comparison returns or
raises: nothing is silenced in the process outside the run, and a run without the plugin
still shows every warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any

from alembic.util import PriorityDispatcher

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: ``(autogen_context, schemas compared) -> regular expressions`` matched against the start
#: of each warning's message.
AnsweredMessages = Callable[["AutogenContext", Collection["str | None"]], Iterable[str]]


class _QuietComparators(PriorityDispatcher):
    """A copy of the run's comparator registry whose "schema" comparison runs with the
    warnings the plugin answers for filtered out."""

    def __init__(self, comparators: PriorityDispatcher, answered: AnsweredMessages) -> None:
        super().__init__()
        self.populate_with(comparators)
        self._answered = answered

    def dispatch(self, target: str, *, qualifier: str = "default") -> Callable[..., Any]:
        compare = super().dispatch(target, qualifier=qualifier)
        if target != "schema":
            return compare

        def compare_quietly(
            autogen_context: AutogenContext, upgrade_ops: Any, schemas: Any, *args: Any
        ) -> Any:
            patterns = list(self._answered(autogen_context, schemas))
            with warnings.catch_warnings():
                for pattern in patterns:
                    warnings.filterwarnings("ignore", message=pattern)
                return compare(autogen_context, upgrade_ops, schemas, *args)

        return compare_quietly


def quiet_during_comparison(autogen_context: AutogenContext, answered: AnsweredMessages) -> None:
    """For this run only: filter the warnings ``answered`` names while the schemas are
    compared. Call it from an "autogenerate" comparator that runs first."""
    autogen_context.comparators = _QuietComparators(autogen_context.comparators, answered)
