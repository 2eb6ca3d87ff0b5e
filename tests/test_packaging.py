"""The package as Alembic and Python see it: entry points, light imports, typed."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from flask_migrate_plus.settings import COMPARATORS

PACKAGE = Path(__file__).parent.parent / "flask_migrate_plus"


def _our_entry_points() -> dict[str, str]:
    return {
        ep.name: ep.value
        for ep in metadata.entry_points(group="alembic.plugins")
        if ep.name.startswith("flask_migrate_plus.")
    }


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_every_comparator_is_an_entry_point_and_a_setting() -> None:
    points = _our_entry_points()
    assert sorted(name.split(".", 1)[1] for name in points) == sorted(COMPARATORS)
    for name, module in points.items():
        assert module == f"flask_migrate_plus.comparators.{name.split('.', 1)[1]}"


def test_import_alembic_loads_our_plugins_without_flask() -> None:
    result = _run(
        "import sys, alembic\n"
        "from alembic.runtime.plugins import _all_plugins\n"
        "ours = sorted(n for n in _all_plugins if n.startswith('flask_migrate_plus.'))\n"
        "print(','.join(ours))\n"
        "assert 'flask' not in sys.modules, 'flask imported by import alembic'\n"
        "assert 'flask_migrate_plus.extension' not in sys.modules\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split(",") == sorted(_our_entry_points())


@pytest.mark.parametrize("module", sorted(set(_our_entry_points().values())))
def test_each_plugin_module_imports_on_its_own(module: str) -> None:
    result = _run(f"import {module}; assert callable({module}.setup)")
    assert result.returncode == 0, result.stderr


def test_the_package_import_is_light() -> None:
    result = _run(
        "import sys, flask_migrate_plus\n"
        "assert 'alembic' not in sys.modules and 'flask' not in sys.modules\n"
        "from flask_migrate_plus import Migrate, upgrade\n"
        "assert callable(upgrade) and Migrate.__name__ == 'Migrate'\n"
    )
    assert result.returncode == 0, result.stderr


def test_typed_and_templates_shipped() -> None:
    assert (PACKAGE / "py.typed").exists()
    for template in ("flask", "flask-multidb", "aioflask", "aioflask-multidb"):
        for name in ("env.py", "script.py.mako", "alembic.ini.mako", "README"):
            assert (PACKAGE / "templates" / template / name).exists()
