"""Fixtures shared by every test: the backend matrix and a fresh database per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from backends import fresh_database, selected_backends  # noqa: E402


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
