"""The ``flask_migrate_plus.indexes`` plugin on real databases.

Each change case: database state A (made by SQLAlchemy), models B, autogenerate, check the
ops and the rendered text, upgrade, autogenerate again (empty), downgrade, autogenerate vs A
(empty). Each no-false-positive case: models identical to the database give no script.
"""

from __future__ import annotations

import logging
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
        "with-fillfactor-added",
        PG,
        lambda t: sa.Index("ix_t_a", t.c.a),
        lambda t: sa.Index("ix_t_a", t.c.a, postgresql_with={"fillfactor": 70}),
        ["postgresql_with={'fillfactor': 70}"],
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
            Case(f"where-gt5-to-gt10-{backend}", (backend,), gt5(backend), gt10(backend),
                 [f"{WHERE[backend]}=sa.text('a > 10')"]),
            Case(f"plain-to-partial-{backend}", (backend,), plain(backend), active(backend),
                 [f"{WHERE[backend]}=sa.text(\"status = 'active'\")"]),
            Case(f"partial-to-plain-{backend}", (backend,), active(backend), plain(backend),
                 [WHERE[backend]]),
        ]
    return cases


def _case_params() -> list[Any]:
    """Each case on each selected backend it applies to (no database made for the others)."""
    return [
        pytest.param(case, backend, id=f"{case.id}-{backend}")
        for case in CHANGES + _partial_cases()
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
    if backend == "mariadb":
        sa.Index("ix_t_len", t.c.b, mysql_length=10)
        sa.Index("ix_t_len2", t.c.b, t.c.status, mysql_length={"b": 5})
        sa.Index("ix_t_fulltext", t.c.body, mysql_prefix="FULLTEXT")
    return metadata


def test_identical_models_write_no_script(backend: str, db_url: str, tmp_path: Path) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_everything(backend))
    assert project.diff(_everything(backend)) == []
    assert project.revision(_everything(backend)) is None
