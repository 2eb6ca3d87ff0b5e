"""``flask_migrate_plus.primary_keys``: primary-key changes on every backend, real servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harness import AlembicProject

#: What each backend's script says for "key (id) -> key (id, k)" on a table created unnamed.
REPLACE_ID_BY_ID_K = {
    "postgresql": [
        "batch_op.drop_constraint('t_pkey', type_='primary')",
        "batch_op.create_primary_key('t_pkey', ['id', 'k'])",
    ],
    "mariadb": ["op.execute('ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, k)')"],
    "sqlite": [
        "batch_op.create_primary_key('t_pkey', ['id'])",
        "batch_op.drop_constraint('t_pkey', type_='primary')",
        "batch_op.create_primary_key('t_pkey', ['id', 'k'])",
    ],
}


def _table(key: tuple[str, ...], *, with_k: bool = True, **metadata_kw: Any) -> sa.MetaData:
    metadata = sa.MetaData(**metadata_kw)
    columns = [sa.Column("id", sa.Integer, nullable=False, autoincrement=False)]
    if with_k:
        columns.append(sa.Column("k", sa.Integer, nullable=False))
    columns.append(sa.Column("name", sa.String(20)))
    sa.Table("t", metadata, *columns, *([sa.PrimaryKeyConstraint(*key)] if key else []))
    return metadata


def _blocks(text: str) -> tuple[str, str]:
    upgrade, downgrade = text.split("def downgrade():")
    return upgrade, downgrade


def _in_order(text: str, lines: list[str]) -> bool:
    positions = [text.find(line) for line in lines]
    return -1 not in positions and positions == sorted(positions)


@pytest.mark.parametrize("key", [("id",), ("id", "k"), ()], ids=["single", "composite", "none"])
def test_identical_keys_write_no_script(
    tmp_path: Path, db_url: str, key: tuple[str, ...]
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_table(key))
    assert project.diff(_table(key)) == []
    assert project.revision(_table(key)) is None


def test_key_gains_a_column(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(("id",)), _table(("id", "k")))
    upgrade, downgrade = _blocks(rev.text)
    assert _in_order(upgrade, REPLACE_ID_BY_ID_K[backend])
    if backend == "mariadb":
        assert "DROP PRIMARY KEY, ADD PRIMARY KEY (id)'" in downgrade
    else:
        assert "create_primary_key('t_pkey', ['id'])" in downgrade


def test_autoincrement_key_gains_a_column(tmp_path: Path, db_url: str) -> None:
    # MariaDB refuses to drop the key of an AUTO_INCREMENT column in a statement of its own.
    def metadata(key: tuple[str, ...]) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("t", md, sa.Column("id", sa.Integer, autoincrement=True),
                 sa.Column("k", sa.Integer, nullable=False), sa.PrimaryKeyConstraint(*key))
        return md

    project = AlembicProject(tmp_path, db_url)
    project.round_trip(metadata(("id",)), metadata(("id", "k")))


def test_key_added_and_removed(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(()), _table(("id",)))
    upgrade, downgrade = _blocks(rev.text)
    if backend == "mariadb":
        assert "op.execute('ALTER TABLE t ADD PRIMARY KEY (id)')" in upgrade
        assert "op.execute('ALTER TABLE t DROP PRIMARY KEY')" in downgrade
    else:
        assert "batch_op.create_primary_key('t_pkey', ['id'])" in upgrade
        assert "batch_op.drop_constraint('t_pkey', type_='primary')" in downgrade


def test_key_removed(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(("id", "k")), _table(()))
    upgrade, _ = _blocks(rev.text)
    assert "DROP PRIMARY KEY" in upgrade or "drop_constraint('t_pkey', type_='primary')" in upgrade


def test_key_on_a_column_added_in_the_same_run(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(("id",), with_k=False), _table(("id", "k")))
    upgrade, _ = _blocks(rev.text)
    # The new column exists before the key that uses it is created.
    new_key = "PRIMARY KEY (id, k)" if backend == "mariadb" else "['id', 'k']"
    assert upgrade.index("add_column(sa.Column('k'") < upgrade.index(new_key)


@pytest.mark.backends("postgresql", "sqlite")
def test_naming_convention_names_the_new_key(tmp_path: Path, db_url: str) -> None:
    convention = {"naming_convention": {"pk": "pk_%(table_name)s"}}
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(("id",), **convention), _table(("id", "k"), **convention))
    assert "create_primary_key('pk_t', ['id', 'k'])" in rev.text


def test_include_object_can_exclude_keys(tmp_path: Path, db_url: str) -> None:
    def include_object(obj: Any, name: str, type_: str, reflected: bool, compare_to: Any) -> bool:
        return type_ != "primary_key_constraint"

    project = AlembicProject(tmp_path, db_url, options={"include_object": include_object})
    project.create(_table(("id",)))
    assert project.diff(_table(("id", "k"))) == []


def test_key_loses_a_column_that_is_dropped(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(_table(("id", "k")), _table(("id",), with_k=False))
    upgrade, downgrade = _blocks(rev.text)
    # Upgrade: the key changes before its column goes; downgrade: the column is back first.
    old_key = "PRIMARY KEY (id, k)" if backend == "mariadb" else "['id', 'k']"
    new_key = "PRIMARY KEY (id)" if backend == "mariadb" else "['id']"
    assert upgrade.rindex(new_key) < upgrade.index("drop_column('k')")
    assert downgrade.index("add_column(sa.Column('k'") < downgrade.rindex(old_key)


@pytest.mark.backends("postgresql", "mariadb")
def test_key_change_without_batch_mode(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url, options={"render_as_batch": False})
    rev = project.round_trip(_table(("id",)), _table(("id", "k")))
    if backend == "postgresql":
        assert "op.drop_constraint('t_pkey', 't', type_='primary')" in rev.text
        assert "op.create_primary_key('t_pkey', 't', ['id', 'k'])" in rev.text
    else:
        assert "DROP PRIMARY KEY, ADD PRIMARY KEY (id, k)" in rev.text


@pytest.mark.backends("mariadb")
def test_key_change_with_the_mariadb_url_scheme(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url.replace("mysql+pymysql", "mariadb+pymysql"))
    rev = project.round_trip(_table(("id",)), _table(("id", "k")))
    assert "op.execute('ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, k)')" in rev.text


@pytest.mark.backends("postgresql")
def test_key_change_in_another_schema(tmp_path: Path, db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA other"))
    engine.dispose()

    def metadata(key: tuple[str, ...]) -> sa.MetaData:
        md = sa.MetaData(schema="other")
        sa.Table("t", md, sa.Column("id", sa.Integer, autoincrement=False),
                 sa.Column("k", sa.Integer, nullable=False), sa.PrimaryKeyConstraint(*key))
        return md

    project = AlembicProject(tmp_path, db_url, options={"include_schemas": True})
    rev = project.round_trip(metadata(("id",)), metadata(("k", "id")))
    assert "with op.batch_alter_table('t', schema='other')" in rev.text
    assert "batch_op.create_primary_key('t_pkey', ['k', 'id'])" in rev.text


def test_hostile_names_are_quoted(tmp_path: Path, db_url: str) -> None:
    # No '"' in the table name: SQLAlchemy's SQLite reflection doubles it in constraint names.
    def metadata(key: tuple[str, ...]) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("t'q`x", md, sa.Column("i'd", sa.Integer, autoincrement=False),
                 sa.Column("k\"k", sa.Integer, nullable=False), sa.PrimaryKeyConstraint(*key))
        return md

    project = AlembicProject(tmp_path, db_url)
    rev = project.round_trip(metadata(("i'd",)), metadata(("i'd", "k\"k")))
    compile(rev.text, "script", "exec")
