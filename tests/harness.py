"""A real Alembic project in a temporary folder, driven the way users drive one.

Comparator and renderer tests follow one shape (see STYLE.md):

    project = AlembicProject(tmp_path, db_url)
    project.create(metadata_a)              # database state A, made by SQLAlchemy itself
    script = project.revision(metadata_b)   # autogenerate a real script file
    assert "op.create_check_constraint" in script.text
    project.upgrade()                       # run it on the real database
    assert project.diff(metadata_b) == []   # autogenerate again: nothing
    project.downgrade()
    assert project.diff(metadata_a) == []

Nothing is mocked: the script is written by ``alembic.command.revision`` with our plugins
and hooks wired in as a user's ``env.py`` would, then imported and run by Alembic.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from flask_migrate_plus.wiring import alembic_configure_args

ENV_PY = '''
from alembic import context
import harness

state = harness.ACTIVE
if context.is_offline_mode():
    context.configure(url=state.url, target_metadata=state.metadata, literal_binds=True,
                      **state.configure_args)
    with context.begin_transaction():
        context.run_migrations()
else:
    with state.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=state.metadata,
                          **state.configure_args)
        with context.begin_transaction():
            context.run_migrations()
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

#: What autogenerate runs with, unless a test says otherwise: Flask-Migrate's defaults
#: (compare_type, render_as_batch) plus server-default comparison, which we turn on.
DEFAULT_OPTIONS: dict[str, Any] = {
    "compare_type": True,
    "compare_server_default": True,
    "render_as_batch": True,
}

ACTIVE: AlembicProject | None = None


@dataclass
class Revision:
    rev_id: str
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text()


@dataclass
class AlembicProject:
    root: Path
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    disabled_plugins: tuple[str, ...] = ()
    plugin_options: dict[str, Any] = field(default_factory=dict)
    metadata: sa.MetaData | None = None

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.directory = self.root / "migrations"
        (self.directory / "versions").mkdir(parents=True, exist_ok=True)
        (self.directory / "env.py").write_text(ENV_PY)
        (self.directory / "script.py.mako").write_text(SCRIPT_MAKO)
        self.engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)

    # -- configuration -------------------------------------------------------------------
    @property
    def configure_args(self) -> dict[str, Any]:
        user = {**DEFAULT_OPTIONS, **self.options}
        return alembic_configure_args(
            user, disabled_plugins=self.disabled_plugins, options=self.plugin_options
        )

    def config(self, autogenerate: bool = False) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.directory))
        cfg.cmd_opts = argparse.Namespace(autogenerate=autogenerate, x=[])
        return cfg

    @contextmanager
    def active(self, metadata: sa.MetaData | None) -> Iterator[None]:
        global ACTIVE
        previous, ACTIVE = ACTIVE, self
        self.metadata = metadata
        try:
            yield
        finally:
            ACTIVE = previous

    # -- the operations a test performs ---------------------------------------------------
    def create(self, metadata: sa.MetaData) -> None:
        """Build database state A with SQLAlchemy's own DDL."""
        metadata.create_all(self.engine)

    def revision(self, metadata: sa.MetaData, message: str = "auto") -> Revision | None:
        """Autogenerate a script against ``metadata``; None when nothing was found."""
        with self.active(metadata):
            script = command.revision(self.config(autogenerate=True), message, autogenerate=True)
        if isinstance(script, list):
            assert len(script) <= 1, "one revision expected"
            script = script[0] if script else None
        if script is None:
            return None
        return Revision(script.revision, Path(script.path))

    def upgrade(self, revision: str = "head", sql: bool = False) -> None:
        with self.active(self.metadata):
            command.upgrade(self.config(), revision, sql=sql)

    def downgrade(self, revision: str = "-1") -> None:
        with self.active(self.metadata):
            command.downgrade(self.config(), revision)

    def diff(self, metadata: sa.MetaData) -> list[Any]:
        """What autogenerate would find now (Alembic's diff tuples), with our plugins on."""
        args = self.configure_args
        args.pop("process_revision_directives", None)
        with self.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"target_metadata": metadata, **args}
            )
            return compare_metadata(context, metadata)

    def round_trip(self, metadata_a: sa.MetaData, metadata_b: sa.MetaData) -> Revision:
        """The standard case: A in the database, B in the models; the script must run both ways."""
        self.create(metadata_a)
        self.stamp_base()
        rev = self.revision(metadata_b)
        assert rev is not None, "autogenerate found no change"
        compile(rev.text, str(rev.path), "exec")
        self.upgrade()
        assert self.diff(metadata_b) == [], "second autogenerate after upgrade is not empty"
        self.downgrade()
        assert self.diff(metadata_a) == [], "autogenerate after downgrade does not match A"
        return rev

    def stamp_base(self) -> None:
        with self.active(self.metadata):
            command.stamp(self.config(), "base")
