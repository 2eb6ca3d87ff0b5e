"""Constraint and index names: as the server stores them, and made up where the models give none.

A name the models produce is compared and written in the form the server will keep. A
name that SQLAlchemy made or was handed as final (a naming convention's, ``index=True``'s,
``conv()`` / ``op.f()``) and that is longer than the dialect allows is cut by SQLAlchemy
when it writes the DDL (``ix_some_long_name...`` becomes ``ix_some_long_na_7e6a``), and
PostgreSQL keeps at most 63 bytes of any identifier. Compared in full, such a name is never
found in the database; written in full, it is created twice or dropped under a name that
does not exist. :func:`stored_name` and :func:`model_name` apply both cuts.

A script must be able to drop what it creates, and ``drop_constraint`` needs a name; batch
mode needs one even to create. Where the models' ``naming_convention`` gives none, we make
one up: ``<prefix>_<table>_<parts>``, deterministic (the same models give the same script),
and cut with a stable hash below the shortest identifier limit of our servers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.sql.elements import _truncated_label, conv

from ..sql.dialects import BACKSLASH_ESCAPES, dialect_family
from ..sql.lexer import NAME, QUOTED, tokenize

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

#: Longest name we make up: PostgreSQL cuts identifiers at 63 bytes, MariaDB refuses 65+.
MAX_NAME_LENGTH = 60


def short_digest(text: str) -> str:
    """Eight hex digits standing for ``text`` (a CHECK's SQL, an over-long name)."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def made_up_name(prefix: str, table: str, parts: Iterable[str]) -> str:
    """``prefix_table_part1_part2...``, cut with a stable hash when too long."""
    name = "_".join([prefix, table, *parts])
    if len(name) <= MAX_NAME_LENGTH:
        return name
    return f"{name[:MAX_NAME_LENGTH - 9]}_{short_digest(name)}"


def _clip_bytes(name: str, limit: int) -> str:
    """PostgreSQL cuts an identifier to ``limit`` bytes, never inside a character."""
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    return encoded[:limit].decode("utf-8", "ignore")


#: What a server does by itself with a name longer than it keeps, by dialect (the others
#: refuse such a name, and SQLAlchemy refuses a plain one before they see it).
SERVER_CUTS: dict[str, Callable[[str, int], str]] = {"postgresql": _clip_bytes}


def _server_cut(name: str, dialect: Dialect) -> str:
    cut = SERVER_CUTS.get(dialect.name)
    return name if cut is None else cut(name, dialect.max_identifier_length)


def stored_name(name: Any, dialect: Dialect, kind: str = "constraint") -> Any:
    """``name`` as the server will store it, for an ``"index"`` or a ``"constraint"``.

    Only a name SQLAlchemy treats as final (``conv()``, a naming convention's) is cut with
    its hash, exactly as SQLAlchemy's DDL compiler does; a plain string is left whole
    (SQLAlchemy refuses a too long one). None stays None.
    """
    if not isinstance(name, str):
        return name
    stored = name
    if isinstance(name, _truncated_label):
        preparer = dialect.identifier_preparer
        truncate = (
            preparer.truncate_and_render_index_name
            if kind == "index"
            else preparer.truncate_and_render_constraint_name
        )
        stored = truncate(name, _alembic_quote=False)
    stored = _server_cut(stored, dialect)
    # A conv stays a conv: rendered op.f(), never run through a naming convention again.
    return conv(stored) if isinstance(name, conv) else stored


def model_name(constraint: Any, dialect: Dialect) -> str | None:
    """The name the server will give a model's index or constraint; None when it has none.

    A name left to a naming convention until DDL time is worked out here as SQLAlchemy
    will work it out, then cut as the server stores it.
    """
    given = constraint.name
    if given is None:
        return None
    name = dialect.identifier_preparer.format_constraint(constraint, _alembic_quote=False)
    if name is None:
        return None
    stored = _server_cut(name, dialect)
    # A convention's name (a conv, or one not worked out yet) stays a conv once cut.
    return conv(stored) if isinstance(given, conv) or not isinstance(given, str) else stored


def check_name(table: str, sql: str) -> str:
    """The name we give an unnamed CHECK: its table and a digest of its text."""
    return made_up_name("ck", table, [short_digest(sql)])


#: PostgreSQL's longest identifier in bytes (``NAMEDATALEN - 1``), as it names an object.
POSTGRESQL_NAME_BYTES = 63


def default_primary_key_name(table_name: str) -> str:
    """The name PostgreSQL gives an unnamed primary key; ours for keys that have none.

    PostgreSQL shortens a long table name so that ``<table>_pkey`` fits its limit.
    """
    suffix = "_pkey"
    return f"{_clip_bytes(table_name, POSTGRESQL_NAME_BYTES - len(suffix))}{suffix}"


#: The word PostgreSQL ends the name of an unnamed constraint with, by kind.
_POSTGRESQL_LABELS = {"uq": "key", "fk": "fkey", "ck": "check"}


def _postgresql_object_name(name1: str, name2: str | None, label: str) -> str:
    """``name1_name2_label`` as PostgreSQL builds it: the longer of the two names loses a
    character at a time until the whole fits its 63 bytes."""
    overhead = len(label) + 1 + (1 if name2 else 0)
    available = POSTGRESQL_NAME_BYTES - overhead
    first, second = name1.encode(), (name2 or "").encode()
    keep1, keep2 = len(first), len(second)
    while keep1 + keep2 > available:
        if keep1 > keep2:
            keep1 -= 1
        else:
            keep2 -= 1
    parts = [first[:keep1].decode("utf-8", "ignore")]
    if name2:
        parts.append(second[:keep2].decode("utf-8", "ignore"))
    return "_".join([*parts, label])


def server_given_name(
    kind: str, table: str, columns: Sequence[str], dialect_name: str,
    taken: Collection[str] = (),
) -> str | None:
    """The name the server gives an unnamed unique (``uq``), foreign key (``fk``) or CHECK
    (``ck``) constraint added to an existing table; None where it cannot be known ahead.

    With it, a script adding such a constraint builds what ``create_all`` would have built,
    and its downgrade drops the constraint under the name it really has. PostgreSQL names
    one ``<table>_<columns>_key`` / ``_fkey`` / ``_check`` (a CHECK over several columns or
    none: ``<table>_check``), numbering the word (``check1``, ``check2``) past a name in
    ``taken``; MariaDB names a unique key after its first column.
    """
    if dialect_name == "postgresql":
        second = None
        if kind != "ck" or len(set(columns)) == 1:
            second = "_".join(dict.fromkeys(columns) if kind == "ck" else columns)
        label = _POSTGRESQL_LABELS[kind]
        name = _postgresql_object_name(table, second, label)
        number = 0
        while name in taken:
            number += 1
            name = _postgresql_object_name(table, second, f"{label}{number}")
        return name
    if dialect_name in ("mysql", "mariadb") and kind == "uq" and columns:
        return columns[0][:64]
    return None


def columns_named_in(sql: str, columns: Iterable[str], dialect_name: str) -> list[str]:
    """The ``columns`` that a CHECK's text names, in order of first mention: PostgreSQL
    names an unnamed CHECK after its column when there is exactly one."""
    family = dialect_family(dialect_name)
    names = set(columns)
    found: list[str] = []
    tokens = tokenize(sql, backslash_escapes=family in BACKSLASH_ESCAPES,
                      bracket_identifiers=family == "sqlite")
    for token in tokens:
        if token.kind in (NAME, QUOTED) and token.value in names and token.value not in found:
            found.append(token.value)
    return found


#: What batch mode calls the database's unnamed constraints while it drops one of them
#: (its ``naming_convention`` argument, Alembic's documented recipe for SQLite).
BATCH_CONVENTION = {
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
}


def batch_convention_name(
    kind: str, table: str, columns: Iterable[str], referred_table: str | None = None
) -> str:
    """The name ``BATCH_CONVENTION`` gives an unnamed foreign key (``fk``) or unique
    constraint (``uq``), spelled out so a ``drop_constraint`` can name it."""
    parts = [kind, table, *columns]
    if kind == "fk" and referred_table is not None:
        parts.append(referred_table)
    return "_".join(parts)
