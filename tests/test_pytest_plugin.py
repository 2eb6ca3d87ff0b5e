"""The pytest plugin, run as users run it: pytest in a subprocess, through ``pytester``."""

from __future__ import annotations

import pytest

from cli_runner import CLI_APP, FlaskApp
from history_project import write_revision, write_standard_history

pytest_plugins = ["pytester"]

USER_TEST = '''
def test_my_history(migrate_plus):
    report = migrate_plus.verify()
    assert report.ok, [failure.message() for failure in report.failures]
    assert report.passed == ["r1_author", "r2_points", "r3_post"]
    assert migrate_plus.heads_failure() is None
'''


def _project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str,
             models: int = 2) -> FlaskApp:
    app = FlaskApp(pytester.path, db_url, models=models)
    app.ok("init")
    write_standard_history(pytester.path / "migrations")
    for key, value in app.environ().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FLASK_APP", raising=False)
    return app


def _pytest(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--migrate-plus-app", f"{CLI_APP}:create_app", *args,
        timeout=600,
    )


def test_one_item_per_revision_and_the_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    _project(pytester, monkeypatch, db_url)
    pytester.makepyfile(test_mine=USER_TEST)
    result = _pytest(pytester, "--migrate-plus", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([
        "*migrate_plus::one_head PASSED*",
        "*migrate_plus::stairway?r1_author? PASSED*",
        "*migrate_plus::stairway?r2_points? PASSED*",
        "*migrate_plus::stairway?r3_post? PASSED*",
        "*migrate_plus::models_match_head PASSED*",
    ])


@pytest.mark.backends("sqlite", "postgresql")
def test_a_failing_revision_is_its_own_failed_item(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    _project(pytester, monkeypatch, db_url)
    write_revision(pytester.path / "migrations", "r4_index", "r3_post",
                   "op.create_index('ix_author_name', 'author', ['name'])", "pass")
    result = _pytest(pytester, "--migrate-plus", "-m", "migrate_plus")
    # The stairway of r4_index fails, and so do the models at head (which lack the index).
    result.assert_outcomes(passed=4, failed=2)
    result.stdout.fnmatch_lines([
        "*revision r4_index (*r4_index.py) failed at downgrade: the schema differs from the "
        "one before the upgrade: extra index ix_author_name on author*",
        "*failed at models at head*",
    ])
    assert "Traceback" not in result.stdout.str()


@pytest.mark.backends("sqlite")
def test_under_xdist_each_item_builds_its_own_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    _project(pytester, monkeypatch, db_url)
    result = _pytest(pytester, "--migrate-plus", "-n", "2", "--dist", "loadgroup")
    result.assert_outcomes(passed=5)


@pytest.mark.backends("sqlite")
def test_off_until_used(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    _project(pytester, monkeypatch, db_url)
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    _pytest(pytester).assert_outcomes(passed=1)
    deselected = _pytest(pytester, "--migrate-plus", "-m", "not migrate_plus")
    deselected.assert_outcomes(passed=1, deselected=5)


@pytest.mark.backends("sqlite")
def test_no_application_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, db_url: str
) -> None:
    _project(pytester, monkeypatch, db_url)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--migrate-plus")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*name the application with --migrate-plus-app or FLASK_APP*"])
