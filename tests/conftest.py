"""Fixtures shared by every test: the backend matrix and a fresh database per test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))

from backends import fresh_database, selected_backends  # noqa: E402

# Property tests draw the same examples on every run, so that a suite run says the same
# thing twice; FMP_HYPOTHESIS_RANDOM=1 draws new ones, to look for what they have not found.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("random")
settings.load_profile("random" if os.environ.get("FMP_HYPOTHESIS_RANDOM") == "1"
                      else "repeatable")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Tests that take `backend` run once per selected backend; a test limits itself with
    # @pytest.mark.backends("postgresql", ...).
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        wanted = marker.args if marker else selected_backends()
        names = [b for b in selected_backends() if b in wanted]
        metafunc.parametrize("backend", names or [pytest.param(None, marks=pytest.mark.skip(
            reason="backend not selected in FMP_TEST_BACKENDS"))])


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "backends(*names): run only on these backends")


@pytest.fixture
def db_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of a new, empty database on the test's backend; dropped after the test."""
    with fresh_database(backend, tmp_path) as url:
        yield url
