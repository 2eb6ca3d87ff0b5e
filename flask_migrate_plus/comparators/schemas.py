"""Comparator plugin `flask_migrate_plus.schemas` (work in progress)."""

from __future__ import annotations

from alembic.runtime.plugins import Plugin


def setup(plugin: Plugin) -> None:
    """Register this module's comparators with Alembic (none yet)."""
