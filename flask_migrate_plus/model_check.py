"""Compare the models with a database through the project's ``env.py``, changing nothing.

Alembic's ``check`` (and ``revision --autogenerate``) create an empty ``alembic_version``
table as a side effect when the database has none. On a database built by
``db.create_all()`` that table is a lie: it says "at base" about a database that is not
empty. Here the comparison runs with Alembic's ``dont_mutate`` option (the one its
``current`` command uses), so the database is only read.
"""

from __future__ import annotations

from typing import Any

from alembic import autogenerate
from alembic.config import Config as AlembicConfig
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory

from .describe import describe_ops


def model_differences(config: AlembicConfig) -> list[str]:
    """What autogenerate would write now, one line per change, in words (empty: none).

    The database must be at the scripts' head (or have no version table while the project
    has no revision); otherwise Alembic's "Target database is not up to date" is raised.
    """
    script = ScriptDirectory.from_config(config)
    command_args = dict(message=None, autogenerate=True, sql=False, head="head", splice=False,
                        branch_label=None, version_path=None, rev_id=None, depends_on=None)
    revision_context = autogenerate.RevisionContext(config, script, command_args)

    def compare(rev: Any, context: Any) -> list[Any]:
        revision_context.run_autogenerate(rev, context)
        return []

    with EnvironmentContext(config, script, fn=compare, as_sql=False, dont_mutate=True,
                            template_args=revision_context.template_args,
                            revision_context=revision_context):
        script.run_env()
    if not revision_context.generated_revisions:
        return []
    generated = revision_context.generated_revisions[-1]
    lines: list[str] = []
    for upgrade_ops in generated.upgrade_ops_list:
        diffs = upgrade_ops.as_diffs()
        if diffs:
            lines.extend(describe_ops(upgrade_ops.ops) or [repr(diff) for diff in diffs])
    return lines
