"""Regression: a signed numeric literal in a CHECK is one value, however it is spelled.

PostgreSQL reflects ``balance >= -100`` as ``(balance >= '-100'::integer)`` and ``+20`` as
``(+ 20)``, MariaDB as ``-100`` and ``20``; each must compare equal to the model that produced
it, in any schema, and a changed value must still be found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from harness import AlembicProject

#: Checks whose text holds a signed literal, written as a user would.
SIGNED_CHECKS = [
    "balance >= -100",
    "balance >= - 100",
    "balance > -1.5 AND balance < +20",
    "balance BETWEEN -100 AND -1",
    "balance IN (-1, -2, 3)",
    "-balance < 100",
    "balance * -2 < 10",
    "(balance) >= (-100)",
    "balance >= -(100)",
    "balance >= '-100'",
    "balance <> -1e3",
    "abs(-5) < balance",
]


def _account(
    check: str, schema: str | None = None, type_: type[sa.types.TypeEngine[int]] = sa.Integer
) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "account", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("balance", type_),
        sa.Column("floor", sa.Integer, sa.CheckConstraint("floor > -5")),  # column-level
        sa.CheckConstraint(check, name="ck_account_balance"),
        schema=schema,
    )
    return metadata


def _create_schema(project: AlembicProject, name: str) -> None:
    with project.engine.begin() as conn:
        conn.execute(sa.schema.CreateSchema(name))


@pytest.mark.parametrize("check", SIGNED_CHECKS)
def test_signed_literal_in_check_is_no_change(tmp_path: Path, db_url: str, check: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_account(check))
    assert project.diff(_account(check)) == []


@pytest.mark.parametrize("type_", [sa.Numeric, sa.Float], ids=["numeric", "float"])
def test_signed_literal_against_other_column_types(
    tmp_path: Path, db_url: str, type_: type[sa.types.TypeEngine[int]]
) -> None:
    # PostgreSQL stacks casts: '-100'::integer::numeric, '-1.5'::numeric::double precision
    project = AlembicProject(tmp_path, db_url)
    metadata = _account("balance >= -100 AND balance <> -1.5", type_=type_)
    project.create(metadata)
    project.stamp_base()
    assert project.revision(metadata) is None


@pytest.mark.backends("postgresql")
@pytest.mark.parametrize("check", SIGNED_CHECKS[:3])
def test_signed_literal_in_check_of_another_schema(
    tmp_path: Path, db_url: str, check: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    _create_schema(project, "Ledger")
    project.create(_account(check, "Ledger"))
    assert project.diff(_account(check, "Ledger")) == []


def test_changed_signed_literal_is_found(tmp_path: Path, db_url: str) -> None:
    # the normaliser must not merge too much: -100 and 100 (or -10) stay different
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_account("balance >= -100"), _account("balance >= -10"))
    upgrade, downgrade = rev.text.split("def downgrade")
    assert "'balance >= -10')" in upgrade and "drop_constraint" in upgrade
    assert "create_check_constraint" in downgrade and "-100" in downgrade
