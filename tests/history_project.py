"""Hand-written revision files for the history tools' tests (``db test``, ``adopt``, plugin).

The standard history builds what the CLI app's models version 2 declare, in three steps:
``r1_author`` (models version 1), ``r2_points``, ``r3_post``. Tests add revisions after it
that are broken on purpose, each written as a user would write it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

HEADER = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def write_revision(migrations: Path, rev: str, down: str | tuple[str, ...] | None,
                   upgrade: str, downgrade: str, extra: str = "") -> Path:
    """Write ``versions/<rev>.py``; bodies are plain code, indented here."""
    path = migrations / "versions" / f"{rev}.py"
    text = HEADER.format(
        message=rev, rev=rev, down=down,
        upgrade=textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    "),
        downgrade=textwrap.indent(textwrap.dedent(downgrade).strip() or "pass", "    "),
    )
    if extra:
        text += "\n\n" + textwrap.dedent(extra).strip() + "\n"
    path.write_text(text)
    return path


def write_standard_history(migrations: Path) -> list[str]:
    """Three revisions ending at the CLI app's models version 2; returns their ids."""
    write_revision(migrations, "r1_author", None, """
        op.create_table('author',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
            sa.PrimaryKeyConstraint('id'))
    """, "op.drop_table('author')")
    write_revision(migrations, "r2_points", "r1_author", """
        with op.batch_alter_table('author') as batch_op:
            batch_op.add_column(sa.Column('points', sa.Integer(), nullable=True))
    """, """
        with op.batch_alter_table('author') as batch_op:
            batch_op.drop_column('points')
    """)
    write_revision(migrations, "r3_post", "r2_points", """
        op.create_table('post',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('author_id', sa.Integer(), nullable=False),
            sa.Column('title', sa.String(length=200), nullable=False),
            sa.ForeignKeyConstraint(['author_id'], ['author.id']),
            sa.PrimaryKeyConstraint('id'))
        op.create_index(op.f('ix_post_author_id'), 'post', ['author_id'], unique=False)
    """, """
        op.drop_table('post')
    """)
    return ["r1_author", "r2_points", "r3_post"]


def write_six_revisions(migrations: Path) -> list[str]:
    """Six small revisions ending at the CLI app's models version 2, the last a data step."""
    write_revision(migrations, "s1_author", None, """
        op.create_table('author',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('name', sa.String(length=100), nullable=False),
            sa.PrimaryKeyConstraint('id'))
    """, "op.drop_table('author')")
    write_revision(migrations, "s2_active", "s1_author", """
        with op.batch_alter_table('author') as batch_op:
            batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(),
                                          nullable=False))
    """, """
        with op.batch_alter_table('author') as batch_op:
            batch_op.drop_column('active')
    """)
    write_revision(migrations, "s3_points", "s2_active", """
        with op.batch_alter_table('author') as batch_op:
            batch_op.add_column(sa.Column('points', sa.Integer(), nullable=True))
    """, """
        with op.batch_alter_table('author') as batch_op:
            batch_op.drop_column('points')
    """)
    write_revision(migrations, "s4_post", "s3_points", """
        op.create_table('post',
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('author_id', sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(['author_id'], ['author.id']),
            sa.PrimaryKeyConstraint('id'))
        op.create_index(op.f('ix_post_author_id'), 'post', ['author_id'], unique=False)
    """, "op.drop_table('post')")
    write_revision(migrations, "s5_title", "s4_post", """
        with op.batch_alter_table('post') as batch_op:
            batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=False))
    """, """
        with op.batch_alter_table('post') as batch_op:
            batch_op.drop_column('title')
    """)
    write_revision(migrations, "s6_backfill", "s5_title", """
        op.execute(
            "UPDATE author SET points = 0 WHERE points IS NULL"
        )
    """, "pass")
    return ["s1_author", "s2_active", "s3_points", "s4_post", "s5_title", "s6_backfill"]
