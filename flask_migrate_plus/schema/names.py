"""Names for constraints the models leave unnamed, made one way everywhere.

A script must be able to drop what it creates, and ``drop_constraint`` needs a name; batch
mode needs one even to create. Where the models' ``naming_convention`` gives none, we make
one up: ``<prefix>_<table>_<parts>``, deterministic (the same models give the same script),
and cut with a stable hash below the shortest identifier limit of our servers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

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


def check_name(table: str, sql: str) -> str:
    """The name we give an unnamed CHECK: its table and a digest of its text."""
    return made_up_name("ck", table, [short_digest(sql)])


def default_primary_key_name(table_name: str) -> str:
    """The name PostgreSQL gives an unnamed primary key; ours for keys that have none."""
    return f"{table_name}_pkey"


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
