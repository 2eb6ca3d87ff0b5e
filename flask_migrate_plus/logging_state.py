"""Keep the application's logging configuration as it was around a migration command.

Alembic's env.py calls ``logging.config.fileConfig(alembic.ini)``, which by default disables
every logger that already exists and replaces the root logger's handlers. Run from the
command line that is harmless; run from a web application at start-up (``upgrade()``), it
silences the application's own logging. We snapshot the configuration before a command and
put it back afterwards, so even an env.py written by Flask-Migrate leaves no trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class _LoggerState:
    level: int
    handlers: list[logging.Handler]
    disabled: bool
    propagate: bool


def _snapshot(logger: logging.Logger) -> _LoggerState:
    return _LoggerState(logger.level, list(logger.handlers), logger.disabled, logger.propagate)


def _restore(logger: logging.Logger, state: _LoggerState) -> None:
    logger.setLevel(state.level)
    logger.handlers[:] = state.handlers
    logger.disabled = state.disabled
    logger.propagate = state.propagate


@contextmanager
def preserved_logging() -> Iterator[None]:
    """Restore levels, handlers, ``disabled`` and ``propagate`` of every logger on exit.

    Loggers created during the block keep whatever they were given (Alembic's own), so the
    command's progress lines still print while it runs.
    """
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = _snapshot(root)
    saved = {
        name: _snapshot(logger)
        for name, logger in list(manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
    }
    saved_disable = manager.disable
    try:
        yield
    finally:
        for name, state in saved.items():
            logger = manager.loggerDict.get(name)
            if isinstance(logger, logging.Logger):
                _restore(logger, state)
        _restore(root, saved_root)
        logging.disable(saved_disable)


@contextmanager
def quiet_alembic(level: int = logging.INFO) -> Iterator[None]:
    """Log lines up to ``level`` off while a tool runs many migrations on a throwaway database
    (Alembic's "Running upgrade ..."), or compares only to report the result itself (the
    warnings of a script it will not write). ``env.py`` reconfigures logging on every run,
    hence the global switch, which ``preserved_logging`` puts back."""
    with preserved_logging():
        logging.disable(level)
        yield
