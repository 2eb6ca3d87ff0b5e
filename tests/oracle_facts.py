"""What a database holds, read back as plain facts that two databases can be compared by.

The oracle builds one database with ``create_all`` and another with the first migration
script, then compares them fact by fact: tables, columns (type as the server reports it,
nullability, default, identity, comment), keys, foreign keys with their actions, indexes
(columns or expressions, uniqueness, predicate), unique and CHECK constraints with their names,
and on PostgreSQL enum types, sequences and schemas. Only spelling is normalised (case,
whitespace, quotes, outer brackets): a difference in anything a server would treat differently
stays a difference.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

IGNORED_TABLES = {"alembic_version"}
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "pg_toast", "public"}


def spelling(text: Any) -> Any:
    """Case, whitespace, quotes and enclosing brackets removed: how a text is spelled, not
    what it means."""
    if text is None:
        return None
    value = re.sub(r"\s+", "", str(text)).replace('"', "").replace("`", "").lower()
    while value.startswith("(") and value.endswith(")") and _balanced(value[1:-1]):
        value = value[1:-1]
    return value


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def schema_facts(engine: sa.Engine, schemas: tuple[str | None, ...] = (None,)) -> dict[str, Any]:
    """Every fact the oracle compares, for the default schema and ``schemas``."""
    inspector = sa.inspect(engine)
    dialect = engine.dialect
    facts: dict[str, Any] = {"tables": {}}
    for schema in schemas:
        if schema is not None and schema not in inspector.get_schema_names():
            continue
        for name in inspector.get_table_names(schema=schema):
            if name in IGNORED_TABLES:
                continue
            facts["tables"][(schema, name)] = _table_facts(inspector, dialect, name, schema)
    if dialect.name == "postgresql":
        facts["enums"] = sorted(
            (e["schema"], e["name"], tuple(e["labels"])) for e in inspector.get_enums(schema="*")
        )
        facts["sequences"] = sorted(
            ((schema, name) for schema in schemas for name in _sequences(inspector, schema)),
            key=repr,
        )
        facts["schemas"] = sorted(set(inspector.get_schema_names()) - SYSTEM_SCHEMAS)
    if dialect.name == "sqlite":
        # SQLAlchemy does not reflect SQLite's expression indexes: compare their text.
        with engine.connect() as connection:
            facts["index_sql"] = sorted(
                (row[0], spelling(row[1]))
                for row in connection.exec_driver_sql(
                    "SELECT tbl_name, sql FROM sqlite_master "
                    "WHERE type = 'index' AND sql IS NOT NULL"
                )
            )
    return facts


def _sequences(inspector: sa.Inspector, schema: str | None) -> list[str]:
    if schema is not None and schema not in inspector.get_schema_names():
        return []
    return inspector.get_sequence_names(schema=schema)


def _table_facts(
    inspector: sa.Inspector, dialect: sa.Dialect, name: str, schema: str | None
) -> dict[str, Any]:
    columns = {}
    for column in inspector.get_columns(name, schema=schema):
        columns[column["name"]] = (
            column["type"].compile(dialect=dialect),
            column["nullable"],
            spelling(column.get("default")),
            column.get("comment"),
            bool(column.get("identity")),
            spelling((column.get("computed") or {}).get("sqltext")),
        )
    pk = inspector.get_pk_constraint(name, schema=schema)
    foreign_keys = sorted(
        (
            (
                fk["name"],
                tuple(fk["constrained_columns"]),
                fk["referred_schema"],
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                tuple(
                    sorted(
                        (k, str(v).upper())
                        for k, v in fk.get("options", {}).items()
                        if k in ("ondelete", "onupdate")
                    )
                ),
            )
            for fk in inspector.get_foreign_keys(name, schema=schema)
        ),
        key=repr,
    )
    indexes = sorted(
        (
            (
                index["name"],
                tuple(str(c) for c in index["column_names"] if c is not None),
                tuple(spelling(e) for e in index.get("expressions", []) or []),
                bool(index["unique"]),
                spelling(_predicate(index)),
            )
            for index in inspector.get_indexes(name, schema=schema)
        ),
        key=repr,
    )
    uniques = sorted(
        (
            (u["name"], tuple(u["column_names"]))
            for u in inspector.get_unique_constraints(name, schema=schema)
        ),
        key=repr,
    )
    checks = sorted(
        (
            (c["name"], spelling(c["sqltext"]))
            for c in inspector.get_check_constraints(name, schema=schema)
        ),
        key=repr,
    )
    comment = (
        inspector.get_table_comment(name, schema=schema).get("text")
        if dialect.supports_comments
        else None
    )
    return {
        "columns": columns,
        "primary_key": (pk.get("name"), tuple(pk["constrained_columns"])),
        "foreign_keys": foreign_keys,
        "indexes": indexes,
        "uniques": uniques,
        "checks": checks,
        "comment": comment,
    }


def _predicate(index: dict[str, Any]) -> str | None:
    options = index.get("dialect_options", {})
    return options.get("postgresql_where") or options.get("sqlite_where")


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """The facts that differ, in words, for an assertion message."""
    lines = []
    for key in sorted(set(expected) | set(actual)):
        want, got = expected.get(key), actual.get(key)
        if key == "tables":
            for table in sorted(set(want or {}) | set(got or {}), key=str):
                a, b = (want or {}).get(table), (got or {}).get(table)
                if a is None or b is None:
                    lines.append(
                        f"table {table}: create_all {'has' if a else 'lacks'} it, "
                        f"the script {'builds' if b else 'does not build'} it"
                    )
                    continue
                for part in a:
                    if a[part] != b[part]:
                        lines.append(
                            f"table {table} {part}:\n  create_all: {a[part]}"
                            f"\n  script:     {b[part]}"
                        )
        elif want != got:
            lines.append(f"{key}:\n  create_all: {want}\n  script:     {got}")
    return lines


#: Names a server makes up for an unnamed constraint (MariaDB) and names of ours.
_SERVER_MADE = re.compile(r"^(constraint_\d+|.+_ibfk_\d+)$", re.IGNORECASE)


def _ours(name: Any, table: str) -> bool:
    return isinstance(name, str) and name.lower().startswith(
        tuple(f"{prefix}_{table.lower()[:20]}" for prefix in ("fk", "uq", "ck"))
    )


def without_made_up_names(facts: dict[str, Any]) -> dict[str, Any]:
    """The facts with the names of unnamed constraints left out, for SQLite and MariaDB.

    A constraint added to an existing table without a naming convention must have a name in
    the script (batch mode and the downgrade's drop need one), and there the server's own
    choice (SQLite: none; MariaDB: ``<table>_ibfk_<n>``, ``CONSTRAINT_<n>``, the foreign
    key's index after its column) cannot be known ahead, so the script's name is ours
    (``fk_``/``uq_``/``ck_<table>...``). README says so; every other fact still counts.
    """
    tables = {}
    for (schema, name), table in facts["tables"].items():

        def unnamed(value: Any, name: str = name) -> Any:
            return (
                None if value is None or _ours(value, name) or _SERVER_MADE.match(value) else value
            )

        fk_names = {fk[0] for fk in table["foreign_keys"]} | {
            fk[1][0] for fk in table["foreign_keys"]
        }
        tables[(schema, name)] = {
            **table,
            "foreign_keys": sorted(
                ((unnamed(fk[0]), *fk[1:]) for fk in table["foreign_keys"]), key=repr
            ),
            "uniques": sorted(((unnamed(u[0]), *u[1:]) for u in table["uniques"]), key=repr),
            "checks": sorted(((unnamed(c[0]), *c[1:]) for c in table["checks"]), key=repr),
            "indexes": sorted(
                (
                    (None if i[0] in fk_names and not i[3] else unnamed(i[0]), *i[1:])
                    for i in table["indexes"]
                ),
                key=repr,
            ),
        }
    return {**facts, "tables": tables}
