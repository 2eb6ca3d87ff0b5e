"""Safe scripts: they run on every backend, lose no data unseen, and say what they drop.

Each behaviour is a real round trip (tests/harness.py): database A, models B, autogenerate,
upgrade, autogenerate is empty, downgrade, autogenerate against A is empty, upgrade again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import produce_migrations
from alembic.runtime.migration import MigrationContext

from flask_migrate_plus.describe import describe_ops

from cli_runner import FlaskApp, assert_one_line_error
from harness import AlembicProject, Revision

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _keep(metadata: sa.MetaData) -> sa.Table:
    """A table both sides have, so that no test ever compares against empty models."""
    return sa.Table("keep", metadata, sa.Column("id", sa.Integer, primary_key=True))


def _full_cycle(project: AlembicProject, before: sa.MetaData, after: sa.MetaData) -> Revision:
    """round_trip, then upgrade once more: the downgrade left a database the script accepts."""
    rev = project.round_trip(before, after)
    project.upgrade()
    assert project.diff(after) == []
    return rev


def _split(rev: Revision) -> tuple[str, str]:
    upgrade, downgrade = rev.text.split("def downgrade")
    return upgrade, downgrade


def _described(project: AlembicProject, metadata: sa.MetaData) -> list[str]:
    """The lines `flask db check` would print for these models."""
    args = project.configure_args
    args.pop("process_revision_directives", None)
    with project.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"target_metadata": metadata, **args}
        )
        script = produce_migrations(context, metadata)
    return describe_ops(script.upgrade_ops.ops)


def _statements(project: AlembicProject, metadata: sa.MetaData) -> int:
    """How many SQL statements one autogenerate comparison sends."""
    count = 0

    def counted(*args: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(project.engine, "before_cursor_execute", counted)
    try:
        project.diff(metadata)
    finally:
        sa.event.remove(project.engine, "before_cursor_execute", counted)
    return count


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "flask_migrate_plus" and r.levelno == logging.WARNING]


#: SQLAlchemy warns that ``sorted_tables`` cannot order a cycle; that is the case under test.
CYCLE_WARNING = pytest.mark.filterwarnings("ignore:Cannot correctly sort tables")


# -- foreign-key cycles ---------------------------------------------------------------------


def _cycle(metadata: sa.MetaData) -> None:
    sa.Table(
        "account", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("favorite_post_id", sa.Integer, sa.ForeignKey("post.id")),
    )
    sa.Table(
        "post", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False),
    )


def _with_cycle(naming: dict[str, str] | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    _keep(metadata)
    _cycle(metadata)
    return metadata


def _without_cycle(naming: dict[str, str] | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    _keep(metadata)
    return metadata


@CYCLE_WARNING
def test_created_cycle_closes_after_both_tables(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _without_cycle(), _with_cycle())
    upgrade, downgrade = _split(rev)
    closing = "create_foreign_key('fk_account_favorite_post_id_post', 'post', " \
              "['favorite_post_id'], ['id'])"
    assert closing in upgrade
    assert upgrade.index("create_table('post'") < upgrade.index(closing)
    assert upgrade.index("create_table('account'") < upgrade.index(closing)
    # The downgrade drops the key by name before either table.
    drop_key = "drop_constraint('fk_account_favorite_post_id_post', type_='foreignkey')"
    assert downgrade.index(drop_key) < downgrade.index("drop_table(")


@CYCLE_WARNING
def test_created_cycle_uses_the_naming_convention(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _without_cycle(NAMING_CONVENTION), _with_cycle(NAMING_CONVENTION))
    assert "create_foreign_key(batch_op.f('fk_account_favorite_post_id_post')" in rev.text \
        or "create_foreign_key('fk_account_favorite_post_id_post'" in rev.text


@CYCLE_WARNING
def test_dropped_cycle_opens_before_the_tables(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _with_cycle(NAMING_CONVENTION), _without_cycle(NAMING_CONVENTION))
    upgrade, downgrade = _split(rev)
    assert upgrade.index("drop_constraint(") < upgrade.index("drop_table(")
    assert downgrade.index("create_foreign_key(") > downgrade.rindex("create_table(")


@CYCLE_WARNING
@pytest.mark.backends("postgresql", "mariadb")
def test_dropped_cycle_with_database_names(tmp_path: Path, db_url: str) -> None:
    # Created without a convention: the database named the keys; those names are dropped.
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _with_cycle(), _without_cycle())
    upgrade, _ = _split(rev)
    assert "drop_constraint(None" not in upgrade
    assert upgrade.index("drop_constraint(") < upgrade.index("drop_table(")


@CYCLE_WARNING
def test_cycle_in_sync_writes_no_script(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_with_cycle())
    assert project.revision(_with_cycle()) is None


# -- tables dropped in key order, indexes with their tables ---------------------------------------


def _family(metadata: sa.MetaData) -> None:
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id"), index=True),
        sa.Column("code", sa.String(20), unique=True),
    )


def _with_family() -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    _family(metadata)
    return metadata


def test_dropped_tables_go_child_first_with_their_indexes(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _with_family(), _without_cycle())
    upgrade, downgrade = _split(rev)
    assert upgrade.index("drop_table('child')") < upgrade.index("drop_table('parent')")
    assert "drop_index(" not in upgrade  # DROP TABLE takes them; MariaDB refuses one by one
    assert "# index ix_child_parent_id is dropped with table child" in upgrade
    assert downgrade.index("create_table('parent'") < downgrade.index("create_table('child'")
    assert "create_index(op.f('ix_child_parent_id'), 'child', ['parent_id']" in downgrade


def test_check_explains_a_dropped_family(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    project.create(_with_family())
    lines = _described(project, _without_cycle())
    assert lines.index("drop table child") < lines.index("drop table parent")
    assert "index ix_child_parent_id is dropped with table child" in lines


def _many_children(count: int, keyed: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    for number in range(count):
        key = [sa.ForeignKey("parent.id")] if keyed else []
        sa.Table(f"child{number}", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("parent_id", sa.Integer, *key))
    return metadata


def test_no_query_added_per_table(tmp_path: Path, db_url: str) -> None:
    # Every child gets a new key (named, and on MariaDB an index check from Alembic's cache).
    for count in (2, 8):
        project = AlembicProject(tmp_path / str(count), db_url)
        plain = AlembicProject(tmp_path / f"plain{count}", db_url, disabled_plugins=("scripts",))
        project.create(_many_children(count, keyed=False))
        after = _many_children(count, keyed=True)
        assert _statements(project, after) == _statements(plain, after)
        _many_children(count, keyed=False).drop_all(project.engine)


@pytest.mark.backends("postgresql")
def test_enum_users_cost_no_query_of_their_own(tmp_path: Path, db_url: str) -> None:
    # The scripts plugin reads who uses an enum type from the enums plugin's catalog read,
    # shared per run: no added query, whatever the number of tables.
    added = []
    for count in (1, 6):
        project = AlembicProject(tmp_path / str(count), db_url)
        plain = AlembicProject(tmp_path / f"plain{count}", db_url, disabled_plugins=("scripts",))
        pets = _pets(*[f"pet{n}" for n in range(count)])
        project.create(pets)
        added.append(_statements(project, _pets()) - _statements(plain, _pets()))
        pets.drop_all(project.engine)
    assert added == [0, 0]


def test_created_tables_downgrade_keeps_indexes_with_the_table(
    tmp_path: Path, db_url: str
) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _without_cycle(), _with_family())
    upgrade, downgrade = _split(rev)
    assert "create_index(op.f('ix_child_parent_id'), 'child', ['parent_id']" in upgrade
    assert "drop_index(" not in downgrade
    assert "# index ix_child_parent_id is dropped with table child" in downgrade
    assert downgrade.index("drop_table('child')") < downgrade.index("drop_table('parent')")


def test_kept_table_lets_go_of_a_dropped_table_first(tmp_path: Path, db_url: str) -> None:
    before = _child_with_key(True)
    after = sa.MetaData()
    _keep(after)
    sa.Table("child", after, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("parent_id", sa.Integer))
    sa.Index("ix_child_parent", after.tables["child"].c.parent_id)
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, before, after)
    upgrade, downgrade = _split(rev)
    assert upgrade.index("drop_constraint(") < upgrade.index("drop_table('parent')")
    assert downgrade.index("create_table('parent'") < downgrade.index("create_foreign_key(")


def _child_with_key(with_key: bool) -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    key = [sa.ForeignKey("parent.id", name="fk_child_parent")] if with_key else []
    child = sa.Table(
        "child", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent_id", sa.Integer, *key),
    )
    if with_key:
        sa.Index("ix_child_parent", child.c.parent_id)
    return metadata


def test_key_is_dropped_before_the_index_backing_it(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _child_with_key(True), _child_with_key(False))
    upgrade, downgrade = _split(rev)
    drop_key = "drop_constraint(batch_op.f('fk_child_parent')"
    assert upgrade.index(drop_key) < upgrade.index("drop_index(")
    assert downgrade.index("create_index(") < downgrade.index("create_foreign_key(")


# -- constraint names --------------------------------------------------------------------------


def _item(unique: bool, key: bool, naming: dict[str, str] | None = None) -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=naming) if naming else sa.MetaData()
    sa.Table("maker", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "item", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(20), unique=unique),
        sa.Column("maker_id", sa.Integer, *([sa.ForeignKey("maker.id")] if key else [])),
    )
    return metadata


def test_new_unnamed_constraints_get_names(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _item(False, False), _item(True, True))
    upgrade, downgrade = _split(rev)
    # The name the server would give it where that is known (what create_all builds),
    # else one of ours, said on the terminal.
    unique, key = {
        "postgresql": ("item_code_key", "item_maker_id_fkey"),
        "mysql": ("code", "fk_item_maker_id_maker"),
    }.get(project.engine.dialect.name, ("uq_item_code", "fk_item_maker_id_maker"))
    assert f"create_unique_constraint('{unique}', ['code'])" in upgrade
    assert f"create_foreign_key('{key}', 'maker', ['maker_id'], ['id'])" in upgrade
    assert f"drop_constraint('{unique}'" in downgrade
    assert "(None" not in rev.text
    made_up = [name for name in (unique, key) if name.startswith(("uq_", "fk_"))]
    for name in made_up:
        assert any("naming_convention" in line and name in line for line in _warnings(caplog))
    if not made_up:
        assert not any("naming_convention" in line for line in _warnings(caplog))
    if project.engine.dialect.name == "mysql":  # the index MariaDB makes goes on downgrade
        assert "# the server makes index fk_item_maker_id_maker for the key below" in upgrade
        assert downgrade.index("drop_constraint('fk_item_maker_id_maker'") < downgrade.index(
            "drop_index('fk_item_maker_id_maker')")
        project.downgrade()
        assert "the server makes index fk_item_maker_id_maker on item for foreign key " \
            "fk_item_maker_id_maker" in _described(project, _item(True, True))


def test_naming_convention_names_win(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    naming = {**NAMING_CONVENTION, "uq": "uniq_%(column_0_name)s"}
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _item(False, False, naming), _item(True, False, naming))
    assert "create_unique_constraint(batch_op.f('uniq_code'), ['code'])" in rev.text
    assert not any("naming_convention" in line for line in _warnings(caplog))


def test_unnamed_database_constraint_is_dropped_by_a_name(tmp_path: Path, db_url: str) -> None:
    # SQLite keeps the key unnamed; the other databases name it themselves.
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _item(False, True), _item(False, False))
    upgrade, _ = _split(rev)
    assert "drop_constraint(None" not in rev.text
    assert "create_foreign_key(None" not in rev.text
    if project.engine.dialect.name == "sqlite":
        assert "naming_convention={'fk': " in upgrade
        assert "drop_constraint('fk_item_maker_id_maker', type_='foreignkey')" in upgrade


# -- NOT NULL columns added to tables with rows ----------------------------------------------------


def _author(extra: list[sa.Column[Any]]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(50)), *extra)
    return metadata


def test_not_null_column_with_scalar_default_fills_existing_rows(
    tmp_path: Path, db_url: str
) -> None:
    before = _author([])
    after = _author([
        sa.Column("points", sa.Integer, nullable=False, default=7),
        sa.Column("rank", sa.String(10), nullable=False, default="it's"),
        sa.Column("active", sa.Boolean, nullable=False, default=True),
    ])
    project = AlembicProject(tmp_path, db_url)
    project.create(before)
    with project.engine.begin() as conn:
        conn.execute(before.tables["author"].insert(), [{"name": "ann"}, {"name": "bob"}])
    project.stamp_base()
    rev = project.revision(after)
    assert rev is not None
    upgrade, _ = _split(rev)
    assert "server_default=sa.text('7')" in upgrade
    assert "server_default=None" in upgrade
    assert upgrade.index("add_column(sa.Column('points'") < upgrade.index("server_default=None")
    project.upgrade()
    with project.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT points, rank, active FROM author ORDER BY id")).all()
    assert [(p, r, bool(a)) for p, r, a in rows] == [(7, "it's", True), (7, "it's", True)]
    assert project.diff(after) == []  # the temporary server default is gone again
    project.downgrade()
    assert project.diff(before) == []
    project.upgrade()
    assert project.diff(after) == []


def _now() -> str:
    return "later"


def test_not_null_column_without_value_warns_and_comments(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    after = _author([sa.Column("slug", sa.String(40), nullable=False, default=_now)])
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _author([]), after)  # the table is empty, so it runs
    upgrade, _ = _split(rev)
    comment = "# NOT NULL column author.slug has no value for existing rows"
    assert comment in upgrade
    assert "# server_default here, or add it nullable, fill it, then make it NOT NULL." \
        in upgrade
    assert upgrade.index(comment) < upgrade.index("add_column(sa.Column('slug'")
    assert "sa.Column('slug', sa.String(length=40), nullable=False)" in upgrade  # no guess
    assert sum("author.slug" in line for line in _warnings(caplog)) == 1


def test_not_null_default_in_sync_writes_no_script(tmp_path: Path, db_url: str) -> None:
    models = _author([sa.Column("points", sa.Integer, nullable=False, default=7)])
    project = AlembicProject(tmp_path, db_url)
    project.create(models)
    assert project.revision(models) is None


# -- PostgreSQL enum types follow their tables --------------------------------------------------


def _pg_types(project: AlembicProject) -> set[str]:
    with project.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
                   .scalars())


def _pets(*tables: str, indexed: bool = False) -> sa.MetaData:
    metadata = sa.MetaData()
    _keep(metadata)
    mood = sa.Enum("calm", "angry", name="mood")
    for name in tables:
        table = sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("mood", mood))
        if indexed:
            sa.Index(f"ix_{name}_mood", table.c.mood)
    return metadata


@pytest.mark.backends("postgresql")
def test_downgrade_of_created_table_drops_its_enum(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _pets(), _pets("cat", "dog"))
    upgrade, downgrade = _split(rev)
    assert "# enum type mood is created by create_table below" in upgrade
    drop = "sa.Enum(name='mood').drop(op.get_bind(), checkfirst=True)"
    assert downgrade.count(drop) == 1
    assert downgrade.index(drop) > downgrade.rindex("drop_table(")
    project.downgrade()
    assert "mood" not in _pg_types(project)


@pytest.mark.backends("postgresql")
def test_dropped_table_drops_its_unused_enum(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _pets("cat"), _pets())
    upgrade, downgrade = _split(rev)
    assert upgrade.index("drop_table('cat')") < upgrade.index(
        "sa.Enum(name='mood').drop(op.get_bind(), checkfirst=True)")
    create = "sa.Enum('calm', 'angry', name='mood').create(op.get_bind(), checkfirst=True)"
    assert downgrade.index(create) < downgrade.index("create_table('cat'")
    assert "mood" not in _pg_types(project)
    lines = _described(project, _pets("cat"))  # the table is gone: the models would add it
    assert "create enum type mood ('calm', 'angry')" in lines


@pytest.mark.backends("postgresql")
def test_dropped_table_with_an_index_on_its_enum_drops_the_enum(
    tmp_path: Path, db_url: str
) -> None:
    # The index's own catalog entry has the enum type too; it goes with the table.
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _pets("cat", indexed=True), _pets())
    assert "sa.Enum(name='mood').drop(op.get_bind(), checkfirst=True)" in rev.text
    assert "mood" not in _pg_types(project)


@pytest.mark.backends("postgresql")
def test_enum_still_used_elsewhere_is_kept(tmp_path: Path, db_url: str) -> None:
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, _pets("cat", "dog"), _pets("dog"))
    assert ".drop(op.get_bind()" not in rev.text
    assert "mood" in _pg_types(project)


# -- drops are said out loud ------------------------------------------------------------------


def test_every_drop_has_a_comment_and_a_warning(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = _author([sa.Column("bio", sa.Text)])
    sa.Table("legacy", before, sa.Column("id", sa.Integer, primary_key=True))
    project = AlembicProject(tmp_path, db_url)
    rev = _full_cycle(project, before, _author([]))
    upgrade, downgrade = _split(rev)
    lines = upgrade.splitlines()
    table_at = next(i for i, line in enumerate(lines) if "drop_table('legacy')" in line)
    column_at = next(i for i, line in enumerate(lines) if "drop_column('bio')" in line)
    assert lines[table_at - 1].strip() == "# drops table legacy and every row in it"
    assert lines[column_at - 1].strip() == "# drops column author.bio and its data"
    assert "# drops" not in downgrade
    warnings = _warnings(caplog)
    assert sum("legacy" in line for line in warnings) == 1
    assert sum("author.bio" in line for line in warnings) == 1


def test_nothing_dropped_nothing_said(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    project = AlembicProject(tmp_path, db_url)
    _full_cycle(project, _author([]), _author([sa.Column("bio", sa.Text)]))
    assert not [line for line in _warnings(caplog) if "drops" in line]


# -- tables the application does not own ---------------------------------------------------------


def _with_foreign_tables() -> sa.MetaData:
    metadata = _author([])
    sa.Table("spatial_ref_sys", metadata, sa.Column("srid", sa.Integer, primary_key=True))
    sa.Table("legacy_orders", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("audit_log", metadata, sa.Column("id", sa.Integer, primary_key=True))
    return metadata


def test_ignored_tables_are_never_compared_or_dropped(tmp_path: Path, db_url: str) -> None:
    skipped: list[str] = []

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        if type_ == "table" and name == "audit_log":
            skipped.append(name)
            return False
        return True

    project = AlembicProject(
        tmp_path, db_url, options={"include_object": include_object},
        plugin_options={"ignore_tables": ["spatial_ref_sys", "legacy_*"]},
    )
    project.create(_with_foreign_tables())
    assert project.revision(_author([])) is None  # nothing of ours differs
    assert skipped  # the user's filter was asked too
    # A real change still comes through, and drops none of the foreign tables.
    rev = project.revision(_author([sa.Column("bio", sa.Text)]))
    assert rev is not None
    assert "drop_table" not in rev.text
    project.upgrade()
    assert set(sa.inspect(project.engine).get_table_names()) >= {
        "spatial_ref_sys", "legacy_orders", "audit_log"}


def test_include_name_and_ignore_tables_both_apply(tmp_path: Path, db_url: str) -> None:
    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        return not (type_ == "table" and name == "audit_log")

    project = AlembicProject(
        tmp_path, db_url, options={"include_name": include_name},
        plugin_options={"ignore_tables": ["legacy_*"]},
    )
    project.create(_with_foreign_tables())
    diffs = project.diff(_author([]))
    dropped = {d[1].name for d in diffs if d[0] == "remove_table"}
    assert dropped == {"spatial_ref_sys"}  # not ignored here, and not excluded by the user


# -- the command line: refusal, console warnings, `check` in words -------------------------------

SAFE_APP = Path(__file__).parent / "fixtures" / "safeapp" / "app.py"


def _cli(tmp_path: Path, db_url: str, **kwargs: Any) -> FlaskApp:
    """The fixture app with a migrations folder, its database holding the first models."""
    metadata = sa.MetaData()
    sa.Table("author", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("name", sa.String(100), nullable=False))
    sa.Table("draft", metadata, sa.Column("id", sa.Integer, primary_key=True))
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO author (name) VALUES ('ann')"))
    engine.dispose()
    app = FlaskApp(tmp_path, db_url, app=SAFE_APP, **kwargs)
    app.ok("init")
    return app


@pytest.mark.backends("sqlite", "postgresql")
def test_cli_refuses_without_models_says_what_it_drops_and_explains(
    tmp_path: Path, db_url: str
) -> None:
    app = _cli(tmp_path, db_url, models=0)
    message = assert_one_line_error(app.db("migrate", "-m", "oops"), "no models found",
                                    "imported")
    assert "author" in message
    assert app.scripts() == [], "no script may be written"

    app.models = 2
    message = assert_one_line_error(app.db("check"), "drop table draft",
                                    "add column author.points")
    assert "existing rows of author.points get 7" in message
    made = app.ok("migrate", "-m", "second")
    assert "[flask_migrate_plus] The script drops table draft and every row in it" in made.stderr
    (script,) = app.scripts()
    assert "# drops table draft and every row in it" in script.read_text()
    app.ok("upgrade")  # author has a row: it gets the model's default
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT points FROM author")).scalar() == 7
    engine.dispose()
    app.ok("check")


@pytest.mark.backends("sqlite", "mariadb")
def test_cli_leaves_tables_it_does_not_own(tmp_path: Path, db_url: str) -> None:
    app = _cli(tmp_path, db_url, config={"MIGRATE_PLUS_IGNORE_TABLES": ["legacy_*"]},
               env={"SKIP_TABLES": "audit_log"})
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        for name in ("legacy_orders", "audit_log"):
            conn.execute(sa.text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    app.ok("check")
    assert "No changes in schema detected." in app.ok("migrate", "-m", "none").stderr
    assert app.scripts() == []
    # Without the setting the legacy table is the application's again, and would be dropped.
    app.config = {}
    message = assert_one_line_error(app.db("check"), "drop table legacy_orders")
    assert "audit_log" not in message  # the user's include_object still applies
