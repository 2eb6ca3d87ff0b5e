"""Revisions left part-way on servers whose DDL statements each commit on their own.

On MySQL/MariaDB a revision is not one transaction: when it fails, or when the process is
killed in the middle of it, the statements before that point stay applied while the version
table still names the revision before. The revision's statements are known (its ``--sql``
rendering); the schema says which of them are in place. That account is given when a
revision fails, and, after a crash, by the next ``upgrade`` (which then refuses to run the
revision again on top of itself) and ``current``.

A statement is judged by what it names: ``CREATE TABLE t`` is in place when ``t`` exists,
``ALTER TABLE t ADD COLUMN c`` when ``t.c`` exists, ``DROP ...`` when the object is gone, and
so on. Statements whose effect cannot be read back from the schema (data changes, type
changes) are "cannot tell".
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import Script, ScriptDirectory

from .logging_state import preserved_logging

#: Dialects whose DDL statements each commit on their own.
NON_TRANSACTIONAL_DDL = frozenset({"mysql", "mariadb"})

_SPACE = re.compile(r"\s+")
_NAME = r"(?:`((?:[^`]|``)+)`|\"((?:[^\"]|\"\")+)\"|([\w$]+))"
_QUALIFIED = rf"(?:{_NAME}\.)?{_NAME}"


def server_name(engine: sa.Engine) -> str:
    """"MariaDB" or "MySQL" (one dialect name serves both), else the dialect's name."""
    if engine.dialect.name in NON_TRANSACTIONAL_DDL:
        return "MariaDB" if getattr(engine.dialect, "is_mariadb", False) else "MySQL"
    return engine.dialect.name


def one_line_sql(statement: str, limit: int = 160) -> str:
    text = _SPACE.sub(" ", statement).strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def normalised_sql(statement: str) -> str:
    return _SPACE.sub(" ", statement).strip().rstrip(";").lower()


def revision_statements(config: AlembicConfig, script: Script, direction: str) -> list[str] | None:
    """The revision's statements as ``--sql`` writes them, version-table writes left out;
    None when the script cannot be rendered offline (it needs a live connection)."""
    down = script.down_revision
    before = down if isinstance(down, str) else "base"
    buffer = io.StringIO()
    config.output_buffer = buffer
    try:
        # env.py sets up its own logging: its progress lines go nowhere while we render, and
        # the logging it set up goes away with the render.
        with preserved_logging(), contextlib.redirect_stderr(io.StringIO()):
            if direction == "upgrade":
                command.upgrade(config, f"{before}:{script.revision}", sql=True)
            else:
                command.downgrade(config, f"{script.revision}:{before}", sql=True)
    except Exception:  # any failure of an offline render: no list, and we say so
        return None
    finally:
        config.output_buffer = None
    statements = []
    for chunk in buffer.getvalue().split(";\n"):
        lines = [line for line in chunk.splitlines()
                 if line.strip() and not line.lstrip().startswith("--")]
        text = "\n".join(lines).strip()
        if text and "alembic_version" not in text.lower() and text.upper() not in (
            "BEGIN", "COMMIT"
        ):
            statements.append(text)
    return statements


# -- which statements are in place ------------------------------------------------------------


def _ident(match: re.Match[str], first: int) -> str:
    """The identifier captured by the three alternative groups starting at ``first``."""
    backquoted, quoted, bare = match.group(first), match.group(first + 1), match.group(first + 2)
    if backquoted is not None:
        return backquoted.replace("``", "`")
    if quoted is not None:
        return quoted.replace('""', '"')
    return str(bare)


def _table(match: re.Match[str]) -> str:
    """The table of a ``_QUALIFIED`` match at the start of the pattern (schema dropped)."""
    return _ident(match, 4)


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    #: (inspector, match) -> whether the statement's effect is in the database
    judge: Callable[[sa.Inspector, re.Match[str]], bool]


def _has_table(inspector: sa.Inspector, table: str) -> bool:
    return table in inspector.get_table_names()


def _columns(inspector: sa.Inspector, table: str) -> set[str]:
    if not _has_table(inspector, table):
        return set()
    return {column["name"].lower() for column in inspector.get_columns(table)}


def _indexes(inspector: sa.Inspector, table: str) -> set[str]:
    if not _has_table(inspector, table):
        return set()
    return {str(index["name"]).lower() for index in inspector.get_indexes(table)}


def _constraints(inspector: sa.Inspector, table: str) -> set[str]:
    if not _has_table(inspector, table):
        return set()
    names = {str(fk["name"]).lower() for fk in inspector.get_foreign_keys(table) if fk["name"]}
    names |= {str(uq["name"]).lower() for uq in inspector.get_unique_constraints(table)}
    names |= {str(ck["name"]).lower() for ck in inspector.get_check_constraints(table)}
    return names | _indexes(inspector, table)


def _rule(sql: str, judge: Callable[[sa.Inspector, re.Match[str]], bool]) -> _Rule:
    return _Rule(re.compile(sql.format(T=_QUALIFIED, N=_NAME), re.I | re.S), judge)


#: What each kind of statement leaves in the schema. Groups 1-6 are the table (schema, name);
#: 7-9 the column, index or constraint named after it.
RULES: tuple[_Rule, ...] = (
    _rule(r"^CREATE TABLE (?:IF NOT EXISTS )?{T}",
          lambda i, m: _has_table(i, _table(m))),
    _rule(r"^DROP TABLE (?:IF EXISTS )?{T}",
          lambda i, m: not _has_table(i, _table(m))),
    _rule(r"^ALTER TABLE {T} ADD (?:COLUMN )?{N} ",
          lambda i, m: _ident(m, 7).lower() in _columns(i, _table(m))),
    _rule(r"^ALTER TABLE {T} DROP (?:COLUMN )?{N}\s*$",
          lambda i, m: _ident(m, 7).lower() not in _columns(i, _table(m))),
    _rule(r"^ALTER TABLE {T} ADD CONSTRAINT {N}",
          lambda i, m: _ident(m, 7).lower() in _constraints(i, _table(m))),
    _rule(r"^ALTER TABLE {T} DROP (?:FOREIGN KEY|CONSTRAINT|CHECK|INDEX|KEY) {N}",
          lambda i, m: _ident(m, 7).lower() not in _constraints(i, _table(m))),
    _rule(r"^CREATE (?:UNIQUE |FULLTEXT |SPATIAL )?INDEX {N} ON {T}",
          lambda i, m: _ident(m, 1).lower() in _indexes(i, _ident(m, 7))),
    _rule(r"^DROP INDEX {N} ON {T}",
          lambda i, m: _ident(m, 1).lower() not in _indexes(i, _ident(m, 7))),
)


def in_place(statement: str, inspector: sa.Inspector) -> bool | None:
    """Whether the statement's effect is in the database; None when the schema cannot tell."""
    text = _SPACE.sub(" ", statement).strip()
    for rule in RULES:
        match = rule.pattern.match(text)
        if match:
            return rule.judge(inspector, match)
    return None


def in_place_account(statements: list[str], engine: sa.Engine) -> list[tuple[str, bool | None]]:
    """Each statement with whether it is in place (read from a fresh inspector)."""
    inspector = sa.inspect(engine)
    return [(statement, in_place(statement, inspector)) for statement in statements]


# -- the pending revision, after a crash --------------------------------------------------------


def next_revision(script: ScriptDirectory, heads: tuple[str, ...]) -> Script | None:
    """The first revision an upgrade from ``heads`` would run (None at head)."""
    pending = list(script.iterate_revisions("heads", heads or "base"))
    return pending[-1] if pending else None


def interrupted_revision(
    config: AlembicConfig, script: ScriptDirectory, heads: tuple[str, ...], engine: sa.Engine
) -> tuple[Script, list[tuple[str, bool | None]]] | None:
    """The pending revision when some of its statements are already in place: an earlier
    run stopped in the middle of it. None when nothing says so."""
    if engine.dialect.name not in NON_TRANSACTIONAL_DDL:
        return None
    revision = next_revision(script, heads)
    if revision is None:
        return None
    statements = revision_statements(config, revision, "upgrade")
    if not statements:
        return None
    account = in_place_account(statements, engine)
    # Only something the revision creates is evidence: a dropped object may never have been
    # there.
    evidence = any(done and _creates(statement) for statement, done in account)
    return (revision, account) if evidence else None


def _creates(statement: str) -> bool:
    text = normalised_sql(statement)
    return text.startswith("create ") or (text.startswith("alter table ") and " add " in text)


def account_lines(account: list[tuple[str, bool | None]]) -> Iterator[str]:
    labels = {True: "in place:    ", False: "not in place:", None: "cannot tell: "}
    for statement, done in account:
        yield f"  {labels[done]} {one_line_sql(statement)}"


def interrupted_message(
    revision: Script, account: list[tuple[str, bool | None]], server: str, command_prefix: str
) -> str:
    return "\n".join([
        f"revision {revision.revision} ({os.path.relpath(revision.path)}) is part-way "
        f"applied: an earlier upgrade stopped in the middle of it (or one is running now), "
        f"and {server} cannot roll back DDL",
        *account_lines(account),
        "Finish it by hand (the statements not in place) and record it with: "
        f"{command_prefix} stamp {revision.revision}; or undo the ones in place and run "
        f"{command_prefix} upgrade again.",
    ])
