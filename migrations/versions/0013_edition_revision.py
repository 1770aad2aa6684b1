"""Training editions count their saves (revision): the calendars' SEQUENCE, which was the minute of the last
change (two saves in one minute gave one SEQUENCE, and calendars ignored the second). Existing editions start
from the SEQUENCE already mailed, so that the next update is still taken as newer.

Revision ID: 0013
Revises: 0012
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

editions = sa.table("training_editions", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime),
                    sa.column("updated_at", sa.DateTime), sa.column("revision", sa.Integer))


def upgrade():
    with op.batch_alter_table("training_editions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    bind = op.get_bind()
    rows = bind.execute(sa.select(editions.c.id, editions.c.created_at, editions.c.updated_at)).all()
    for edition_id, created_at, updated_at in rows:
        changed = updated_at or created_at
        if changed is not None:  # the minutes since 2020 the old SEQUENCE was
            minutes = int((changed - datetime(2020, 1, 1)).total_seconds() // 60)
            bind.execute(editions.update().where(editions.c.id == edition_id).values(revision=max(0, minutes)))


def downgrade():
    with op.batch_alter_table("training_editions", schema=None) as batch_op:
        batch_op.drop_column("revision")
