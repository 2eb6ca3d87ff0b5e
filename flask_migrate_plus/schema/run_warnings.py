"""Warnings a plugin answers for, kept quiet during one autogenerate run and no longer.

Alembic and SQLAlchemy warn about what they cannot compare. On SQLite both warn about every
expression index ("autogenerate skipping metadata-specified expression-based index ...",
"Skipped unsupported reflection of expression-based index ..."); once one of our plugins
compares those indexes itself, the warning says something untrue. The plugin names the
messages it answers for, and they are filtered while the run compares its schemas (Alembic's
"schema" comparators, where both are raised; see ``run_scope``). The filter goes when that
comparison returns or raises: nothing is silenced in the process outside the run, and a run
without the plugin still shows every warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .run_scope import during_schema_comparison

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

#: ``(autogen_context, schemas compared) -> regular expressions`` matched against the start
#: of each warning's message.
AnsweredMessages = Callable[["AutogenContext", Collection["str | None"]], Iterable[str]]


def quiet_during_comparison(autogen_context: AutogenContext, answered: AnsweredMessages) -> None:
    """For this run only: filter the warnings ``answered`` names while the schemas are
    compared. Call it from an "autogenerate" comparator that runs first."""

    @contextmanager
    def quiet(autogen_context: AutogenContext, schemas: Collection[str | None]) -> Iterator[None]:
        patterns = list(answered(autogen_context, schemas))
        with warnings.catch_warnings():
            for pattern in patterns:
                warnings.filterwarnings("ignore", message=pattern)
            yield

    during_schema_comparison(autogen_context, quiet)
