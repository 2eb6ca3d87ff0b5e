"""What holds while one autogenerate run compares its schemas, and no longer.

Some settings must hold for exactly the part of a run where the schemas are reflected and
compared (Alembic's "schema" comparators), and be undone when that part returns or raises:
warnings a plugin answers for kept quiet (``run_warnings``), the garbage collector's full
collections paused (``gc_pause``). Each is a context manager; a plugin adds it to the run
from an "autogenerate" comparator that runs first, and the run's comparator registry is
replaced, for this run only, by a copy that enters every such context manager around its
"schema" comparison. Nothing changes in the process outside the run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, ExitStack
from typing import TYPE_CHECKING, Any

from alembic.util import PriorityDispatcher

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: ``(autogen_context, schemas compared) -> a context manager`` entered around the comparison.
RunScope = Callable[["AutogenContext", Collection["str | None"]], AbstractContextManager[Any]]


class _ScopedComparators(PriorityDispatcher):
    """A copy of the run's comparator registry whose "schema" comparison runs inside the
    run's scopes, entered in the order they were added."""

    def __init__(self, comparators: PriorityDispatcher) -> None:
        super().__init__()
        self.populate_with(comparators)
        self.scopes: list[RunScope] = []

    def dispatch(self, target: str, *, qualifier: str = "default") -> Callable[..., Any]:
        compare = super().dispatch(target, qualifier=qualifier)
        if target != "schema":
            return compare

        def compare_in_scopes(
            autogen_context: AutogenContext, upgrade_ops: Any, schemas: Any, *args: Any
        ) -> Any:
            with ExitStack() as stack:
                for scope in self.scopes:
                    stack.enter_context(scope(autogen_context, schemas))
                return compare(autogen_context, upgrade_ops, schemas, *args)

        return compare_in_scopes


def during_schema_comparison(autogen_context: AutogenContext, scope: RunScope) -> None:
    """For this run only: enter ``scope`` around the comparison of its schemas.

    Call it from an "autogenerate" comparator with priority FIRST. Adding the same scope
    twice in one run adds it once.
    """
    comparators = autogen_context.comparators
    if not isinstance(comparators, _ScopedComparators):
        comparators = _ScopedComparators(comparators)
        autogen_context.comparators = comparators
    if scope not in comparators.scopes:
        comparators.scopes.append(scope)
