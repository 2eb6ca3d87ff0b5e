"""The ``flask_migrate_plus.indexes`` plugin on real databases.

Each change case: database state A (made by SQLAlchemy), models B, autogenerate, check the
ops and the rendered text, upgrade, autogenerate again (empty), downgrade, autogenerate vs A
(empty). Each no-false-positive case: models identical to the database give no script.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from backends import fresh_database, selected_backends
from harness import AlembicProject

Build = Callable[[sa.Table], Any]


def _table(metadata: sa.MetaData, name: str = "t") -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.Integer),
        sa.Column("b", sa.String(100)),
        sa.Column("c", sa.String(100)),
        sa.Column("status", sa.String(20)),
        sa.Column("doc", sa.JSON().with_variant(pg.JSONB(), "postgresql")),
        sa.Column("body", sa.Text),
    )


def _metadata(build: Build | None) -> sa.MetaData:
    metadata = sa.MetaData()
    table = _table(metadata)
    if build is not None:
        build(table)
    return metadata


@dataclass
class Case:
    id: str
    backends: tuple[str, ...]
    before: Build | None
    after: Build | None
    expected: list[str] = field(default_factory=list)

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


ALL = ("sqlite", "postgresql", "mariadb")
PG = ("postgresql",)
LITE = ("sqlite",)
MARIA = ("mariadb",)
WHERE = {"sqlite": "sqlite_where", "postgresql": "postgresql_where"}

CHANGES = [
    Case(
        "add-expression",
        ("sqlite", "postgresql"),
        None,
        lambda t: sa.Index("ix_t_lower_b", sa.func.lower(t.c.b)),
        ["create_index('ix_t_lower_b', [sa.literal_column('lower(b)')]"],
    ),
    Case(
        "drop-expression",
        ("sqlite", "postgresql"),
        lambda t: sa.Index("ix_t_lower_b", sa.func.lower(t.c.b)),
        None,
        ["drop_index(", "'ix_t_lower_b'", "create_index(", "[sa.literal_column('lower(b"],
    ),
    Case(
        "expression-lower-to-upper",
        ("sqlite", "postgresql"),
        lambda t: sa.Index("ix_t_fn_b", sa.func.lower(t.c.b)),
        lambda t: sa.Index("ix_t_fn_b", sa.func.upper(t.c.b)),
        ["drop_index(", "sa.literal_column('upper(b)')"],
    ),
    Case(
        "expression-column-b-to-c",
        ("sqlite", "postgresql"),
        lambda t: sa.Index("ix_t_fn", sa.func.lower(t.c.b)),
        lambda t: sa.Index("ix_t_fn", sa.func.lower(t.c.c)),
        ["sa.literal_column('lower(c)')"],
    ),
    Case(
        "asc-to-desc",
        ALL,
        lambda t: sa.Index("ix_t_ab", t.c.a, t.c.b),
        lambda t: sa.Index("ix_t_ab", t.c.a.desc(), t.c.b),
        ["drop_index(", "[sa.literal_column('a DESC'), 'b']"],
    ),
    Case(
        "mysql-length-added",
        MARIA,
        lambda t: sa.Index("ix_t_b", t.c.b),
        lambda t: sa.Index("ix_t_b", t.c.b, mysql_length=10),
        ["drop_index(", "mysql_length=10"],
    ),
    Case(
        "mysql-length-10-to-20",
        MARIA,
        lambda t: sa.Index("ix_t_b", t.c.b, mysql_length={"b": 10}),
        lambda t: sa.Index("ix_t_b", t.c.b, mysql_length={"b": 20}),
        ["mysql_length={'b': 20}", "mysql_length={'b': 10}"],
    ),
    Case(
        "server-chosen-to-given-prefix",
        MARIA,
        lambda t: sa.Index("ix_t_body", t.c.body),
        lambda t: sa.Index("ix_t_body", t.c.body, mysql_length=30),
        ["mysql_length=30", "mysql_length={'body': 768}"],
    ),
    Case(
        "plain-to-fulltext",
        MARIA,
        lambda t: sa.Index("ix_t_body", t.c.body, mysql_length=20),
        lambda t: sa.Index("ix_t_body", t.c.body, mysql_prefix="FULLTEXT"),
        ["mysql_prefix='FULLTEXT'", "mysql_length={'body': 20}"],
    ),
    Case(
        "using-btree-to-hash",
        PG,
        lambda t: sa.Index("ix_t_b", t.c.b),
        lambda t: sa.Index("ix_t_b", t.c.b, postgresql_using="hash"),
        ["postgresql_using='hash'"],
    ),
    Case(
        "using-btree-to-gin",
        PG,
        lambda t: sa.Index("ix_t_doc", t.c.doc, postgresql_using="btree"),
        lambda t: sa.Index("ix_t_doc", t.c.doc, postgresql_using="gin"),
        ["postgresql_using='gin'"],
    ),
    Case(
        "include-added",
        PG,
        lambda t: sa.Index("ix_t_a", t.c.a),
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_include=["b"]),
        ["postgresql_include=['b']"],
    ),
    Case(
        "ops-added",
        PG,
        lambda t: sa.Index("ix_t_b", t.c.b),
        lambda t: sa.Index("ix_t_b", t.c.b, postgresql_ops={"b": "text_pattern_ops"}),
        ["postgresql_ops={'b': 'text_pattern_ops'}"],
    ),
    Case(
        "expression-ops-added",
        PG,
        lambda t: sa.Index("ix_t_lower_b", sa.func.lower(t.c.b).label("lb")),
        lambda t: sa.Index(
            "ix_t_lower_b",
            sa.func.lower(t.c.b).label("lb"),
            postgresql_ops={"lb": "text_pattern_ops"},
        ),
        ["postgresql_ops={'lb': 'text_pattern_ops'}"],
    ),
    Case(
        "with-fillfactor-added",
        PG,
        lambda t: sa.Index("ix_t_a", t.c.a),
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_with={"fillfactor": 70}),
        ["postgresql_with={'fillfactor': 70}"],
    ),
    Case(
        "where-in-list-changed",
        PG,
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_where=t.c.status.in_(["x", "y"])),
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_where=t.c.status.in_(["x", "y", "z"])),
        ["postgresql_where=sa.text(\"status IN ('x', 'y', 'z')\")"],
    ),
    Case(
        "with-fillfactor-changed",
        PG,
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_with={"fillfactor": 70}),
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_with={"fillfactor": 50}),
        ["postgresql_with={'fillfactor': 50}", "postgresql_with={'fillfactor': '70'}"],
    ),
]


def _partial_cases() -> list[Case]:
    def partial(predicate: Callable[[sa.Table], Any]) -> Callable[[str], Build]:
        def for_backend(backend: str) -> Build:
            return lambda t: sa.Index("ix_t_a", t.c.a, **{WHERE[backend]: predicate(t)})

        return for_backend

    gt5 = partial(lambda t: t.c.a > 5)
    gt10 = partial(lambda t: t.c.a > 10)
    active = partial(lambda t: t.c.status == "active")
    plain: Callable[[str], Build] = lambda backend: lambda t: sa.Index("ix_t_a", t.c.a)  # noqa: E731
    cases = []
    for backend in ("sqlite", "postgresql"):
        cases += [
            Case(
                f"where-gt5-to-gt10-{backend}",
                (backend,),
                gt5(backend),
                gt10(backend),
                [f"{WHERE[backend]}=sa.text('a > 10')"],
            ),
            Case(
                f"plain-to-partial-{backend}",
                (backend,),
                plain(backend),
                active(backend),
                [f"{WHERE[backend]}=sa.text(\"status = 'active'\")"],
            ),
            Case(
                f"partial-to-plain-{backend}",
                (backend,),
                active(backend),
                plain(backend),
                [WHERE[backend]],
            ),
        ]
    return cases


def on_table(index: Callable[[], sa.Index]) -> Build:
    """Attach the index as ``__table_args__`` does: elements that are not bound columns give
    it no table of its own."""
    return lambda t: t.append_constraint(index())


#: Index elements that are not bound columns: added (no false positive after the upgrade,
#: where each used to be dropped and created again on every run), and changed for real.
UNBOUND = [
    Case("add-unbound-column", ALL, None, on_table(lambda: sa.Index("ix_t_u", sa.column("b"))),
         ["create_index('ix_t_u', [sa.literal_column('b')]"]),
    Case("add-desc-of-a-name", ALL, None, on_table(lambda: sa.Index("ix_t_u", sa.desc("b"))),
         ["create_index('ix_t_u', [sa.literal_column('b DESC')]"]),
    Case("add-desc-of-unbound-column", ALL, None,
         on_table(lambda: sa.Index("ix_t_u", sa.desc(sa.column("b"))))),
    Case("add-text-column", ALL, None, on_table(lambda: sa.Index("ix_t_u", sa.text("b")))),
    Case("add-text-desc", ALL, None, on_table(lambda: sa.Index("ix_t_u", sa.text("b DESC")))),
    Case("add-unbound-and-text-desc", ALL, None,
         on_table(lambda: sa.Index("ix_t_u", sa.column("a"), sa.text("b DESC")))),
    Case("add-function-of-unbound-column", ("sqlite", "postgresql"), None,
         on_table(lambda: sa.Index("ix_t_u", sa.func.lower(sa.column("b"))))),
    Case("add-text-desc-nulls-last", PG, None,
         on_table(lambda: sa.Index("ix_t_u", sa.text("a DESC NULLS LAST"),
                                   sa.text("b NULLS FIRST")))),
    Case("add-text-opclass", PG, None,
         on_table(lambda: sa.Index("ix_t_u", sa.text("b varchar_pattern_ops")))),
    Case("add-gin-text-opclass", PG, None,
         on_table(lambda: sa.Index("ix_t_u", sa.text("doc jsonb_path_ops"),
                                   postgresql_using="gin"))),
    Case("add-function-text-opclass-desc", PG, None,
         on_table(lambda: sa.Index("ix_t_u", sa.text("lower(c) text_pattern_ops DESC")))),
    Case("add-unbound-column-with-ops", PG, None,
         on_table(lambda: sa.Index("ix_t_u", sa.column("doc"), postgresql_using="gin",
                            postgresql_ops={"doc": "jsonb_path_ops"}))),
    Case("text-desc-to-asc", ALL,
         on_table(lambda: sa.Index("ix_t_u", sa.text("b DESC"))),
         on_table(lambda: sa.Index("ix_t_u", sa.text("b"))),
         ["drop_index(batch_op.f('ix_t_u'))", "create_index('ix_t_u', [sa.literal_column('b')]",
          "create_index(batch_op.f('ix_t_u'), [sa.literal_column('b DESC')]"]),
    Case("unbound-column-b-to-c", ALL,
         on_table(lambda: sa.Index("ix_t_u", sa.column("b"))),
         on_table(lambda: sa.Index("ix_t_u", sa.column("c"))),
         ["create_index('ix_t_u', [sa.literal_column('c')]",
          "create_index(batch_op.f('ix_t_u'), ['b']"]),
    Case("gin-text-opclass-to-default", PG,
         on_table(lambda: sa.Index("ix_t_u", sa.text("doc jsonb_path_ops"),
                                   postgresql_using="gin")),
         on_table(lambda: sa.Index("ix_t_u", sa.column("doc"), postgresql_using="gin")),
         ["drop_index('ix_t_u'", "postgresql_ops={'doc': 'jsonb_path_ops'}"]),
    # Alembic's own finding, which the signature must not take back as "unchanged"
    Case("nulls-not-distinct-added", PG,
         on_table(lambda: sa.Index("ix_t_u", sa.column("b"), unique=True)),
         on_table(lambda: sa.Index("ix_t_u", sa.column("b"), unique=True,
                                   postgresql_nulls_not_distinct=True)),
         ["postgresql_nulls_not_distinct=True"]),
    Case("text-opclass-changed", PG,
         on_table(lambda: sa.Index("ix_t_u", sa.text("b varchar_pattern_ops"))),
         on_table(lambda: sa.Index("ix_t_u", sa.text("b text_pattern_ops"))),
         ["drop_index('ix_t_u'", "sa.literal_column('b text_pattern_ops')"]),
]


def _case_params() -> list[Any]:
    """Each case on each selected backend it applies to (no database made for the others)."""
    return [
        pytest.param(case, backend, id=f"{case.id}-{backend}")
        for case in CHANGES + _partial_cases() + UNBOUND
        for backend in selected_backends()
        if backend in case.backends
    ]


@pytest.mark.parametrize(("case", "on"), _case_params())
def test_index_change_round_trip(case: Case, on: str, tmp_path: Path) -> None:
    with fresh_database(on, tmp_path) as url:
        project = AlembicProject(tmp_path, url)
        rev = project.round_trip(_metadata(case.before), _metadata(case.after))
        project.engine.dispose()
    for expected in case.expected:
        assert expected in rev.text, rev.text


# -- no false positives: models identical to the database ---------------------------------


def _everything(backend: str) -> sa.MetaData:
    """One table with every index shape the backend supports, plus an FK for MariaDB."""
    metadata = sa.MetaData()
    parent = sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    t = _table(metadata)
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("named_pid", sa.Integer, sa.ForeignKey(parent.c.id, name="fk_child_named")),
        sa.Column("pid", sa.Integer, sa.ForeignKey(parent.c.id)),
        sa.Column("x", sa.Integer, index=True),
    )
    sa.Index("ix_t_desc", t.c.a.desc(), t.c.b)
    sa.Index("ix_t_unique", t.c.b, t.c.c, unique=True)
    if backend in ("sqlite", "postgresql"):
        where = WHERE[backend]
        sa.Index("ix_t_lower", sa.func.lower(t.c.b))
        sa.Index("ix_t_lower_desc", sa.func.lower(t.c.c).desc(), t.c.a)
        sa.Index("ix_t_active", t.c.a, **{where: t.c.status == "active"})
        sa.Index("ix_t_and", t.c.b, **{where: sa.and_(t.c.a > 5, t.c.b.is_not(None))})
        sa.Index("ix_t_like", t.c.c, unique=True, **{where: t.c.c.like("x%")})
        sa.Index("ix_t_text", sa.text("lower(status)"), **{where: sa.text("a <> 3")})
    if backend == "postgresql":
        sa.Index("ix_t_hash", t.c.status, postgresql_using="hash")
        sa.Index("ix_t_gin", t.c.doc, postgresql_using="gin")
        sa.Index("ix_t_include", t.c.a, postgresql_include=["b", "c"])
        sa.Index("ix_t_ops", t.c.b, postgresql_ops={"b": "text_pattern_ops"})
        sa.Index("ix_t_with", t.c.c, postgresql_with={"fillfactor": 70})
        sa.Index("ix_t_nulls", t.c.a.desc().nulls_last(), t.c.b.nulls_first())
        sa.Index("ix_t_in", t.c.a, postgresql_where=t.c.status.in_(["a", "b"]))
        sa.Index("ix_t_not_in", t.c.a, postgresql_where=t.c.a.not_in([1, 2]))
        sa.Index("ix_t_between", t.c.b, postgresql_where=t.c.a.between(1, 10))
        sa.Index("ix_t_not_like", t.c.c, postgresql_where=t.c.b.not_like("x%"))
        sa.Index("ix_t_coalesce", t.c.a, postgresql_where=sa.func.coalesce(t.c.c, "z") == "z")
        sa.Index("ix_t_cast", sa.cast(t.c.a, sa.String))
        sa.Index(
            "ix_t_path", t.c.doc, postgresql_using="gin", postgresql_ops={"doc": "jsonb_path_ops"}
        )
        lower_c = sa.func.lower(t.c.c).label("lower_c")
        sa.Index("ix_t_expr_ops", lower_c, postgresql_ops={"lower_c": "text_pattern_ops"})
        sa.Index("ix_t_dedup", t.c.b, postgresql_with={"deduplicate_items": False})
        sa.Index("ix_t_json", t.c.doc["k"].as_string(), postgresql_using="btree")
    if backend == "mariadb":
        sa.Index("ix_t_len", t.c.b, mysql_length=10)
        sa.Index("ix_t_len2", t.c.b, t.c.status, mysql_length={"b": 5})
        sa.Index("ix_t_len_whole", t.c.status, mysql_length=20)  # String(20): no prefix
        sa.Index("ix_t_fulltext", t.c.body, mysql_prefix="FULLTEXT")
        sa.Index("ix_t_text_prefix", t.c.body)  # MariaDB picks the prefix length
    return metadata


def test_identical_models_write_no_script(backend: str, db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_everything(backend))
    assert project.diff(_everything(backend)) == []
    assert project.revision(_everything(backend)) is None


# -- whole tables: expression indexes come and go with them --------------------------------


def _expression_table(metadata: sa.MetaData) -> None:
    t = sa.Table(
        "t", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("b", sa.Text)
    )
    sa.Index("ix_t_lower_b", sa.func.lower(t.c.b).desc(), unique=True)


@pytest.mark.backends("sqlite", "postgresql")
def test_created_table_gets_its_expression_index(db_url: str, tmp_path: Path) -> None:
    after = sa.MetaData()
    _expression_table(after)
    rev = AlembicProject(tmp_path, db_url).round_trip(sa.MetaData(), after)
    assert "op.create_table('t'" in rev.text
    assert "[sa.literal_column('lower(b) DESC')], unique=True)" in rev.text


@pytest.mark.backends("sqlite", "postgresql")
def test_dropped_table_downgrade_recreates_its_expression_index(
    db_url: str, tmp_path: Path
) -> None:
    before = sa.MetaData()
    _expression_table(before)
    rev = AlembicProject(tmp_path, db_url).round_trip(before, sa.MetaData())
    assert "op.drop_table('t')" in rev.text
    downgrade = rev.text.split("def downgrade")[1]
    assert "create_index(" in downgrade and "lower(b" in downgrade and "DESC" in downgrade


# -- MariaDB: the index the server made for a foreign key ----------------------------------


def _parent_child(fk_name: str | None, with_fk: bool, declared_index: bool = False) -> sa.MetaData:
    metadata = sa.MetaData()
    parent = sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    fk = [sa.ForeignKey(parent.c.id, name=fk_name)] if with_fk else []
    child = sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pid", sa.Integer, *fk),
    )
    if declared_index:
        sa.Index(fk_name or "pid", child.c.pid)
    return metadata


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("fk_name", ["fk_child_pid", None])
def test_dropping_fk_drops_the_index_mariadb_made_for_it(
    fk_name: str | None, db_url: str, tmp_path: Path
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_parent_child(fk_name, True), _parent_child(fk_name, False))
    upgrade, downgrade = rev.text.split("def downgrade")
    index_name = fk_name or "pid"
    assert "drop_constraint(" in upgrade
    assert f"drop_index(batch_op.f('{index_name}'))" in upgrade
    assert upgrade.index("drop_constraint(") < upgrade.index("drop_index(")
    assert downgrade.index("create_index(") < downgrade.index("create_foreign_key(")


@pytest.mark.backends("mariadb")
def test_dropping_fk_column_round_trips(db_url: str, tmp_path: Path) -> None:
    after = sa.MetaData()
    sa.Table("parent", after, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("child", after, sa.Column("id", sa.Integer, primary_key=True))
    rev = AlembicProject(tmp_path, db_url).round_trip(_parent_child("fk_child_pid", True), after)
    downgrade = rev.text.split("def downgrade")[1]
    assert "drop_column('pid')" in rev.text
    assert downgrade.index("add_column(") < downgrade.index("create_index(")
    assert downgrade.index("create_index(") < downgrade.index("create_foreign_key(")


@pytest.mark.backends("mariadb")
def test_dropping_fk_keeps_an_index_the_model_declares(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    after = _parent_child("fk_child_pid", False, declared_index=True)
    rev = project.round_trip(_parent_child("fk_child_pid", True), after)
    assert "drop_constraint(" in rev.text
    assert "drop_index(" not in rev.text


# -- the user's filters -------------------------------------------------------------------


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("hook", ["include_object", "include_name"])
def test_filtered_index_is_left_alone(hook: str, db_url: str, tmp_path: Path) -> None:
    """include_object hides the index from both sides; include_name hides the database's
    copy only, so (as with Alembic's own indexes) the model's index looks added, never
    changed or dropped."""

    def include_object(obj: Any, name: Any, type_: str, reflected: bool, other: Any) -> bool:
        return not (type_ == "index" and name == "ix_t_fn_b")

    def include_name(name: Any, type_: str, parents: Any) -> bool:
        return not (type_ == "index" and name == "ix_t_fn_b")

    hooks = {"include_object": include_object, "include_name": include_name}
    before = _metadata(lambda t: sa.Index("ix_t_fn_b", sa.func.lower(t.c.b), t.c.a))
    after = _metadata(lambda t: sa.Index("ix_t_fn_b", sa.func.upper(t.c.b), t.c.a))
    project = AlembicProject(tmp_path, db_url, options={hook: hooks[hook]})
    project.create(before)
    expected = [] if hook == "include_object" else ["add_index"]
    assert [d[0] for d in project.diff(after)] == expected
    unfiltered = AlembicProject(tmp_path / "unfiltered", db_url)
    assert [d[0] for d in unfiltered.diff(after)] == ["remove_index", "add_index"]


# -- catalog reads: a fixed number per run, whatever the number of tables -----------------

#: Queries this plugin adds to an autogenerate run: SQLite reads ``sqlite_master`` once,
#: MariaDB reads ``information_schema.STATISTICS`` once, PostgreSQL reuses Alembic's.
EXTRA_QUERIES = {"sqlite": 1, "postgresql": 0, "mariadb": 1}


def _many_tables(count: int) -> sa.MetaData:
    metadata = sa.MetaData()
    for number in range(count):
        t = _table(metadata, f"t{number}")
        sa.Index(f"ix_t{number}_a", t.c.a.desc(), t.c.b)
        sa.Index(f"ix_t{number}_c", t.c.c, unique=True)
    return metadata


def _statements(project: AlembicProject, metadata: sa.MetaData) -> int:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(project.engine, "before_cursor_execute", count)
    try:
        assert project.diff(metadata) == []
    finally:
        sa.event.remove(project.engine, "before_cursor_execute", count)
    return len(seen)


def test_catalog_reads_do_not_grow_with_tables(backend: str, db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path / "on", db_url)
    without = AlembicProject(tmp_path / "off", db_url, disabled_plugins=("indexes",))
    for count in (2, 8):
        metadata = _many_tables(count)
        project.create(metadata)
        added = _statements(project, metadata) - _statements(without, metadata)
        assert added == EXTRA_QUERIES[backend], (count, added)


class Geometry(sa.types.UserDefinedType[Any]):
    """MariaDB's GEOMETRY column type, enough to carry a SPATIAL index."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "GEOMETRY"


def _shapes(**index_options: Any) -> sa.MetaData:
    metadata = sa.MetaData()
    table = sa.Table(
        "shapes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("shape", Geometry(), nullable=False),
    )
    sa.Index("ix_shapes_shape", table.c.shape, **index_options)
    return metadata


@pytest.mark.backends("mariadb")
def test_plain_to_spatial_mariadb(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_shapes(mysql_length=32), _shapes(mysql_prefix="SPATIAL"))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert "mysql_prefix='SPATIAL'" in upgrade
    assert "create_index(batch_op.f('ix_shapes_shape'), ['shape'], unique=False, mysql_length=" in (
        downgrade
    )


def _child_pointing_at(target: str, fk_name: str) -> sa.MetaData:
    metadata = sa.MetaData()
    for name in ("parent", "other"):
        sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True))
    fk = sa.ForeignKey(f"{target}.id", name=fk_name)
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pid", sa.Integer, fk),
    )
    return metadata


@pytest.mark.backends("mariadb")
def test_replaced_fk_keeps_the_index_the_new_fk_needs(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_child_pointing_at("parent", "fk_child_old"))
    project.stamp_base()
    rev = project.revision(_child_pointing_at("other", "fk_child_new"))
    assert rev is not None
    assert "create_foreign_key(" in rev.text and "drop_index(" not in rev.text
    project.upgrade()  # the new FK reuses MariaDB's index: dropping it would fail here


def _as_mariadb_scheme(url: str) -> str:
    return sa.make_url(url).set(drivername="mariadb+pymysql").render_as_string(False)


@pytest.mark.skipif("mariadb" not in selected_backends(), reason="mariadb not selected")
def test_mariadb_url_scheme(tmp_path: Path) -> None:
    """``mariadb+pymysql://`` gives dialect name "mariadb", whose options are ``mariadb_*``
    (SQLAlchemy ignores ``mysql_*`` index options there, in DDL and so here)."""
    with fresh_database("mariadb", tmp_path) as url:
        project = AlembicProject(tmp_path / "same", _as_mariadb_scheme(url))
        project.create(_everything("mariadb"))
        assert project.diff(_everything("mariadb")) == []
        project.engine.dispose()
    with fresh_database("mariadb", tmp_path) as url:
        before = _metadata(lambda t: sa.Index("ix_t_b", t.c.b, mariadb_length={"b": 9}))
        after = _metadata(lambda t: sa.Index("ix_t_b", t.c.b, mariadb_length={"b": 20}))
        project = AlembicProject(tmp_path / "length", _as_mariadb_scheme(url))
        rev = project.round_trip(before, after)
        project.engine.dispose()
    assert "mariadb_length={'b': 20}" in rev.text and "mariadb_length={'b': 9}" in rev.text
    with fresh_database("mariadb", tmp_path) as url:
        project = AlembicProject(tmp_path / "fk", _as_mariadb_scheme(url))
        rev = project.round_trip(
            _parent_child("fk_child_pid", True), _parent_child("fk_child_pid", False)
        )
        project.engine.dispose()
    assert "drop_index(batch_op.f('fk_child_pid'))" in rev.text


# -- SQLite: a batch table rebuild keeps the indexes it cannot rebuild itself --------------


def _rebuilt(a_type: Any, *indexes: Callable[[sa.Table], Any]) -> sa.MetaData:
    metadata = sa.MetaData()
    table = sa.Table(
        "t",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", a_type),
        sa.Column("b", sa.String(20)),
    )
    sa.Index("ix_t_part", table.c.a, sqlite_where=table.c.a > 5)
    for build in indexes:
        build(table)
    return metadata


def _lower(t: sa.Table) -> sa.Index:
    return sa.Index("ix_t_lower", sa.func.lower(t.c.b))


def _desc(t: sa.Table) -> sa.Index:
    return sa.Index("ix_t_desc", t.c.b.desc(), t.c.a)


@pytest.mark.backends("sqlite")
def test_table_rebuild_keeps_expression_and_desc_indexes(db_url: str, tmp_path: Path) -> None:
    before = _rebuilt(sa.Integer, _lower, _desc)
    after = _rebuilt(sa.String(10), _lower, _desc)
    rev = AlembicProject(tmp_path, db_url).round_trip(before, after)
    upgrade = rev.text.split("def downgrade")[0]
    blocks = upgrade.split("with op.batch_alter_table('t', schema=None) as batch_op:")
    assert len(blocks) == 4, upgrade  # drop the two indexes | alter_column | create them
    assert "drop_index(batch_op.f('ix_t_lower'))" in blocks[1]
    assert "alter_column('a'" in blocks[2] and "index" not in blocks[2]
    assert "[sa.literal_column('b DESC'), 'a']" in blocks[3]


@pytest.mark.backends("sqlite")
def test_expression_index_added_with_a_table_rebuild(db_url: str, tmp_path: Path) -> None:
    rev = AlembicProject(tmp_path, db_url).round_trip(
        _rebuilt(sa.Integer), _rebuilt(sa.String(10), _lower)
    )
    blocks = rev.text.split("def downgrade")[0].split("as batch_op:")
    assert "alter_column('a'" in blocks[1] and "create_index" not in blocks[1]
    assert "create_index('ix_t_lower', [sa.literal_column('lower(b)')]" in blocks[2]


HOSTILE_NAMES = ['we"ird', "it's", "a b", "x[y]", "`tick`", "é", "(p)", "Upper", "on", "desc"]


def _hostile() -> sa.MetaData:
    metadata = sa.MetaData()
    columns = [sa.Column(name, sa.Integer) for name in HOSTILE_NAMES]
    table = sa.Table('ta"b le', metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    for number, name in enumerate(HOSTILE_NAMES):
        sa.Index(f'ix_{number}_"{name}', table.c[name], table.c.id.desc())
    sa.Index("ix_lower", sa.func.lower(sa.cast(table.c["a b"], sa.String)))
    return metadata


@pytest.mark.backends("sqlite", "postgresql")
def test_quoted_names_no_false_positive(db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_hostile())
    assert project.diff(_hostile()) == []


# -- sort order and operator class written inside text(), read without a database ----------

WRITTEN_ORDER = [
    # (element text, dialect, expected (expression, descending, nulls), operator class)
    ("b DESC", "postgresql", ("b", True, "first"), None),
    ("b desc nulls last", "postgresql", ("b", True, "last"), None),
    ("b NULLS FIRST", "postgresql", ("b", False, "first"), None),
    ("doc jsonb_path_ops", "postgresql", ("doc", False, "last"), "jsonb_path_ops"),
    ("lower(c) text_pattern_ops DESC", "postgresql", ("lower ( c )", True, "first"),
     "text_pattern_ops"),
    # a name with a space keeps its quotes in the one reader's canonical spelling
    ('"Mixed Name" DESC', "postgresql", ('"mixed name"', True, "first"), None),
    ('"two words"', "postgresql", ('"two words"', False, "last"), None),
    ("(a IS NULL)", "postgresql", ("a is null", False, "last"), None),
    ("b COLLATE c", "postgresql", ("b collate c", False, "last"), None),
    ("b DESC", "sqlite", ("b", True, None), None),
    ("b varchar_pattern_ops", "sqlite", ("b varchar_pattern_ops", False, None), None),
    ("b DESC", "mysql", ("b", True, None), None),
]


@pytest.mark.parametrize(("text", "dialect_name", "element", "opclass"), WRITTEN_ORDER)
def test_order_written_in_text_is_read_as_the_database_reports_it(
    text: str, dialect_name: str, element: tuple[Any, ...], opclass: str | None
) -> None:
    from sqlalchemy.dialects import registry

    from flask_migrate_plus.comparators.indexes import signature

    dialect = registry.load(dialect_name)()
    metadata = sa.MetaData()
    table = _table(metadata)
    index = sa.Index("ix_t_u", sa.text(text))
    table.append_constraint(index)
    found = signature(index, dialect)
    assert found["elements"] == (element,)
    if dialect_name == "postgresql":
        assert found["ops"] == (opclass,)


# -- no warning about what the plugin compares ----------------------------------------------

#: Per backend: an index Alembic or SQLAlchemy cannot compare (and warns about), and the
#: start of each such warning.
UNCOMPARED_BY_ALEMBIC: dict[str, tuple[Build, tuple[str, ...]]] = {
    "sqlite": (
        lambda t: sa.Index("ix_t_lower_b", sa.func.lower(t.c.b)),
        ("autogenerate skipping metadata-specified expression-based index 'ix_t_lower_b'",
         "Skipped unsupported reflection of expression-based index ix_t_lower_b"),
    ),
    "postgresql": (
        on_table(lambda: sa.Index("ix_t_path", sa.text("doc jsonb_path_ops"),
                                  postgresql_using="gin")),
        ("Expression #1 'doc jsonb_path_ops' in index 'ix_t_path' detected to include an "
         "operator clause",),
    ),
}


def _index_warnings(caught: list[warnings.WarningMessage], backend: str) -> list[str]:
    starts = UNCOMPARED_BY_ALEMBIC[backend][1]
    return sorted({str(w.message) for w in caught if str(w.message).startswith(starts)})


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("plugin", ["on", "off"])
def test_no_warning_about_indexes_the_plugin_compares(
    backend: str, db_url: str, tmp_path: Path, plugin: str
) -> None:
    build, starts = UNCOMPARED_BY_ALEMBIC[backend]
    disabled = ("indexes",) if plugin == "off" else ()
    project = AlembicProject(tmp_path, db_url, disabled_plugins=disabled)
    project.create(_metadata(build))
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert project.diff(_metadata(build)) == []
        assert project.revision(_metadata(build)) is None
        filters_in_test = list(warnings.filters)
    assert filters_in_test[:1] == [("always", None, Warning, None, 0)]  # the run's filter went
    assert list(warnings.filters) == filters_before
    found = _index_warnings(caught, backend)
    if plugin == "on":
        assert found == []
    else:  # Alembic's own say, when our plugin does not compare them
        assert [any(m.startswith(start) for m in found) for start in starts] == [True] * len(
            starts
        ), found


@pytest.mark.backends("sqlite")
def test_warnings_come_back_after_a_failed_run(db_url: str, tmp_path: Path) -> None:
    build, starts = UNCOMPARED_BY_ALEMBIC["sqlite"]

    def include_object(obj: Any, name: Any, kind: str, reflected: bool, other: Any) -> bool:
        raise RuntimeError("the user's filter fails")

    project = AlembicProject(tmp_path, db_url, options={"include_object": include_object})
    project.create(_metadata(build))
    filters_before = list(warnings.filters)
    with pytest.raises(RuntimeError, match="the user's filter fails"):
        project.diff(_metadata(build))
    assert list(warnings.filters) == filters_before
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(starts[1], UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == [starts[1]]
