"""Regression: SQL texts the earlier reader got wrong, on real databases.

It dropped characters it did not know (``größe > 0`` and ``grüße > 0`` read alike on SQLite,
``arr @> ARRAY[1]`` and ``arr > ARRAY[1]`` everywhere), split ``.5`` into ``. 5``, and
rewrote ``BETWEEN``, ``IS NOT DISTINCT FROM``, ``IN (v)`` and MariaDB's pushed-in ``NOT``
for one-token operands only: a change went unseen, or an unchanged CHECK, generated column
or partial index was proposed again on every run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from harness import AlembicProject

#: Unchanged CHECKs that must give no operation, by the backends that accept them.
UNCHANGED = {
    "all": [
        "x BETWEEN a + 1 AND 5",
        "x NOT BETWEEN a + 1 AND 5",
        "coalesce(a, 0) + 1 BETWEEN -5 AND abs(b)",
        "größe > 0",
        "x > .5 AND x < 5.",
        "x IN (a + 1) OR x NOT IN (b - 1)",
        "NOT (a + 1 = 3)",
    ],
    "sqlite": [
        "lower(s) IS NOT DISTINCT FROM t",
        "s IS NOT DISTINCT FROM t",
    ],
    "postgresql": [
        "lower(s) IS NOT DISTINCT FROM t",
        "s IS NOT DISTINCT FROM t",
        "a + 1 IS NOT DISTINCT FROM b * 2",
        "NOT (s IS DISTINCT FROM t) AND a > 0",
        "arr @> ARRAY[1] AND arr <@ ARRAY[1, 2]",
        "a # b > 0 AND @ a > 1",
        "x BETWEEN SYMMETRIC 1 AND 5",
    ],
    "mariadb": [
        "mod(a, 2) = 0",
        "NOT (s LIKE 'x%') AND NOT (s IS NULL)",
        "NOT (a = 3) OR NOT (b + 1 < 2)",
        "NOT (a <=> b)",
        "a > 0 || b > 0",
    ],
}

#: CHECK changes the earlier reader did not see: on every backend, and on PostgreSQL.
CHANGED = [("größe > 0", "grüße > 0")]
CHANGED_POSTGRESQL = [("arr @> ARRAY[1]", "arr > ARRAY[1]"), ("@ a > 1", "a > 1")]


def _metadata(backend: str, *extra: sa.Column[object] | sa.Constraint | sa.Index) -> sa.MetaData:
    metadata = sa.MetaData()
    columns: list[sa.Column[object]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        *[sa.Column(name, sa.Integer) for name in ("a", "b", "x", "größe", "grüße")],
        sa.Column("s", sa.String(20)),
        sa.Column("t", sa.String(20)),
    ]
    if backend == "postgresql":
        columns.append(sa.Column("arr", postgresql.ARRAY(sa.Integer)))
    sa.Table("item", metadata, *columns, *extra)
    return metadata


def _checks(backend: str) -> list[sa.CheckConstraint]:
    texts = UNCHANGED["all"] + UNCHANGED[backend]
    return [
        *[sa.CheckConstraint(text, name=f"ck_item_{n}") for n, text in enumerate(texts)],
        *[sa.CheckConstraint(text) for text in texts],  # unnamed: matched by text alone
    ]


def test_unchanged_checks_give_no_op(tmp_path: Path, db_url: str, backend: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    metadata = _metadata(backend, *_checks(backend))
    project.create(metadata)
    assert project.diff(metadata) == []
    assert project.revision(metadata) is None


def test_added_checks_give_no_op_on_the_second_run(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    # added by our script, then read back from the server as it stores them
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(backend), _metadata(backend, *_checks(backend)))
    upgrade = rev.text.split("def downgrade")[0]
    assert upgrade.count("create_check_constraint") == len(_checks(backend))


def _check_change_is_found(project: AlembicProject, backend: str, before: str,
                           after: str) -> None:
    rev = project.round_trip(
        _metadata(backend, sa.CheckConstraint(before, name="ck_item_c")),
        _metadata(backend, sa.CheckConstraint(after, name="ck_item_c")),
    )
    upgrade, downgrade = rev.text.split("def downgrade")
    assert "drop_constraint" in upgrade and repr(after) in upgrade
    assert "create_check_constraint" in downgrade  # the server's text of ``before``


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_changed_check_is_found(
    tmp_path: Path, db_url: str, backend: str, before: str, after: str
) -> None:
    _check_change_is_found(AlembicProject(tmp_path, db_url), backend, before, after)


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize(("before", "after"), CHANGED_POSTGRESQL)
def test_changed_postgresql_check_is_found(
    tmp_path: Path, db_url: str, backend: str, before: str, after: str
) -> None:
    _check_change_is_found(AlembicProject(tmp_path, db_url), backend, before, after)


def _generated() -> list[sa.Column[object]]:
    return [
        sa.Column("neg", sa.Integer, sa.Computed("größe * -1", persisted=True)),
        sa.Column("half", sa.Float, sa.Computed("a / 2.5", persisted=True)),
        sa.Column("inside", sa.Boolean, sa.Computed("x BETWEEN a + 1 AND 5", persisted=True)),
    ]


def test_unchanged_generated_columns_give_no_op(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    metadata = _metadata(backend, *_generated())
    project.create(metadata)
    assert project.diff(metadata) == []


def _partial_indexes(backend: str) -> list[sa.Index]:
    predicates = ["x BETWEEN a + 1 AND 5", "lower(s) IS NOT DISTINCT FROM t",
                  "größe > 0 AND x > .5"]
    return [sa.Index(f"ix_item_{n}", "id", **{f"{backend}_where": sa.text(text)})
            for n, text in enumerate(predicates)]


@pytest.mark.backends("sqlite", "postgresql")
def test_unchanged_partial_indexes_give_no_op(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    metadata = _metadata(backend, *_partial_indexes(backend))
    project.create(metadata)
    assert project.diff(metadata) == []


@pytest.mark.backends("sqlite", "postgresql")
def test_changed_partial_index_predicate_is_found(
    tmp_path: Path, db_url: str, backend: str
) -> None:
    def index(predicate: str) -> sa.Index:
        return sa.Index("ix_item_p", "id", **{f"{backend}_where": sa.text(predicate)})

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_metadata(backend, index("größe > 0")),
                             _metadata(backend, index("grüße > 0")))
    assert "grüße > 0" in rev.text.split("def downgrade")[0]
