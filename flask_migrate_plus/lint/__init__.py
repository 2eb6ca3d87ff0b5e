"""``flask db lint`` without Flask: which ops of a migration script would stop a live
application, and what to write instead.

A script is run against a recording stand-in for Alembic's ``op`` (``recorder``), each op
and each SQL statement it runs is read into a change (``operations``, ``statements``),
and every rule (``rules``) looks at each change. Usable from any Alembic project::

    from flask_migrate_plus.lint import lint_script
    for finding in lint_script("migrations/versions/1a2b_add_index.py", "postgresql"):
        print(finding)

A reviewed op is acknowledged with ``# migrate-plus: safe <rule>[, <rule>...]`` on its
line or the line above (``acknowledge``).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..sql.dialects import dialect_family
from . import model
from .acknowledge import Acknowledgements
from .model import Change, Finding
from .recorder import LintError, function_dialect, record_script
from .rules import RULE_NAMES, RULES, Rule, ScriptState, prepare

__all__ = ["RULES", "RULE_NAMES", "Finding", "LintError", "Rule", "lint_script",
           "unknown_rule_message"]


def unknown_rule_message(names: Iterable[str]) -> str | None:
    """A message naming the first unknown rule in ``names`` (with a close match), or None."""
    for name in names:
        if name not in RULES:
            close = difflib.get_close_matches(name, RULE_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown lint rule {name!r}{hint}; known rules: {', '.join(RULE_NAMES)}"
    return None


def lint_script(
    path: str | os.PathLike[str],
    dialect: str = "postgresql",
    *,
    server_version: tuple[int, ...] | None = None,
    ignore: Iterable[str] = (),
    assume_lock_timeout: bool = False,
    revision: str | None = None,
    bind_dialects: Mapping[str, str] | None = None,
    table_rows: Mapping[str, int] | None = None,
) -> list[Finding]:
    """The findings for the script at ``path`` on ``dialect`` (``postgresql``, ``mysql``,
    ``mariadb``, ``sqlite``), upgrade and downgrade, in script order.

    ``server_version`` (e.g. ``(16, 2)``) matters where the server's version changes the
    risk (a default on ADD COLUMN before PostgreSQL 11); unknown means a current server.
    ``ignore`` switches rules off; ``assume_lock_timeout`` says the runner sets a
    lock_timeout for every step (an ``env.py`` that sets it), so scripts need not.
    ``bind_dialects`` gives, for a multi-database script, the dialect of each bind's
    functions (``upgrade_<bind>``; ``""`` is the default database). ``table_rows`` (table
    name -> estimated rows, read from the server) is added to what a finding locks, so a
    reviewer sees how long the lock lasts.
    Raises :class:`LintError` when the script cannot be loaded or run, ValueError for an
    unknown rule name.
    """
    ignored = frozenset(ignore)
    message = unknown_rule_message(sorted(ignored))
    if message is not None:
        raise ValueError(message)
    path = str(path)
    try:
        recorded = record_script(path, dialect, server_version, bind_dialects)
    except LintError:
        raise
    except Exception as exc:  # e.g. a dialect name SQLAlchemy does not know
        raise LintError(f"{path}: cannot lint for dialect {dialect!r}: {exc}") from exc
    acknowledgements = Acknowledgements(Path(path).read_text(encoding="utf-8"))
    created_tables, added_columns = _created_by_upgrade(recorded)
    findings: list[Finding] = []
    for function, changes in recorded.items():
        own_dialect = function_dialect(function, dialect, bind_dialects)
        family = dialect_family(own_dialect)
        rules = [rule for rule in RULES.values()
                 if rule.name not in ignored and rule.applies_to(family)]
        version = server_version if own_dialect == dialect else None
        state = ScriptState(family, version, function, assume_lock_timeout)
        if function.startswith("downgrade"):
            state.upgrade_tables, state.upgrade_columns = created_tables, added_columns
        prepare(changes, state)
        findings.extend(_check(changes, state, rules, acknowledgements, revision,
                               table_rows or {}))
    return findings


def _check(changes: list[Change], state: ScriptState, rules: list[Rule],
           acknowledgements: Acknowledgements, revision: str | None,
           table_rows: Mapping[str, int]) -> list[Finding]:
    findings: list[Finding] = []
    reported: set[str] = set()
    seen: set[tuple[int, str, str]] = set()
    for change in changes:
        acknowledged = acknowledgements.rules_at(change.location.line)
        line = acknowledgements.first_line(change.location.line)
        for rule in rules:
            if rule.once and rule.name in reported:
                continue
            locks = rule.check(change, state)
            if locks is not None and rule.name in acknowledged and rule.once:
                reported.add(rule.name)  # acknowledged where it applies first: for all
            if locks is None or rule.name in acknowledged or (line, rule.name, locks) in seen:
                continue
            seen.add((line, rule.name, locks))
            reported.add(rule.name)
            rows = table_rows.get(change.table or "")
            if rows is not None and rows >= 0 and state.existing(change.table):
                locks = f"{locks} ({change.table}: about {rows:,} rows)"
            findings.append(Finding(change.location.file, line, rule.name, locks,
                                    rule.safe_form(state.family), state.function, revision))
        state.advance(change)
    return findings


def _created_by_upgrade(
    recorded: dict[str, list[Change]],
) -> tuple[frozenset[str], frozenset[tuple[str | None, str | None]]]:
    """Tables and columns the upgrade creates: its downgrade may drop them again."""
    tables: set[str] = set()
    columns: set[tuple[str | None, str | None]] = set()
    for function, changes in recorded.items():
        if not function.startswith("upgrade"):
            continue
        for change in changes:
            if change.action == model.CREATE_TABLE and change.table is not None:
                tables.add(change.table)
            elif change.action == model.ADD_COLUMN:
                columns.add((change.table, change.column))
    return frozenset(tables), frozenset(columns)
