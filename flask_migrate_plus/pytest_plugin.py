"""The pytest plugin: ``flask db test``'s checks as test items, and a ``migrate_plus`` fixture.

Installed with the package and off until used:

- ``pytest --migrate-plus`` adds one item per revision (its stairway: upgrade, downgrade,
  upgrade again, nothing left behind), one for "one head" and one for "the models equal the
  database at head", against the Flask app ``--migrate-plus-app`` names (as ``flask --app``
  takes it), or ``FLASK_APP``. The items carry the ``migrate_plus`` marker
  (``-m migrate_plus`` selects them, ``-m "not migrate_plus"`` leaves them out).
- the ``migrate_plus`` fixture gives a test the same checks as Python calls.

Each item builds its own throwaway database, so under pytest-xdist no two workers ever share
one; the items also carry ``xdist_group("migrate_plus")``, which keeps them on one worker
under ``--dist loadgroup``.

This module imports only pytest at load time: every pytest run in an environment with the
package installed loads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask

    from .history_test import Failure, HistoryReport

MARKER = "migrate_plus"
_APP_KEY = pytest.StashKey["Flask"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("migrate-plus", "flask-migrate-plus migration checks")
    group.addoption("--migrate-plus", action="store_true", default=False,
                    help="add a test per migration revision (stairway), one head, and models "
                         "at head")
    group.addoption("--migrate-plus-app", default=None,
                    help="the Flask application, as 'flask --app' takes it (default: "
                         "FLASK_APP)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: a migration check of flask-migrate-plus")


def _load_app(config: pytest.Config) -> Flask:
    """The application, loaded once per session the way ``flask --app`` loads it."""
    if _APP_KEY in config.stash:
        return config.stash[_APP_KEY]
    from flask.cli import NoAppException, ScriptInfo

    path = config.getoption("migrate_plus_app") or os.environ.get("FLASK_APP")
    if not path:
        raise pytest.UsageError("flask-migrate-plus: name the application with "
                                "--migrate-plus-app or FLASK_APP")
    try:
        app = ScriptInfo(app_import_path=path).load_app()
    except NoAppException as exc:
        raise pytest.UsageError(f"flask-migrate-plus: {exc}") from exc
    config.stash[_APP_KEY] = app
    return app


class MigrationCheckFailed(Exception):
    """A migration check failed; its message names revision, file, step and reason."""


class MigrationItem(pytest.Item):
    """One check of the history: ``heads``, ``stairway`` of one revision, or ``models``."""

    def __init__(self, *, check: str, revision: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check
        self.revision = revision
        self.add_marker(MARKER)
        self.add_marker(pytest.mark.xdist_group(MARKER))

    def runtest(self) -> None:
        from .history_test import heads_failure, verify_history

        app = _load_app(self.config)
        with app.app_context():
            if self.check == "heads":
                failure = heads_failure()
                failures = [failure] if failure is not None else []
            elif self.check == "models":
                failures = verify_history(stairway=False).failures
            else:
                failures = verify_history(start=self.revision, end=self.revision,
                                          compare_models=False).failures
        if failures:
            raise MigrationCheckFailed("\n".join(failure.message() for failure in failures))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, MigrationCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, self.name


def _items(session: pytest.Session) -> Iterator[MigrationItem]:
    from alembic.script import ScriptDirectory

    from .extension import ready_state
    from .history_test import ordered_revisions

    app = _load_app(session.config)
    with app.app_context():
        state = ready_state()
        script = ScriptDirectory.from_config(state.migrate.get_config())
        revisions = [rev.revision for rev in ordered_revisions(script)]
        several_heads = len(script.get_heads()) > 1
    yield MigrationItem.from_parent(session, name="migrate_plus::one_head", check="heads")
    if several_heads:
        return  # no stairway order exists; the heads item says what to do
    for revision in revisions:
        yield MigrationItem.from_parent(session, name=f"migrate_plus::stairway[{revision}]",
                                        check="stairway", revision=revision)
    yield MigrationItem.from_parent(session, name="migrate_plus::models_match_head",
                                    check="models")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """Add the migration items before ``-k`` / ``-m`` select among all items."""
    if config.getoption("migrate_plus"):
        items.extend(_items(session))


class MigratePlus:
    """What the ``migrate_plus`` fixture gives a test: the checks as calls, on ``app``."""

    def __init__(self, app: Flask):
        self.app = app

    def verify(self, start: str | None = None, end: str | None = None,
               backend_url: str | None = None) -> HistoryReport:
        """``flask db test`` (optionally a range): the report, with any failures."""
        from .history_test import verify_history

        with self.app.app_context():
            return verify_history(backend_url=backend_url, start=start, end=end)

    def heads_failure(self) -> Failure | None:
        from .history_test import heads_failure

        with self.app.app_context():
            return heads_failure()


@pytest.fixture(scope="session")
def migrate_plus_app(request: pytest.FixtureRequest) -> Flask:
    """The application the checks run on; override this fixture to build it yourself."""
    return _load_app(request.config)


@pytest.fixture
def migrate_plus(migrate_plus_app: Flask) -> MigratePlus:
    """The migration checks of ``flask db test`` for this application, as Python calls."""
    return MigratePlus(migrate_plus_app)
