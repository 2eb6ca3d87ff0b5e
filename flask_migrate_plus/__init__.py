"""flask-migrate-plus: Flask-Migrate's API, with migration scripts that need no hand editing.

``from flask_migrate_plus import Migrate`` replaces ``from flask_migrate import Migrate``.

This module stays light on purpose: ``import alembic`` loads our comparator plugins through
the ``alembic.plugins`` entry point, which imports this package first. Flask and the
extension are therefore resolved lazily (PEP 562), only when a name is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_COMMANDS = (
    "list_templates",
    "init",
    "revision",
    "migrate",
    "edit",
    "merge",
    "upgrade",
    "downgrade",
    "show",
    "history",
    "heads",
    "branches",
    "current",
    "stamp",
    "check",
    "needs_upgrade",
    "needs_revision",
)
_LAZY: dict[str, str] = {
    "Migrate": "flask_migrate_plus.extension",
    "Config": "flask_migrate_plus.extension",
    "Settings": "flask_migrate_plus.settings",
    "SettingsError": "flask_migrate_plus.settings",
    "MigrateError": "flask_migrate_plus.errors",
    **{name: "flask_migrate_plus.commands" for name in _COMMANDS},
}

__all__ = [
    "Config",
    "Migrate",
    "MigrateError",
    "Settings",
    "SettingsError",
    "branches",
    "check",
    "current",
    "downgrade",
    "edit",
    "heads",
    "history",
    "init",
    "list_templates",
    "merge",
    "migrate",
    "needs_revision",
    "needs_upgrade",
    "revision",
    "show",
    "stamp",
    "upgrade",
]

if TYPE_CHECKING:
    from .commands import (
        branches,
        check,
        current,
        downgrade,
        edit,
        heads,
        history,
        init,
        list_templates,
        merge,
        migrate,
        needs_revision,
        needs_upgrade,
        revision,
        show,
        stamp,
        upgrade,
    )
    from .errors import MigrateError
    from .extension import Config, Migrate
    from .settings import Settings, SettingsError


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'flask_migrate_plus' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
