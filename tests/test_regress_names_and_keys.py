"""Names as the server stores them, and keys created and dropped in an order that runs.

Models seen in real applications: long link-table names, ``use_alter`` keys, a unique
constraint on the primary key's columns, foreign keys on a link table's key columns, a key
re-created with more columns, a key column made nullable. Each case is a real round trip
(tests/harness.py); the cases marked "plain Alembic" run again with nothing but the
``autogenerate_plugins`` list a hand-written ``env.py`` would set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from harness import AlembicProject, Revision

LONG_TABLE = "a_rather_long_table_name_for_things"
LONG_COLUMN = "some_quite_long_column_name_here_too"

#: ``ix_<table>_<column>`` (76 characters) as each server stores it: SQLAlchemy cuts it to
#: the dialect's limit with a hash of the whole name; SQLite keeps any length.
LONG_INDEX = {
    "postgresql": "ix_a_rather_long_table_name_for_things_some_quite_long__7e6a",
    "mariadb": "ix_a_rather_long_table_name_for_things_some_quite_long_c_7e6a",
    "sqlite": f"ix_{LONG_TABLE}_{LONG_COLUMN}",
}

#: The key closing the cycle of ``_long_convention_cycle`` as each server stores its name.
LONG_CYCLE_KEY = {
    "postgresql": "fk_a_rather_long_table_name_for_things_one_some_quite_l_a5c6",
    "mariadb": "fk_a_rather_long_table_name_for_things_one_some_quite_lo_a5c6",
}

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: SQLAlchemy warns that ``sorted_tables`` cannot order a cycle; that is the case under test.
CYCLE_WARNING = pytest.mark.filterwarnings("ignore:Cannot correctly sort tables")


@dataclass
class PlainAlembicProject(AlembicProject):
    """A hand-written ``env.py``: our plugins switched on by name, none of our hooks."""

    @property
    def configure_args(self) -> dict[str, Any]:
        return {
            "render_as_batch": self.url.startswith("sqlite"),  # as Alembic's docs advise
            **self.options,
            "autogenerate_plugins": ["alembic.autogenerate.*", "flask_migrate_plus.*"],
        }


def _alter(text: str, column: str) -> int:
    """Where ``text`` alters ``column`` of table ticket, in batch mode or not."""
    spellings = [f"alter_column('{column}'", f"alter_column('ticket', '{column}'"]
    return min(text.index(s) for s in spellings if s in text)


def _split(rev: Revision) -> tuple[str, str]:
    upgrade, downgrade = rev.text.split("def downgrade():")
    return upgrade, downgrade


def _full_cycle(project: AlembicProject, before: sa.MetaData, after: sa.MetaData) -> Revision:
    """round_trip, then upgrade once more: the downgrade left a database the script accepts."""
    rev = project.round_trip(before, after)
    project.upgrade()
    assert project.diff(after) == []
    return rev


def _keep(metadata: sa.MetaData) -> sa.Table:
    """A table both sides have, so that no test ever compares against empty models."""
    return sa.Table("keep", metadata, sa.Column("id", sa.Integer, primary_key=True))


# -- 1. names longer than the server keeps ------------------------------------------------------


def _long_table(*, indexed: bool = True, with_table: bool = True) -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    if with_table:
        sa.Table(
            LONG_TABLE, metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(LONG_COLUMN, sa.Integer, index=indexed),
        )
    return metadata


def test_long_index_name_is_created_once(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_table(with_table=False), _long_table())
    upgrade, downgrade = _split(rev)
    assert upgrade.count("create_index(") == 1
    assert f"create_index(op.f('{LONG_INDEX[backend]}'), '{LONG_TABLE}'" in upgrade
    assert f"# index {LONG_INDEX[backend]} is dropped with table {LONG_TABLE}" in downgrade


def test_long_index_name_added_later(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_table(indexed=False), _long_table())
    upgrade, downgrade = _split(rev)
    assert upgrade.count("create_index(") == 1
    assert f"create_index(batch_op.f('{LONG_INDEX[backend]}')" in upgrade
    assert f"drop_index(batch_op.f('{LONG_INDEX[backend]}'))" in downgrade


def test_long_index_name_dropped_later(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_table(), _long_table(indexed=False))
    upgrade, downgrade = _split(rev)
    assert f"drop_index(batch_op.f('{LONG_INDEX[backend]}'))" in upgrade
    assert f"create_index(batch_op.f('{LONG_INDEX[backend]}')" in downgrade


def _long_convention_cycle(with_tables: bool) -> sa.MetaData:
    # Names from the naming convention, far longer than 64 characters, on a key that closes
    # a cycle (added after both tables, dropped before them), a unique constraint and a key.
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    _keep(metadata)
    if with_tables:
        sa.Table(
            f"{LONG_TABLE}_one", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(f"{LONG_COLUMN}_two_id", sa.Integer,
                      sa.ForeignKey(f"{LONG_TABLE}_two.id")),
            sa.Column(f"{LONG_COLUMN}_code", sa.String(20), unique=True),
        )
        sa.Table(
            f"{LONG_TABLE}_two", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column(f"{LONG_COLUMN}_one_id", sa.Integer,
                      sa.ForeignKey(f"{LONG_TABLE}_one.id")),
        )
    return metadata


@CYCLE_WARNING
def test_long_convention_names_in_a_key_cycle(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_convention_cycle(False), _long_convention_cycle(True))
    upgrade, downgrade = _split(rev)
    # The upgrade adds the key under the name the downgrade drops, as the server has it.
    name = LONG_CYCLE_KEY.get(backend, f"fk_{LONG_TABLE}_one_{LONG_COLUMN}_two_id_{LONG_TABLE}_two")
    assert f"create_foreign_key(batch_op.f('{name}'), '{LONG_TABLE}_two'" in upgrade
    assert f"drop_constraint(batch_op.f('{name}'), type_='foreignkey')" in downgrade
    keys = sa.inspect(project.engine).get_foreign_keys(f"{LONG_TABLE}_one")
    if backend != "sqlite":  # SQLite reports no names of keys
        assert [key["name"] for key in keys] == [name]


@CYCLE_WARNING
def test_long_convention_names_in_a_dropped_key_cycle(
    tmp_path: Path, backend: str, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_convention_cycle(True), _long_convention_cycle(False))
    upgrade, downgrade = _split(rev)
    assert upgrade.index("drop_constraint(") < upgrade.index("drop_table(")
    assert downgrade.index("create_foreign_key(") > downgrade.rindex("create_table(")


def _long_key_table(key: tuple[str, ...]) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention={"pk": "pk_%(table_name)s_%(column_0_N_name)s"})
    sa.Table(
        LONG_TABLE, metadata,
        sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column(LONG_COLUMN, sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )
    return metadata


@pytest.mark.backends("postgresql", "sqlite")
def test_long_primary_key_name_from_a_convention(tmp_path: Path, db_url: str) -> None:
    # MariaDB has no primary key names; PostgreSQL keeps 63 characters of this one.
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _long_key_table(("id",)), _long_key_table(("id", LONG_COLUMN)))
    upgrade, _ = _split(rev)
    created = upgrade.split("create_primary_key(")[1].split(",")[0].strip("'")
    if project.engine.dialect.name == "postgresql":
        assert created == "pk_a_rather_long_table_name_for_things_id_some_quite_lo_fe26"
    else:
        assert created == f"pk_{LONG_TABLE}_id_{LONG_COLUMN}"


# -- 3. use_alter keys ---------------------------------------------------------------------------


def _use_alter(with_tables: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    if with_tables:
        sa.Table(
            "invoice", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("last_payment_id", sa.Integer,
                      sa.ForeignKey("payment.id", use_alter=True, name="fk_invoice_last_payment")),
        )
        sa.Table(
            "payment", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("amount", sa.Integer),
        )
    return metadata


def test_use_alter_key_is_added_after_the_tables(
    tmp_path: Path, backend: str, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _use_alter(False), _use_alter(True))
    upgrade, downgrade = _split(rev)
    if backend == "sqlite":  # no ALTER: CREATE TABLE writes the key inline
        assert "name='fk_invoice_last_payment', use_alter=True)" in upgrade
        return
    add = "create_foreign_key('fk_invoice_last_payment', 'payment', ['last_payment_id'], ['id']"
    assert upgrade.index("create_table('payment'") < upgrade.index(add)
    assert upgrade.index("create_table('invoice'") < upgrade.index(add)
    assert "sa.ForeignKeyConstraint(" not in upgrade
    drop = "drop_constraint('fk_invoice_last_payment', type_='foreignkey')"
    assert downgrade.index(drop) < downgrade.index("drop_table(")


@pytest.mark.backends("postgresql", "mariadb")
def test_use_alter_key_exists_after_the_upgrade(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.round_trip(_use_alter(False), _use_alter(True))
    project.upgrade()
    keys = sa.inspect(project.engine).get_foreign_keys("invoice")
    assert [key["name"] for key in keys] == ["fk_invoice_last_payment"]


# -- 7. a unique constraint on the primary key's columns ----------------------------------------


def _link_with_unique(with_table: bool, unique: bool = True) -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    if with_table:
        sa.Table(
            "membership", metadata,
            sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("user_id", sa.Integer, primary_key=True),
            *([sa.UniqueConstraint("group_id", "user_id", name="uq_membership")] if unique
              else []),
        )
        sa.Table("badge", metadata,
                 sa.Column("id", sa.Integer, primary_key=True, unique=unique))
    return metadata


def test_unique_on_the_key_columns_round_trips(tmp_path: Path, backend: str, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _link_with_unique(False), _link_with_unique(True))
    assert "sa.UniqueConstraint('group_id', 'user_id', name='uq_membership')" in rev.text


@pytest.mark.backends("postgresql")
def test_unique_on_the_key_columns_is_what_create_all_builds(
    tmp_path: Path, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_link_with_unique(True))
    uniques = sa.inspect(project.engine).get_unique_constraints("membership")
    assert uniques == []  # PostgreSQL kept the key alone, under the unique constraint's name
    assert sa.inspect(project.engine).get_pk_constraint("membership")["name"] == "uq_membership"
    assert project.diff(_link_with_unique(True)) == []
    # The same models over a database built without the constraints: nothing to do either.
    other = AlembicProject(tmp_path / "other", db_url)
    _link_with_unique(True).drop_all(other.engine)
    other.create(_link_with_unique(True, unique=False))
    assert other.revision(_link_with_unique(True)) is None


@pytest.mark.backends("postgresql")
def test_unique_in_another_column_order_is_added(tmp_path: Path, db_url: str) -> None:
    def metadata(unique: bool) -> sa.MetaData:
        md = sa.MetaData()
        sa.Table("membership", md,
                 sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
                 sa.Column("user_id", sa.Integer, primary_key=True),
                 *([sa.UniqueConstraint("user_id", "group_id", name="uq_membership")]
                   if unique else []))
        return md

    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, metadata(False), metadata(True))
    assert "create_unique_constraint('uq_membership', ['user_id', 'group_id'])" in rev.text


# -- 10. foreign keys on a link table's key columns (MariaDB makes no index) ---------------------


def _link_keys(with_keys: bool, naming: dict[str, str] | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    sa.Table("team", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("person", metadata, sa.Column("id", sa.Integer, primary_key=True))

    def key(target: str) -> list[sa.ForeignKey]:
        return [sa.ForeignKey(f"{target}.id")] if with_keys else []

    sa.Table(
        "team_person", metadata,
        sa.Column("team_id", sa.Integer, *key("team"), primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, *key("person"), primary_key=True),
    )
    return metadata


@pytest.mark.parametrize("naming", [None, NAMING_CONVENTION], ids=["made-up", "convention"])
def test_keys_on_link_table_key_columns(
    tmp_path: Path, backend: str, db_url: str, naming: dict[str, str] | None
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _link_keys(False, naming), _link_keys(True, naming))
    upgrade, downgrade = _split(rev)
    if backend == "mariadb":
        # The key's first column leads the primary key: the server makes no index for it.
        assert "the server makes index fk_team_person_team_id_team" not in upgrade
        assert "drop_index('fk_team_person_team_id_team')" not in downgrade
        # The second column leads nothing: that index is made, and dropped after its key.
        assert "# the server makes index fk_team_person_person_id_person" in upgrade
        assert downgrade.index("fk_team_person_person_id_person'), type_='foreignkey')"
                               if naming else
                               "'fk_team_person_person_id_person', type_='foreignkey')") \
            < downgrade.index("drop_index('fk_team_person_person_id_person')")


# -- 17. MariaDB: a key re-created under its name with more columns ------------------------------


def _widened_key(wide: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "edition", metadata,
        sa.Column("book_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("number", sa.Integer, primary_key=True),
    )
    columns = ["book_id", "number"] if wide else ["book_id"]
    sa.Table(
        "printing", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("book_id", sa.Integer),
        sa.Column("number", sa.Integer),
        sa.ForeignKeyConstraint(columns, [f"edition.{c}" for c in columns],
                                name="fk_printing_edition"),
    )
    return metadata


@pytest.mark.backends("mariadb")
@pytest.mark.parametrize("project_class", [AlembicProject, PlainAlembicProject],
                         ids=["extension", "plain-alembic"])
def test_widened_key_drops_its_old_index_first(
    tmp_path: Path, db_url: str, project_class: type[AlembicProject]
) -> None:
    project = project_class(tmp_path, db_url)
    rev = _full_cycle(project, _widened_key(False), _widened_key(True))
    upgrade, downgrade = _split(rev)
    drop_key = upgrade.index("drop_constraint(")
    drop_index = upgrade.index("drop_index(")
    add_key = upgrade.index("create_foreign_key(")
    assert drop_key < drop_index < add_key
    assert downgrade.index("create_index(") < downgrade.rindex("create_foreign_key(")


# -- 20. a primary-key column made nullable ------------------------------------------------------


def _keyed(key: tuple[str, ...], nullable: tuple[str, ...]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "ticket", metadata,
        sa.Column("id", sa.Integer, nullable="id" in nullable, autoincrement=False),
        sa.Column("code", sa.String(20), nullable="code" in nullable),
        sa.Column("note", sa.String(20)),
        *([sa.PrimaryKeyConstraint(*key)] if key else []),
    )
    return metadata


PROJECTS = pytest.mark.parametrize(
    "project_class", [AlembicProject, PlainAlembicProject], ids=["extension", "plain-alembic"]
)


@PROJECTS
def test_key_dropped_before_its_column_is_nullable(
    tmp_path: Path, backend: str, db_url: str, project_class: type[AlembicProject]
) -> None:
    project = project_class(tmp_path, db_url)
    rev = _full_cycle(project, _keyed(("id",), ()), _keyed((), ("id", "code")))
    upgrade, downgrade = _split(rev)
    drop_key = "DROP PRIMARY KEY" if backend == "mariadb" else "type_='primary')"
    add_key = "ADD PRIMARY KEY (id)" if backend == "mariadb" else "create_primary_key("
    assert upgrade.index(drop_key) < _alter(upgrade, "id")
    assert _alter(downgrade, "id") < downgrade.index(add_key)


@PROJECTS
def test_key_moved_to_another_column(
    tmp_path: Path, backend: str, db_url: str, project_class: type[AlembicProject]
) -> None:
    # id loses the key and may hold NULL; code takes the key and may not.
    project = project_class(tmp_path, db_url)
    rev = _full_cycle(project, _keyed(("id",), ("code",)), _keyed(("code",), ("id",)))
    upgrade, downgrade = _split(rev)
    key = "PRIMARY KEY (code)" if backend == "mariadb" else "['code']"
    assert _alter(upgrade, "code") < upgrade.index(key) < _alter(upgrade, "id")
    old_key = "PRIMARY KEY (id)" if backend == "mariadb" else "['id']"
    assert _alter(downgrade, "id") < downgrade.index(old_key) < _alter(downgrade, "code")
