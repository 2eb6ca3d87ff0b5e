"""Before/after: what plain Alembic writes for a schema change, and what we write.

Each case builds database state A with SQLAlchemy, then autogenerates the upgrade for models B
twice: with Alembic's built-in comparators only (Flask-Migrate's defaults), and with every
flask-migrate-plus plugin. The rendered upgrade bodies are printed as markdown, so the README's
examples come from real runs, not from memory.

    python benchmarks/before_after.py > docs/before-after.md

Server URLs come from FMP_TEST_POSTGRESQL_URL / FMP_TEST_MARIADB_URL.
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.runtime.migration import MigrationContext
from autogenerate import database  # the same throwaway databases as the benchmark
from sqlalchemy.dialects import mysql, postgresql

from flask_migrate_plus.wiring import alembic_configure_args

Models = Callable[[sa.MetaData], None]


@dataclass
class Case:
    title: str
    backend: str
    before: Models
    after: Models


def _t(*columns: Any, name: str = "item", **kw: Any) -> Models:
    def build(metadata: sa.MetaData) -> None:
        sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True),
                 *columns, **kw)  # each case builds its models once: no copies needed
    return build


def _status(values: tuple[str, ...]) -> Models:
    def build(metadata: sa.MetaData) -> None:
        sa.Table("item", metadata, sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("status", sa.Enum(*values, name="status"), nullable=False))
    return build


def _cycle(metadata: sa.MetaData) -> None:
    sa.Table("team", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("captain_id", sa.ForeignKey("player.id")))
    sa.Table("player", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("team_id", sa.ForeignKey("team.id")))


def _nothing(metadata: sa.MetaData) -> None:
    return None


CASES = [
    Case("MariaDB: Boolean and DateTime server defaults on identical models", "mariadb",
         _t(sa.Column("active", sa.Boolean, server_default=sa.false()),
            sa.Column("created", sa.DateTime, server_default=sa.func.now())),
         _t(sa.Column("active", sa.Boolean, server_default=sa.false()),
            sa.Column("created", sa.DateTime, server_default=sa.func.now()))),
    Case("PostgreSQL: a server default with a quote (plain Alembic crashes)", "postgresql",
         _t(sa.Column("note", sa.String(20), server_default="it's")),
         _t(sa.Column("note", sa.String(20), server_default="it's"))),
    Case("MariaDB: Float(53) and LargeBinary(100) on identical models", "mariadb",
         _t(sa.Column("ratio", sa.Float(53)), sa.Column("blob", sa.LargeBinary(100))),
         _t(sa.Column("ratio", sa.Float(53)), sa.Column("blob", sa.LargeBinary(100)))),
    Case("A CHECK constraint added", "postgresql",
         _t(sa.Column("qty", sa.Integer)),
         _t(sa.Column("qty", sa.Integer), sa.CheckConstraint("qty >= 0", name="ck_item_qty"))),
    Case("A CHECK constraint changed", "mariadb",
         _t(sa.Column("qty", sa.Integer), sa.CheckConstraint("qty >= 0", name="ck_item_qty")),
         _t(sa.Column("qty", sa.Integer), sa.CheckConstraint("qty > 0", name="ck_item_qty"))),
    Case("A partial index predicate changed", "postgresql",
         _t(sa.Column("state", sa.String(10)),
            sa.Index("ix_item_state", "state", postgresql_where=sa.text("state = 'open'"))),
         _t(sa.Column("state", sa.String(10)),
            sa.Index("ix_item_state", "state", postgresql_where=sa.text("state = 'new'")))),
    Case("An expression index on SQLite", "sqlite",
         _t(sa.Column("email", sa.String(100))),
         _t(sa.Column("email", sa.String(100)),
            sa.Index("ix_item_email_lower", sa.func.lower(sa.column("email"))))),
    Case("A PostgreSQL index method changed to GIN", "postgresql",
         _t(sa.Column("tags", postgresql.ARRAY(sa.String)), sa.Index("ix_item_tags", "tags")),
         _t(sa.Column("tags", postgresql.ARRAY(sa.String)),
            sa.Index("ix_item_tags", "tags", postgresql_using="gin"))),
    Case("A value added to a PostgreSQL enum", "postgresql",
         _status(("new", "done")), _status(("new", "doing", "done"))),
    Case("MariaDB: INTEGER to INTEGER UNSIGNED, DATETIME to DATETIME(6)", "mariadb",
         _t(sa.Column("n", sa.Integer), sa.Column("at", sa.DateTime)),
         _t(sa.Column("n", mysql.INTEGER(unsigned=True)),
            sa.Column("at", mysql.DATETIME(fsp=6)))),
    Case("PostgreSQL: Boolean to Integer needs a cast", "postgresql",
         _t(sa.Column("flag", sa.Boolean)), _t(sa.Column("flag", sa.Integer))),
    Case("A foreign-key cycle", "postgresql", _nothing, _cycle),
    Case("A NOT NULL column with a Python default added to a table with rows", "postgresql",
         _t(sa.Column("name", sa.String(20))),
         _t(sa.Column("name", sa.String(20)),
            sa.Column("score", sa.Integer, nullable=False, default=0))),
]


def upgrade_text(url: str, metadata: sa.MetaData, opts: dict[str, Any]) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"target_metadata": metadata, **opts}
            )
            script = produce_migrations(context, metadata)
            assert script.upgrade_ops is not None  # one database: one list of ops
            return render_python_code(
                script.upgrade_ops, migration_context=context,
                render_as_batch=opts.get("render_as_batch", False),
                render_item=opts.get("render_item"),
            )
    except Exception as exc:  # plain Alembic crashing is one of the things we show
        first = str(exc).strip().splitlines()[0]
        return f"# autogenerate failed: {type(exc).__name__}: {first}"
    finally:
        engine.dispose()


def main() -> None:
    plain = {"compare_type": True, "render_as_batch": True, "compare_server_default": True,
             "autogenerate_plugins": ["alembic.autogenerate.*"]}
    ours = alembic_configure_args({"compare_type": True, "render_as_batch": True,
                                   "compare_server_default": True})
    ours.pop("process_revision_directives", None)
    out = ["# Before and after", "",
           "Generated by `python benchmarks/before_after.py` on real databases: the upgrade",
           "that plain Alembic (server defaults compared) writes, then ours.", ""]
    with tempfile.TemporaryDirectory() as tmp_name:
        for case in CASES:
            before, after = sa.MetaData(), sa.MetaData()
            case.before(before)
            case.after(after)
            with database(case.backend, Path(tmp_name)) as url:
                engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
                before.create_all(engine)
                if "rows" in case.title:
                    with engine.begin() as conn:
                        conn.execute(sa.text("INSERT INTO item (name) VALUES ('x')"))
                engine.dispose()
                texts = [upgrade_text(url, after, plain), upgrade_text(url, after, ours)]
            out += [f"## {case.title} ({case.backend})", ""]
            for label, text in zip(("Plain Alembic", "flask-migrate-plus"), texts, strict=True):
                # render_python_code indents every line but the first
                lines = ("    " + text).splitlines()
                body = textwrap.dedent("\n".join(
                    line for line in lines
                    if "commands auto generated" not in line and "end Alembic commands" not in line
                )).strip()
                out += [f"{label}:", "", "```python", body or "pass  # nothing", "```", ""]
            print(f"done: {case.title}", file=sys.stderr)
    print("\n".join(out))


if __name__ == "__main__":
    main()
