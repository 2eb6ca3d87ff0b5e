"""``flask db test``: prove that every migration script upgrades, downgrades and leaves nothing
behind, before a deploy finds out.

On a throwaway database beside the application's (see ``throwaway.py``), through the
project's own ``env.py``:

1. one head: two heads make ``flask db upgrade`` refuse in production;
2. the stairway: for each revision from base to head, upgrade it; downgrade it, and the
   schema must equal the one before the upgrade (every column, key, index, constraint, enum
   type and sequence: ``schema/snapshot.py``); upgrade it again, and the schema must equal the
   one after the first upgrade;
3. at head, the models equal the database, by the same comparison ``flask db check`` makes.

A revision file may define ``seed(connection)``: it is called once, right after the first
upgrade of that revision, so later revisions, downgrades and re-upgrades run on a database
with rows (a NOT NULL backfill, a type cast or a unique index that only fails with data).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError

from .database import engines
from .errors import MigrateError, one_line
from .extension import ready_state
from .logging_state import quiet_alembic
from .model_check import model_differences
from .schema.snapshot import Snapshot, describe_differences, take_snapshot
from .throwaway import engines_replaced, throwaway_databases

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Failure:
    """One thing that went wrong: which revision, in which file, at which step, and why."""

    revision: str
    path: str
    step: str
    detail: str

    def message(self) -> str:
        return f"revision {self.revision} ({self.path}) failed at {self.step}: {self.detail}"


@dataclass
class HistoryReport:
    """What ``flask db test`` found: the revisions that passed and the failures."""

    passed: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class _StepFailed(Exception):
    def __init__(self, failure: Failure):
        super().__init__(failure.message())
        self.failure = failure


def _relative(path: str | None) -> str:
    if not path:
        return "?"
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def _error_text(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return f"{type(original or exc).__name__}: {one_line(original or exc)}"


def ordered_revisions(script: ScriptDirectory, start: str | None = None,
                      end: str | None = None) -> list[Script]:
    """The revisions from base to head, parents before children, cut to ``start``..``end``
    (both included)."""
    revisions = list(reversed(list(script.walk_revisions("base", "heads"))))
    ids = [rev.revision for rev in revisions]
    first = ids.index(_resolve(script, start)) if start else 0
    last = ids.index(_resolve(script, end)) if end else len(ids) - 1
    if first > last:
        raise MigrateError(f"--from {start} comes after --to {end} in the history")
    return revisions[first:last + 1]


def _resolve(script: ScriptDirectory, name: str) -> str:
    try:
        found = script.get_revision(name)
    except CommandError as exc:
        raise MigrateError(one_line(exc)) from exc
    if found is None:
        raise MigrateError(f"no revision {name!r} in the scripts")
    return found.revision


def _down_target(revision: Script) -> str:
    """Where the downgrade of one revision goes: its parent, base, or one step back from a
    merge (the database is then at the merge's parents)."""
    down = revision.down_revision
    if down is None:
        return "base"
    if isinstance(down, str):
        return down
    return "-1"


class _Stairway:
    """The stairway on one set of throwaway engines."""

    def __init__(self, config: AlembicConfig, test_engines: dict[str | None, sa.Engine],
                 excluded: set[str]):
        self.config = config
        self.engines = test_engines
        self.excluded = excluded
        self.seeded: list[str] = []

    def snapshots(self) -> dict[str | None, Snapshot]:
        taken = {}
        for key, engine in self.engines.items():
            with engine.connect() as connection:
                taken[key] = take_snapshot(connection, exclude_tables=self.excluded)
        return taken

    def differences(self, expected: dict[str | None, Snapshot],
                    actual: dict[str | None, Snapshot]) -> list[str]:
        lines = []
        for key in expected:
            for line in describe_differences(expected[key], actual[key]):
                lines.append(f"{key}: {line}" if key is not None else line)
        return lines

    def run(self, revision: Script, step: str, action: Callable[[], Any]) -> None:
        try:
            action()
        except MigrateError:
            raise
        except Exception as exc:
            detail = _error_text(exc)
            if self.seeded and step.startswith("upgrade"):
                detail += f" (the database held the rows seeded by {', '.join(self.seeded)})"
            raise _StepFailed(Failure(revision.revision, _relative(revision.path), step,
                                      detail)) from exc

    def compare(self, revision: Script, step: str, expected: dict[str | None, Snapshot],
                what: str) -> dict[str | None, Snapshot]:
        actual = self.snapshots()
        lines = self.differences(expected, actual)
        if lines:
            raise _StepFailed(Failure(revision.revision, _relative(revision.path), step,
                                      f"the schema differs from {what}: " + "; ".join(lines)))
        return actual

    def seed(self, revision: Script) -> None:
        seed = getattr(revision.module, "seed", None)
        if not callable(seed):
            return
        default = self.engines.get(None) or next(iter(self.engines.values()))

        def call() -> None:
            with default.begin() as connection:
                seed(connection)

        self.run(revision, "seed", call)
        self.seeded.append(revision.revision)

    def climb(self, revision: Script, step: str) -> None:
        """Upgrade one revision and call its seed: no stairway."""
        self.run(revision, step, lambda: command.upgrade(self.config, revision.revision))
        self.seed(revision)

    def step(self, revision: Script) -> None:
        """Upgrade, downgrade, upgrade again; each schema checked against the one it must be."""
        before = self.snapshots()
        self.run(revision, "upgrade", lambda: command.upgrade(self.config, revision.revision))
        self.seed(revision)
        after = self.snapshots()
        self.run(revision, "downgrade",
                 lambda: command.downgrade(self.config, _down_target(revision)))
        self.compare(revision, "downgrade", before, "the one before the upgrade")
        self.run(revision, "upgrade again",
                 lambda: command.upgrade(self.config, revision.revision))
        self.compare(revision, "upgrade again", after, "the one after the first upgrade")


def _script_directory(config: AlembicConfig) -> ScriptDirectory:
    try:
        return ScriptDirectory.from_config(config)
    except CommandError as exc:
        raise MigrateError(one_line(exc)) from exc


def heads_failure(directory: str | None = None) -> Failure | None:
    """The one-head check alone: a Failure naming every head, or None."""
    state = ready_state()
    script = _script_directory(state.migrate.get_config(directory))
    heads = script.get_heads()
    if len(heads) < 2:
        return None
    paths = ", ".join(_relative(script.get_revision(head).path) for head in heads)
    return Failure(", ".join(heads), paths, "one head",
                   f"the scripts have {len(heads)} heads; merge them with: "
                   f'flask {state.migrate.command} merge heads -m "merge heads"')


def verify_history(
    directory: str | None = None,
    backend_url: str | None = None,
    start: str | None = None,
    end: str | None = None,
    echo: Echo | None = None,
    *,
    stairway: bool = True,
    compare_models: bool = True,
) -> HistoryReport:
    """Run ``flask db test``'s checks; return the report (the CLI turns failures into exit 1).

    ``start`` and ``end`` limit the stairway to a range of revisions (both included); the
    revisions before ``start`` are upgraded one at a time, their seeds called, without the
    stairway. The models are compared at the end only when the range ends at the head.
    ``stairway=False`` only upgrades (to compare the models at head); ``echo`` receives one
    progress line per revision.
    """
    say = echo or (lambda line: None)
    state = ready_state()
    config = state.migrate.get_config(directory)
    script = _script_directory(config)
    report = HistoryReport()
    failure = heads_failure(directory)
    if failure is not None:
        report.failures.append(failure)
        return report
    every = ordered_revisions(script)
    revisions = ordered_revisions(script, start, end)
    earlier = every[:every.index(revisions[0])] if revisions else []
    if not revisions:
        say("no revisions to test")
    version_table = state.configure_args.get("version_table") or "alembic_version"
    with throwaway_databases(engines(state), backend_url) as test_engines, \
            engines_replaced(state.db, test_engines), quiet_alembic():
        for engine in test_engines.values():
            say(f"throwaway database: {engine.url.render_as_string(hide_password=True)}")
        steps = _Stairway(config, test_engines, {version_table})
        try:
            for revision in earlier:
                steps.climb(revision, "upgrade (before the range tested)")
            for revision in revisions:
                if stairway:
                    steps.step(revision)
                else:
                    steps.climb(revision, "upgrade")
                report.passed.append(revision.revision)
                say(f"  {revision.revision}  {revision.doc or ''}  ({_relative(revision.path)})"
                    "  ok")
            if compare_models and revisions and revisions[-1].revision in script.get_heads():
                _check_models(steps, config, revisions[-1])
                say("  models match the database at head")
        except _StepFailed as failed:
            report.failures.append(failed.failure)
    return report


def _check_models(stairway: _Stairway, config: AlembicConfig, head: Script) -> None:
    found: list[str] = []

    def compare() -> None:
        with quiet_alembic(logging.WARNING):  # "the script drops ...": the failure says it
            found.extend(model_differences(config))

    stairway.run(head, "models at head", compare)
    if found:
        raise _StepFailed(Failure(head.revision, _relative(head.path), "models at head",
                                  "the models differ from the database the scripts build: "
                                  + "; ".join(found)))
