"""Prints the spellings the table tests of ``test_sql_*.py`` hold, read from real servers.

For each model text (CHECK, ``Computed``, index expression and predicate, server default)
it creates the object on each backend with SQLAlchemy, reflects it back the way the
comparators do, and prints ``(backend, model text, stored text)`` rows: the model text as
the comparator compiles it, the stored text as the server gives it back. Paste the rows
into the tests when a server version changes what it stores.

    source /tmp/fmp-env.sh   # or any FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL
    python tests/collect_sql_spellings.py [checks|computed|indexes|defaults ...]
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).parent))

from flask_migrate_plus.sql.expressions import compile_sql  # noqa: E402

from backends import fresh_database  # noqa: E402

ALL = ("sqlite", "postgresql", "mariadb")
PG = ("postgresql",)

#: CHECK texts and the backends that accept them.
CHECKS: list[tuple[Any, tuple[str, ...]]] = [
    ("a > 0 AND b < 5", ALL),
    ("s IN ('p', 'q')", ALL),
    ("s IN ('p') OR s NOT IN ('q')", ALL),
    ("a + b * 2 > 1 OR s LIKE 'z%'", ALL),
    ("lower(s) <> 'x' AND NOT (a = 3)", ALL),
    ("s IS NOT NULL OR a != 4", ALL),
    ("CAST(a AS CHAR(5)) <> 'x'", ALL),
    ("coalesce(a, 0) > -1 AND a * -1 < 0 AND a <> - 2", ALL),
    ("NOT (a > 0 AND b > 0) OR trim(s) <> ''", ALL),
    ("CASE WHEN a > 0 THEN b > 0 ELSE false END", ALL),
    ("x BETWEEN a + 1 AND 5", ALL),
    ("x NOT BETWEEN a + 1 AND 5", ALL),
    ("a + b BETWEEN 1 AND 2", ALL),
    ("coalesce(a, 0) + 1 BETWEEN -5 AND abs(b)", ALL),
    ("x BETWEEN a AND b + 1 AND a > 0", ALL),
    ("größe > 0", ALL),
    ("x > .5", ALL),
    ("x > 1e3 AND x < 5.", ALL),
    ("n > 1.50", ALL),
    ("NOT (a + 1 = 3)", ALL),
    ("NOT (a = 3) OR NOT (b + 1 < 2)", ALL),
    ("NOT (a + 1 > 0 AND b > 0)", ALL),
    ("x IN (a + 1)", ALL),
    ("x NOT IN (a + 1)", ALL),
    ("mod(a, 2) = 0 AND a % 3 = 1", ALL),
    ("NOT (s LIKE 'x%')", ALL),
    ("NOT (s IS NULL)", ALL),
    ("upper(s) = s AND length(s) < 10", ALL),
    ("char_length(s) < 10 AND octet_length(s) < 40", ("postgresql", "mariadb")),
    (sa.column("a").between(1, 5), ALL),
    (sa.column("s").in_(["x", "it's"]), ALL),
    (~(sa.column("a") > 1), ALL),
    (sa.func.lower(sa.column("s")).like("x%"), ALL),
    ("lower(s) IS NOT DISTINCT FROM t", ("sqlite", "postgresql")),
    ("s IS NOT DISTINCT FROM t", ("sqlite", "postgresql")),
    (sa.column("s").is_not_distinct_from(sa.column("t")), ALL),
    ("a + 1 IS NOT DISTINCT FROM b * 2", ("sqlite", "postgresql")),
    ("NOT (a IS DISTINCT FROM b)", ("sqlite", "postgresql")),
    ("x BETWEEN SYMMETRIC 1 AND 5", PG),
    ("x NOT BETWEEN SYMMETRIC 1 AND 5", PG),
    ("arr @> ARRAY[1] AND arr <@ ARRAY[1, 2]", PG),
    ("j @> '{\"k\": 1}' AND j ? 'k'", PG),
    ("a # b > 0 AND @ a > 1", PG),
    ("s ~* '^x' OR s || 'x' <> 'y'", PG),
    ("s !~~* 'y' AND s ILIKE 'x%'", PG),
    ("a <> ALL (ARRAY[1, 2])", PG),
    ("d > now() - interval '1 day'", PG),
    ("a <=> b", ("mariadb",)),
    ("NOT (a <=> b)", ("mariadb",)),
    ("a > 0 || b > 0", ("mariadb",)),
    ("a > 0 && b > 0", ("mariadb",)),
    ("lcase(s) = 'x' AND a DIV 2 > 1", ("mariadb",)),
    ("s = 'a\\\\b' OR s LIKE 'a\\_%'", ("mariadb",)),
    ("s GLOB 'x*' OR a == b", ("sqlite",)),
]

#: Generated column texts, their type and backends.
COMPUTED: list[tuple[str, sa.types.TypeEngine[Any], tuple[str, ...]]] = [
    ("a * 2", sa.Integer(), ALL),
    ("a + b - 1", sa.Integer(), ALL),
    ("lower(s)", sa.String(20), ALL),
    ("coalesce(a, 0) + 1", sa.Integer(), ALL),
    ("CASE WHEN a > 0 THEN 1 ELSE 0 END", sa.Integer(), ALL),
    ("x BETWEEN a + 1 AND 5", sa.Boolean(), ("sqlite", "postgresql")),
    ("a / 2.5", sa.Float(), ALL),  # NUMERIC(10, 2): SQLAlchemy reads SQLite's text wrong
    ("s || 'x'", sa.String(30), ("sqlite", "postgresql")),
    ("concat(s, 'x')", sa.String(30), ("mariadb",)),
    ("größe * -1", sa.Integer(), ALL),
]

#: Index expressions (or None for a plain column) and predicates, PostgreSQL and SQLite.
INDEXES: list[tuple[str | None, str | None, tuple[str, ...]]] = [
    ("lower(s)", None, ("sqlite", "postgresql")),
    ("(a + b)", None, ("sqlite", "postgresql")),
    ("coalesce(s, '')", None, ("sqlite", "postgresql")),
    (None, "a > 0", ("sqlite", "postgresql")),
    (None, "s IS NOT NULL AND a > .5", ("sqlite", "postgresql")),
    (None, "x BETWEEN a + 1 AND 5", ("sqlite", "postgresql")),
    (None, "s IN ('p', 'q')", ("sqlite", "postgresql")),
    (None, "lower(s) IS NOT DISTINCT FROM t", ("sqlite", "postgresql")),
    (None, "größe > 0", ("sqlite", "postgresql")),
]

#: Server defaults, their column type and backends.
DEFAULTS: list[tuple[Any, sa.types.TypeEngine[Any], tuple[str, ...]]] = [
    (sa.false(), sa.Boolean(), ALL),
    (sa.true(), sa.Boolean(), ALL),
    ("0", sa.Boolean(), ALL),
    (sa.func.now(), sa.DateTime(), ALL),
    (sa.text("CURRENT_TIMESTAMP"), sa.DateTime(), ALL),
    (sa.text("CURRENT_DATE"), sa.Date(), ALL),
    ("0", sa.Integer(), ALL),
    (sa.text("(1+1)"), sa.Integer(), ALL),
    ("-1", sa.BigInteger(), ALL),
    (sa.text("-5"), sa.SmallInteger(), ALL),
    ("1.50", sa.Numeric(10, 2), ALL),
    ("0", sa.Numeric(10, 2), ALL),
    (sa.text(".5"), sa.Numeric(10, 2), ALL),
    ("0.5", sa.Float(), ALL),
    ("it's", sa.String(20), ALL),
    ("a\\b", sa.String(20), ALL),
    ("", sa.String(20), ALL),
    ("ÄÖ", sa.String(20), ALL),
    ("100%", sa.String(20), ALL),
    (sa.func.lower("X"), sa.String(20), ALL),
    ("2020-01-01", sa.Date(), ALL),
    (sa.text("'{}'::jsonb"), postgresql.JSONB(), PG),
    ("1 day", sa.Interval(), PG),
    (sa.text("now()::date"), sa.DateTime(), PG),
    (sa.text("gen_random_uuid()"), sa.Uuid(), PG),
]


def _table(metadata: sa.MetaData, backend: str, *extra: Any) -> sa.Table:
    columns = [
        sa.Column("id", sa.Integer, primary_key=True),
        *[sa.Column(name, sa.Integer) for name in ("a", "b", "x", "größe", "grüße")],
        sa.Column("s", sa.String(20)), sa.Column("t", sa.String(20)),
        sa.Column("n", sa.Numeric(10, 2)), sa.Column("d", sa.Date),
    ]
    if backend == "postgresql":
        columns += [sa.Column("j", postgresql.JSONB), sa.Column("arr", sa.ARRAY(sa.Integer))]
    return sa.Table("t", metadata, *columns, *extra)


def _rows(backend: str, url: str, section: str) -> list[tuple[str, ...]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    dialect = engine.dialect
    metadata = sa.MetaData()
    model: list[tuple[str, Callable[[sa.Inspector], str]]] = []
    types: list[str] = []
    if section == "checks":
        items = [(n, text) for n, (text, on) in enumerate(CHECKS) if backend in on]
        table = _table(metadata, backend, *[
            sa.CheckConstraint(sa.text(t) if isinstance(t, str) else t, name=f"ck_{n}")
            for n, t in items
        ])
        for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
            if isinstance(constraint, sa.CheckConstraint):
                name = str(constraint.name)
                model.append((compile_sql(constraint.sqltext, dialect), _check(name)))
    elif section == "computed":
        items_c = [(n, text, type_) for n, (text, type_, on) in enumerate(COMPUTED)
                   if backend in on]
        _table(metadata, backend, *[
            sa.Column(f"c_{n}", type_, sa.Computed(sa.text(text))) for n, text, type_ in items_c
        ])
        for n, text, _ in items_c:
            model.append((compile_sql(sa.text(text), dialect), _computed(f"c_{n}")))
    elif section == "indexes":
        table = _table(metadata, backend)
        for n, (expression, where, on) in enumerate(INDEXES):
            if backend not in on:
                continue
            element = sa.text(expression) if expression else table.c.a
            kwargs = {f"{backend}_where": sa.text(where)} if where else {}
            sa.Index(f"ix_{n}", element, _table=table, **kwargs)
            text = expression if expression else str(where)
            model.append((_compiled(sa.text(text), dialect), _index(f"ix_{n}", backend,
                                                                    bool(expression))))
    elif section == "defaults":
        items_d = [(n, d, type_) for n, (d, type_, on) in enumerate(DEFAULTS) if backend in on]
        table = _table(metadata, backend, *[
            sa.Column(f"d_{n}", type_, server_default=default) for n, default, type_ in items_d
        ])
        for n, _, type_ in items_d:
            column = table.c[f"d_{n}"]
            model.append((_model_default(column.server_default, dialect), _default(f"d_{n}")))
            types.append(type(type_).__name__)
    metadata.create_all(engine)
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        rows = [(backend, text, read(inspector)) for text, read in model]
    engine.dispose()
    if types:  # defaults: the column type decides what a lone literal means
        return [(backend, name, text, stored) for (_, text, stored), name in zip(
            rows, types, strict=True)]
    return rows


def _compiled(element: Any, dialect: sa.Dialect) -> str:
    compiled = element.compile(
        dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
    )
    return str(compiled)


def _model_default(default: Any, dialect: sa.Dialect) -> str:
    arg = default.arg
    if isinstance(arg, str):
        compiler = dialect.statement_compiler(dialect, None)
        sql = str(compiler.render_literal_value(arg, sa.String()))
    else:
        sql = str(arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.paramstyle in ("format", "pyformat"):
        sql = sql.replace("%%", "%")
    return sql


def _check(name: str) -> Callable[[sa.Inspector], str]:
    def read(inspector: sa.Inspector) -> str:
        found = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints("t")}
        return str(found[name])
    return read


def _computed(name: str) -> Callable[[sa.Inspector], str]:
    def read(inspector: sa.Inspector) -> str:
        column = next(c for c in inspector.get_columns("t") if c["name"] == name)
        return str(column["computed"]["sqltext"])  # type: ignore[typeddict-item]
    return read


def _default(name: str) -> Callable[[sa.Inspector], str]:
    def read(inspector: sa.Inspector) -> str:
        column = next(c for c in inspector.get_columns("t") if c["name"] == name)
        if column["default"] is None and inspector.dialect.name in ("mysql", "mariadb"):
            # reflection loses some expression defaults; the comparator reads the catalog
            return str(inspector.bind.exec_driver_sql(  # type: ignore[union-attr]
                "SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA ="
                " DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = %s", (name,)).scalar())
        return str(column["default"])
    return read


def _index(name: str, backend: str, expression: bool) -> Callable[[sa.Inspector], str]:
    def read(inspector: sa.Inspector) -> str:
        if backend == "sqlite":  # the comparator reads the stored DDL
            return str(inspector.bind.exec_driver_sql(  # type: ignore[union-attr]
                "SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar())
        record = next(i for i in inspector.get_indexes("t") if i["name"] == name)
        if expression:
            return str(record["expressions"][0])  # type: ignore[typeddict-item]
        return str(record["dialect_options"]["postgresql_where"])  # type: ignore[typeddict-item]
    return read


def main(argv: list[str]) -> None:
    sections = argv or ["checks", "computed", "indexes", "defaults"]
    warnings.simplefilter("ignore", sa.exc.SAWarning)  # PostgreSQL 15: Computed is STORED
    for section in sections:
        print(f"# -- {section}")
        for backend in ALL:
            with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, Path(tmp)) as url:
                for row in _rows(backend, url, section):
                    print(f"    {row!r},")


if __name__ == "__main__":
    main(sys.argv[1:])
