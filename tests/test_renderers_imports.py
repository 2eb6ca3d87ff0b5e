"""Imports of generated scripts, and composing with the user's own hooks.

Imports are collected per script through ``autogen_context.imports`` and written by the
template's ``${imports}``; none may leak from one script into the next one generated in the
same process. The user's ``render_item`` and ``process_revision_directives`` run first and
ours still run after them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy_utils as su

from harness import AlembicProject


def _imports(text: str) -> set[str]:
    return {line for line in text.splitlines() if re.match(r"^(import|from) ", line)}


BASE_IMPORTS = {"from alembic import op", "import sqlalchemy as sa"}


def _table(metadata: sa.MetaData, name: str, *columns: sa.Column[Any]) -> sa.MetaData:
    sa.Table(name, metadata, sa.Column("id", sa.Integer, primary_key=True), *columns)
    return metadata


def test_two_scripts_in_one_process_do_not_share_imports(
    db_url: str, tmp_path: Path
) -> None:
    added: list[int] = []

    def user_hook(context: Any, revision: Any, directives: list[Any]) -> None:
        # The pattern Alembic's docs suggest; on the first script only. Alembic's default
        # ``imports`` is one set shared by every MigrationScript of the process.
        if not added:
            directives[0].imports.add("import decimal")
            added.append(1)

    project = AlembicProject(tmp_path, db_url, options={"process_revision_directives": user_hook})
    project.stamp_base()
    first = _table(sa.MetaData(), "a", sa.Column("u", su.JSONType()))
    rev1 = project.revision(first)
    assert rev1 is not None
    assert _imports(rev1.text) == BASE_IMPORTS | {"import sqlalchemy_utils", "import decimal"}
    project.upgrade()

    second = _table(_table(sa.MetaData(), "a", sa.Column("u", su.JSONType())), "b")
    rev2 = project.revision(second)
    assert rev2 is not None
    assert "op.create_table('b'" in rev2.text
    assert _imports(rev2.text) == BASE_IMPORTS
    project.upgrade()
    assert project.diff(second) == []
    project.downgrade("base")
    assert project.diff(sa.MetaData()) == []


def test_extra_imports_from_config_go_into_every_script(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="flask_migrate_plus")
    extra = ["import json", "from datetime import date", "import os; os.system('true')",
             "import os\nimport sys"]
    project = AlembicProject(tmp_path, db_url, plugin_options={"extra_imports": extra})
    project.stamp_base()
    models = _table(sa.MetaData(), "a")
    rev = project.revision(models)
    assert rev is not None
    assert _imports(rev.text) == BASE_IMPORTS | {"import json", "from datetime import date"}
    assert "os.system" not in rev.text and "import os" not in rev.text
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2 and all("not a single import statement" in m for m in warned)
    project.upgrade()
    # Imports alone are no reason for a script: nothing changed, nothing written.
    assert project.revision(models) is None
    project.downgrade()
    assert project.diff(sa.MetaData()) == []


def test_user_render_item_runs_first_and_ours_fills_in(db_url: str, tmp_path: Path) -> None:
    seen: list[str] = []

    def user_render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
        seen.append(type_)
        if type_ == "type" and isinstance(obj, su.URLType):
            return "sa.Text()"  # the user's own choice wins over our table
        return False

    models = _table(sa.MetaData(), "a", sa.Column("url", su.URLType()),
                    sa.Column("color", su.ColorType(max_length=30)),
                    sa.Column("uuid", su.UUIDType(binary=False)))
    project = AlembicProject(tmp_path, db_url, options={"render_item": user_render_item})
    project.stamp_base()
    rev = project.revision(models)
    assert rev is not None
    assert "sa.Column('url', sa.Text()," in rev.text
    assert "sa.Column('color', sa.Unicode(length=30)" in rev.text
    assert "sa.Column('uuid', sqlalchemy_utils.UUIDType(binary=False, native=True)" in rev.text
    assert {"column", "type"} <= set(seen)
    project.upgrade()
    assert project.diff(models) == []
    project.downgrade()
    assert project.diff(sa.MetaData()) == []


def test_user_process_revision_directives_is_chained_not_replaced(
    db_url: str, tmp_path: Path
) -> None:
    calls: list[str] = []

    def user_hook(context: Any, revision: Any, directives: list[Any]) -> None:
        calls.append(directives[0].message if directives else "<none>")

    project = AlembicProject(
        tmp_path, db_url, options={"process_revision_directives": user_hook},
        plugin_options={"extra_imports": ["import json"]},
    )
    project.stamp_base()
    models = _table(sa.MetaData(), "a")
    rev = project.revision(models)
    assert rev is not None and calls == ["auto"]
    assert "import json" in _imports(rev.text)  # our rewriter ran after theirs
    project.upgrade()
    assert project.revision(models) is None  # the empty-script check still runs last
    assert calls == ["auto", "auto"]
