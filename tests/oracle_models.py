"""Random model sets for the oracle: a plain-data description, drawn by hypothesis, and the
SQLAlchemy ``MetaData`` built from it for one backend.

The description (``ModelSpec``) is what hypothesis shrinks and prints when an example fails,
so it stays small and readable; ``build_metadata`` turns it into tables the way an application
would declare them (``index=True``, ``unique=True``, column-level CHECKs, naming conventions,
enums shared by several tables, link tables with a composite key, foreign-key cycles closed
with ``use_alter``). What a backend cannot hold (schemas on SQLite and MariaDB, partial and
expression indexes on MariaDB, identity columns outside PostgreSQL) is never drawn for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import sqlalchemy as sa
from hypothesis import strategies as st

#: Kinds of column, by what the application writes; each maps to one SQLAlchemy type below.
KINDS = (
    "int",
    "bigint",
    "smallint",
    "string",
    "text",
    "bool",
    "date",
    "datetime",
    "numeric",
    "float",
    "enum",
    "uuid",
    "json",
    "utils_uuid",
    "utils_email",
)
#: Kinds an index or a unique constraint may cover on every backend (no TEXT/BLOB on MariaDB).
INDEXABLE = (
    "int",
    "bigint",
    "smallint",
    "string",
    "bool",
    "date",
    "datetime",
    "numeric",
    "enum",
    "uuid",
    "utils_uuid",
    "utils_email",
)
#: Kinds whose values can be compared with 0 in a CHECK.
NUMERIC = ("int", "bigint", "smallint", "numeric", "float")
#: Names real applications use that are reserved words somewhere.
RESERVED = (
    "user",
    "order",
    "group",
    "select",
    "key",
    "index",
    "check",
    "desc",
    "range",
    "type",
    "value",
    "default",
    "column",
    "table",
    "from",
    "to",
    "limit",
    "rank",
)
SECOND_SCHEMA = "oracle_other"

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str
    nullable: bool = True
    length: int = 40
    server_default: bool = False
    python_default: bool = False
    index: bool = False
    unique: bool = False
    check: bool = False
    comment: str | None = None
    enum: str = ""


@dataclass(frozen=True)
class ForeignKeySpec:
    column: str
    target: str
    ondelete: str | None = None
    onupdate: str | None = None
    use_alter: bool = False


@dataclass(frozen=True)
class IndexSpec:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    partial: bool = False
    expression: bool = False


@dataclass(frozen=True)
class CheckSpec:
    name: str | None
    column: str


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str  # "serial", "identity", "uuid" or "link" (composite key of two foreign keys)
    columns: tuple[ColumnSpec, ...]
    schema: str | None = None
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    uniques: tuple[tuple[str, ...], ...] = ()
    checks: tuple[CheckSpec, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()
    comment: str | None = None


@dataclass(frozen=True)
class ModelSpec:
    tables: tuple[TableSpec, ...]
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()
    convention: bool = False

    def table(self, name: str) -> TableSpec:
        return next(t for t in self.tables if t.name == name)


# -- names ---------------------------------------------------------------------------------
_FIRST = "abcdefghijklmnopqrstuvwxyz"
_REST = _FIRST + "0123456789_"


@st.composite
def identifiers(draw: st.DrawFn, long: bool = True) -> str:
    """Short names mostly; now and then one near the servers' 63/64 character limit, a
    reserved word, or one with capitals (quoted everywhere, and case-insensitive on MariaDB)."""
    shape = draw(
        st.sampled_from(["short"] * 6 + ["reserved", "capital"] + (["long"] if long else []))
    )
    if shape == "reserved":
        return draw(st.sampled_from(RESERVED))
    size = draw(st.integers(40, 58)) if shape == "long" else draw(st.integers(1, 10))
    name = draw(st.sampled_from(_FIRST)) + draw(
        st.text(_REST, min_size=size - 1, max_size=size - 1)
    )
    if shape == "capital":
        name = name[0].upper() + name[1:]
    return name


def _unique_names(count: int) -> st.SearchStrategy[list[str]]:
    # Unique without regard to case: MariaDB compares column names case-insensitively.
    return st.lists(identifiers(), min_size=count, max_size=count, unique_by=str.lower)


# -- tables ----------------------------------------------------------------------------------
def _kinds_for(backend: str) -> tuple[str, ...]:
    return KINDS


@st.composite
def columns(
    draw: st.DrawFn, backend: str, names: list[str], enums: tuple[str, ...]
) -> tuple[ColumnSpec, ...]:
    result = []
    for name in names:
        kinds = [k for k in _kinds_for(backend) if k != "enum" or enums]
        kind = draw(st.sampled_from(kinds))
        indexable = kind in INDEXABLE
        # A long column name in an index name can pass the identifier limit: that is the point.
        result.append(
            ColumnSpec(
                name=name,
                kind=kind,
                nullable=draw(st.booleans()),
                length=draw(st.sampled_from([10, 40, 255])),
                server_default=draw(st.booleans()) and kind not in ("uuid", "utils_uuid", "json"),
                python_default=draw(st.booleans()),
                index=indexable and draw(st.integers(0, 3)) == 0,
                unique=indexable and draw(st.integers(0, 5)) == 0,
                check=kind in NUMERIC and draw(st.integers(0, 3)) == 0,
                comment=draw(st.sampled_from([None, None, "a comment", "it's 'quoted'"])),
                enum=draw(st.sampled_from(enums)) if kind == "enum" else "",
            )
        )
    return tuple(result)


@st.composite
def model_specs(draw: st.DrawFn, backend: str, max_tables: int = 4) -> ModelSpec:
    enum_names = draw(st.lists(identifiers(long=False), max_size=2, unique_by=str.lower))
    enums = tuple(
        (
            f"e_{name.lower()}",
            tuple(
                draw(
                    st.lists(
                        st.sampled_from(["new", "done", "Old", "x y", "it's"]),
                        min_size=1,
                        max_size=4,
                        unique=True,
                    )
                )
            ),
        )
        for name in enum_names
    )
    table_names = draw(
        st.lists(identifiers(), min_size=1, max_size=max_tables, unique_by=str.lower)
    )
    tables: list[TableSpec] = []
    index_names: set[str] = set()  # PostgreSQL keeps index names per schema, not per table
    for table_name in table_names:
        earlier = [t for t in tables if t.key != "link"]
        key = draw(st.sampled_from(_keys_for(backend, link_possible=len(earlier) >= 2)))
        count = draw(st.integers(0, 4))
        names = [
            n for n in draw(_unique_names(count)) if n.lower() not in ("id", "left_id", "right_id")
        ]
        cols = draw(columns(backend, names, tuple(e[0] for e in enums)))
        fks: list[ForeignKeySpec] = []
        if key == "link":
            left, right = draw(
                st.lists(
                    st.sampled_from(earlier), min_size=2, max_size=2, unique_by=lambda t: t.name
                )
            )
            fks += [
                ForeignKeySpec("left_id", left.name, ondelete="CASCADE"),
                ForeignKeySpec("right_id", right.name, ondelete="CASCADE"),
            ]
        elif earlier and draw(st.booleans()):
            target = draw(st.sampled_from(earlier))
            fk_name = draw(identifiers()) + "_id"
            if fk_name.lower() not in {c.name.lower() for c in cols} | {"id"}:
                nullable = draw(st.booleans())
                cols = cols + (
                    ColumnSpec(fk_name[:60], "fk", nullable=nullable, index=draw(st.booleans())),
                )
                fks.append(
                    ForeignKeySpec(
                        fk_name[:60],
                        target.name,
                        ondelete=draw(
                            st.sampled_from([None, "CASCADE"] + (["SET NULL"] if nullable else []))
                        ),
                        onupdate=draw(st.sampled_from([None, None, "CASCADE"])),
                    )
                )
        indexable = [c.name for c in cols if c.kind in INDEXABLE]
        strings = [c.name for c in cols if c.kind in ("string", "utils_email")]
        uniques: tuple[tuple[str, ...], ...] = ()
        if indexable and draw(st.booleans()):
            uniques = (
                tuple(
                    draw(st.lists(st.sampled_from(indexable), min_size=1, max_size=2, unique=True))
                ),
            )
        # A table UNIQUE on exactly a column that is unique=True itself would be the same
        # constraint twice (under one convention name): no application declares that.
        own = {(c.name,) for c in cols if c.unique}
        uniques = tuple(u for u in uniques if u not in own)
        if key != "link" and draw(st.integers(0, 5)) == 0:
            uniques += (("id",),)  # a UNIQUE on exactly the primary key's columns
        checks = tuple(
            CheckSpec(
                draw(st.one_of(st.none(), identifiers(long=False).map(lambda n: "ck_" + n))), c.name
            )
            for c in cols
            if c.kind in NUMERIC and draw(st.integers(0, 4)) == 0
        )
        indexes: list[IndexSpec] = []
        for _ in range(draw(st.integers(0, 2))):
            index_name = "ix_" + draw(identifiers())[:55]
            if index_name.lower() in index_names:
                continue
            index_names.add(index_name.lower())
            expression = bool(strings) and backend != "mariadb" and draw(st.integers(0, 2)) == 0
            pool = strings if expression else indexable
            if not pool:
                continue
            indexes.append(
                IndexSpec(
                    name=index_name,
                    columns=tuple(
                        draw(
                            st.lists(
                                st.sampled_from(pool),
                                min_size=1,
                                max_size=1 if expression else 2,
                                unique=True,
                            )
                        )
                    ),
                    unique=draw(st.booleans()),
                    partial=backend != "mariadb" and draw(st.booleans()),
                    expression=expression,
                )
            )
        schema = SECOND_SCHEMA if backend == "postgresql" and draw(st.integers(0, 3)) == 0 else None
        tables.append(
            TableSpec(
                name=table_name,
                key=key,
                columns=cols,
                schema=schema,
                foreign_keys=tuple(fks),
                uniques=uniques,
                checks=checks,
                indexes=tuple(indexes),
                comment=draw(st.sampled_from([None, None, "table comment"])),
            )
        )
    tables = _close_a_cycle(draw, backend, tables)
    return ModelSpec(tuple(tables), enums, convention=draw(st.booleans()))


def _keys_for(backend: str, link_possible: bool) -> list[str]:
    keys = ["serial", "serial", "uuid"]
    if backend == "postgresql":
        keys.append("identity")
    if link_possible:
        keys.append("link")
    return keys


def _close_a_cycle(draw: st.DrawFn, backend: str, tables: list[TableSpec]) -> list[TableSpec]:
    """Now and then, a foreign key from the first table back to a later one: a cycle that
    ``use_alter`` closes after both tables exist."""
    plain = [t for t in tables if t.key != "link"]
    if backend == "sqlite" or len(plain) < 2 or not draw(st.integers(0, 3)) == 0:
        return tables
    first, later = plain[0], draw(st.sampled_from(plain[1:]))
    column = ColumnSpec("cycle_id", "fk", nullable=True)
    if any(c.name.lower() == "cycle_id" for c in first.columns):
        return tables
    fk = ForeignKeySpec("cycle_id", later.name, ondelete="SET NULL", use_alter=True)
    changed = replace(
        first, columns=first.columns + (column,), foreign_keys=first.foreign_keys + (fk,)
    )
    return [changed if t is first else t for t in tables]


# -- the MetaData ----------------------------------------------------------------------------
def build_metadata(spec: ModelSpec, backend: str) -> sa.MetaData:
    """The tables an application with these models would declare."""
    import sqlalchemy_utils as su

    metadata = sa.MetaData(naming_convention=CONVENTION if spec.convention else {})
    enum_types = {name: sa.Enum(*values, name=name) for name, values in spec.enums}
    by_name = {t.name: t for t in spec.tables}

    def key_type(table: TableSpec) -> sa.types.TypeEngine:
        return sa.Uuid() if table.key == "uuid" else sa.Integer()

    def column_type(column: ColumnSpec) -> sa.types.TypeEngine:
        kind = column.kind
        return {
            "int": sa.Integer,
            "bigint": sa.BigInteger,
            "smallint": sa.SmallInteger,
            "text": sa.Text,
            "bool": sa.Boolean,
            "date": sa.Date,
            "datetime": sa.DateTime,
            "float": sa.Float,
            "uuid": sa.Uuid,
            "json": sa.JSON,
            "utils_uuid": su.UUIDType,
        }.get(kind, lambda: None)() or {
            "string": lambda: sa.String(column.length),
            "numeric": lambda: sa.Numeric(10, 2),
            "enum": lambda: enum_types[column.enum],
            "utils_email": lambda: su.EmailType(column.length),
        }[kind]()

    def server_default(column: ColumnSpec) -> sa.sql.ClauseElement | None:
        if not column.server_default:
            return None
        if column.kind == "enum":
            return sa.text(_literal(dict(spec.enums)[column.enum][0]))
        if column.kind == "bool":
            return sa.false()
        if column.kind == "datetime":
            return sa.func.now()
        return sa.text(
            {
                "int": "7",
                "bigint": "0",
                "smallint": "1",
                "string": "'abc'",
                "text": "'it''s'",
                "date": "'2020-01-02'",
                "numeric": "1.50",
                "float": "0.5",
                "utils_email": "'a@b.c'",
            }[column.kind]
        )

    quote = _quoter(backend)
    for table in spec.tables:
        cols: list[sa.Column] = []
        if table.key == "link":
            left, right = table.foreign_keys[0], table.foreign_keys[1]
            for fk in (left, right):
                cols.append(sa.Column(fk.column, key_type(by_name[fk.target]), primary_key=True))
        elif table.key == "identity":
            cols.append(sa.Column("id", sa.Integer, sa.Identity(), primary_key=True))
        elif table.key == "uuid":
            cols.append(sa.Column("id", sa.Uuid, primary_key=True))
        else:
            cols.append(sa.Column("id", sa.Integer, primary_key=True))
        fk_of = {fk.column: fk for fk in table.foreign_keys}
        for column in table.columns:
            args: list[sa.SchemaItem] = []
            if column.kind == "fk":
                kind = key_type(by_name[fk_of[column.name].target])
            else:
                kind = column_type(column)
            if column.check:
                args.append(sa.CheckConstraint(f"{quote(column.name)} >= 0"))
            cols.append(
                sa.Column(
                    column.name,
                    kind,
                    *args,
                    nullable=column.nullable,
                    server_default=server_default(column),
                    default=(lambda: None) if column.python_default else None,
                    index=column.index or None,
                    unique=column.unique or None,
                    comment=column.comment,
                )
            )
        items: list[sa.SchemaItem] = []
        for fk in table.foreign_keys:
            target = by_name[fk.target]
            prefix = f"{target.schema}." if target.schema else ""
            items.append(
                sa.ForeignKeyConstraint(
                    [fk.column],
                    [f"{prefix}{target.name}.id"],
                    ondelete=fk.ondelete,
                    onupdate=fk.onupdate,
                    use_alter=fk.use_alter,
                    name=f"fk_cycle_{table.name.lower()}"[:60] if fk.use_alter else None,
                )
            )
        for columns_ in table.uniques:
            items.append(sa.UniqueConstraint(*columns_))
        for check in table.checks:
            items.append(sa.CheckConstraint(f"{quote(check.column)} < 1000000", name=check.name))
        t = sa.Table(
            table.name, metadata, *cols, *items, schema=table.schema, comment=table.comment
        )
        for index in table.indexes:
            elements: list[sa.ColumnElement] = (
                [sa.func.lower(t.c[index.columns[0]])]
                if index.expression
                else [t.c[name] for name in index.columns]
            )
            where = t.c[index.columns[0]].isnot(None) if index.partial else None
            sa.Index(
                index.name,
                *elements,
                unique=index.unique,
                postgresql_where=where if backend == "postgresql" else None,
                sqlite_where=where if backend == "sqlite" else None,
            )
    return metadata


def _quoter(backend: str) -> Callable[[str], str]:
    """How the backend quotes a name inside CHECK text the application writes itself."""
    dialect = {"sqlite": "sqlite", "postgresql": "postgresql", "mariadb": "mysql"}[backend]
    return _dialect(dialect).identifier_preparer.quote


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _dialect(name: str) -> sa.engine.Dialect:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    return {"sqlite": sqlite.dialect, "postgresql": postgresql.dialect, "mysql": mysql.dialect}[
        name
    ]()


# -- evolutions ------------------------------------------------------------------------------
def _referenced(spec: ModelSpec) -> set[str]:
    return {fk.target for t in spec.tables for fk in t.foreign_keys}


def _in_use(table: TableSpec) -> set[str]:
    """Columns that an index, a constraint or a foreign key names."""
    names = {fk.column for fk in table.foreign_keys}
    names |= {c for u in table.uniques for c in u} | {c.column for c in table.checks}
    names |= {c for i in table.indexes for c in i.columns}
    return names


def _with_table(spec: ModelSpec, old: TableSpec, new: TableSpec | None) -> ModelSpec:
    tables = tuple(new if t is old else t for t in spec.tables if new is not None or t is not old)
    return replace(spec, tables=tables)


@st.composite
def evolutions(draw: st.DrawFn, spec: ModelSpec, backend: str) -> ModelSpec:
    """A later version of the same models: one to three changes an application makes."""
    for _ in range(draw(st.integers(1, 3))):
        change = draw(
            st.sampled_from(
                [
                    "add_table",
                    "drop_table",
                    "add_column",
                    "drop_column",
                    "nullable",
                    "length",
                    "index",
                    "unique",
                    "check",
                    "comment",
                    "server_default",
                    "enum_value",
                ]
            )
        )
        spec = draw(_evolve(spec, backend, change))
    return spec


@st.composite
def _evolve(draw: st.DrawFn, spec: ModelSpec, backend: str, change: str) -> ModelSpec:
    plain = [t for t in spec.tables if t.key != "link"]
    if change == "add_table" or not plain:
        taken = {t.name.lower() for t in spec.tables}
        name = draw(identifiers().filter(lambda n: n.lower() not in taken))
        enums = tuple(e[0] for e in spec.enums)
        names = [n for n in draw(_unique_names(draw(st.integers(1, 3)))) if n.lower() != "id"]
        table = TableSpec(name, "serial", draw(columns(backend, names, enums)))
        return replace(spec, tables=spec.tables + (table,))
    table = draw(st.sampled_from(plain))
    loose = [c for c in table.columns if c.name not in _in_use(table) and c.kind != "fk"]
    if change == "drop_table":
        if table.name in _referenced(spec):
            return spec
        return _with_table(spec, table, None)
    if change == "add_column":
        taken = {c.name.lower() for c in table.columns} | {"id"}
        name = draw(identifiers().filter(lambda n: n.lower() not in taken))
        (column,) = draw(columns(backend, [name], tuple(e[0] for e in spec.enums)))
        if not column.nullable and not column.server_default:
            column = replace(column, nullable=True)  # the table may hold rows
        return _with_table(spec, table, replace(table, columns=table.columns + (column,)))
    if not loose:
        return spec
    column = draw(st.sampled_from(loose))
    if change == "drop_column":
        new_columns = tuple(c for c in table.columns if c is not column)
        return _with_table(spec, table, replace(table, columns=new_columns))
    changed = {
        "nullable": lambda: replace(column, nullable=not column.nullable),
        "length": lambda: replace(column, length=255 if column.length != 255 else 40),
        "index": lambda: replace(column, index=not column.index and column.kind in INDEXABLE),
        "unique": lambda: replace(column, unique=not column.unique and column.kind in INDEXABLE),
        "check": lambda: replace(column, check=not column.check and column.kind in NUMERIC),
        "comment": lambda: replace(column, comment=None if column.comment else "new comment"),
        "server_default": lambda: replace(
            column,
            server_default=not column.server_default
            and column.kind not in ("uuid", "utils_uuid", "json"),
        ),
        "enum_value": lambda: column,
    }[change]()
    if change == "enum_value" and spec.enums:
        name, values = draw(st.sampled_from(spec.enums))
        enums = tuple(
            (n, v + ("added",) if n == name and "added" not in v else v) for n, v in spec.enums
        )
        spec = replace(spec, enums=enums)
        table = spec.table(table.name)
        return spec
    new_columns = tuple(changed if c is column else c for c in table.columns)
    return _with_table(spec, table, replace(table, columns=new_columns))
