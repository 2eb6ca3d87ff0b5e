"""Every operation this package adds to a script, each next to its renderer.

The one home for op classes: comparators and rewrite passes create these objects, renderers
turn them into plain ``op.*`` / ``sa.*`` code (a script never imports this package).
:func:`register_renderers` installs every renderer in Alembic's process-wide dispatcher; each
plugin's ``setup()`` calls it, and calling it again changes nothing.

Modules import ``alembic.operations`` only, never ``alembic.autogenerate`` at module level:
they are loaded while ``import alembic`` itself is still loading its plugins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import (
    batch,
    casts,
    checks,
    comments,
    enums,
    generated,
    identity,
    notes,
    objects,
    online,
    primary_keys,
    renames,
    sequences,
    table_ddl,
)

_MODULES = (notes, objects, sequences, identity, primary_keys, enums, casts, checks, comments,
            batch, generated, table_ddl, online, renames)


def renderers() -> dict[type, Callable[..., Any]]:
    """Op class -> renderer, for every op of the package (and Alembic's two comment ops,
    whose renderers ours replace)."""
    found: dict[type, Callable[..., Any]] = {}
    for module in _MODULES:
        found.update(module.RENDERERS)
    return found


def register_renderers() -> None:
    """Install every renderer into Alembic's dispatcher; idempotent."""
    from alembic.autogenerate.render import renderers as alembic_renderers

    for op_class, render in renderers().items():
        alembic_renderers.dispatch_for(op_class, replace=True)(render)
