"""``process_revision_directives`` hooks of the rendering side: run before the script is written.

wiring.py runs ``DIRECTIVE_HOOKS`` after the user's own hook and before the empty-script
check. They prepare rendering only; the ops themselves were rewritten already by the
rewrite passes (``flask_migrate_plus.rewrite``), during the comparison.
"""

from __future__ import annotations

import ast
import logging
from typing import Any

from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext

from ..ops import register_renderers
from .online import place_lock_timeouts
from .verify import record_type_owners

log = logging.getLogger("flask_migrate_plus")

EXTRA_IMPORTS_OPTION = "migrate_plus_extra_imports"


def install_renderers(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Register our op renderers before anything is rendered (idempotent, process-wide).

    Done here rather than at import: this package may be imported while
    ``alembic.autogenerate`` is still loading, and renderers need it.
    """
    register_renderers()


def is_import_line(line: str) -> bool:
    """One ``import x`` / ``from x import y`` statement on one line, and nothing else."""
    if "\n" in line or "\r" in line:
        return False
    try:
        body = ast.parse(line).body
    except SyntaxError:
        return False
    return len(body) == 1 and isinstance(body[0], (ast.Import, ast.ImportFrom))


def add_extra_imports(
    context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    """Add the configured import lines to every new script (each script gets its own set)."""
    lines = [str(line).strip() for line in context.opts.get(EXTRA_IMPORTS_OPTION) or ()]
    for line in lines:
        if not is_import_line(line):
            log.warning("%s: %r is not a single import statement; ignored",
                        EXTRA_IMPORTS_OPTION, line)
    wanted = {line for line in lines if is_import_line(line)}
    for script in directives:
        script.imports = set(script.imports or ()) | wanted


DIRECTIVE_HOOKS = [install_renderers, record_type_owners, add_extra_imports, place_lock_timeouts]
