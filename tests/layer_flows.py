"""The life of a migrations folder, through the CLI, for the model-layer and async tests.

``init``, ``migrate``, ``upgrade``, a second ``migrate`` that writes nothing, ``check``, a
change of models that ``check`` sees, and ``downgrade``; the database is inspected (through a
synchronous URL) after each step that changes it. Kept to these steps: the matrix runs it
for every layer, template and backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from backends import fresh_database
from cli_runner import FIXTURES, FlaskApp, assert_one_line_error

LAYERS_APP = FIXTURES / "layersapp" / "app.py"

#: The asyncio driver the tests use for each synchronous test URL's backend.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}


def async_url(url: str) -> str:
    """The same database through the backend's asyncio driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}").render_as_string(
        hide_password=False)


@contextmanager
def second_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh database on the same backend, for the ``audit`` bind."""
    folder = tmp_path / "bind"
    folder.mkdir()
    with fresh_database(backend, folder) as url:
        yield url


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def run_flow(app: FlaskApp, template: str, url: str, bind_url: str | None) -> None:
    """The whole life of a migrations folder; ``url`` / ``bind_url`` are synchronous URLs of
    the same databases the app uses, to look at them from the test."""
    app.ok("init", "--template", template)
    env_py = (app.cwd / "migrations" / "env.py").read_text()
    assert "migrate_state.database" in env_py  # our template, not Alembic's or Flask-Migrate's

    app.models = 1
    app.ok("migrate", "-m", "first")
    [first] = app.scripts()
    text = first.read_text()
    assert "op.create_table('author'" in text
    if bind_url is not None:
        assert "def upgrade_audit():" in text
        audit_part = text[text.index("def upgrade_audit():"):]
        assert "op.create_table('audit_event'" in audit_part.split("def downgrade_audit")[0]
    app.ok("upgrade")
    assert tables(url) == {"author"}
    if bind_url is not None:
        assert tables(bind_url) == {"audit_event"}

    again = app.ok("migrate", "-m", "nothing")
    assert "No changes in schema detected." in again.stdout + again.stderr
    assert app.scripts() == [first]
    app.ok("check")

    app.models = 2  # the models are read from the layer: a change is seen
    changed = app.db("check")
    assert_one_line_error(changed, "the models differ from the database", "post", "points")
    app.models = 1

    app.ok("downgrade")
    assert tables(url) == set()
    if bind_url is not None:
        assert tables(bind_url) == set()
