"""Bundled snapshots of the national grant catalogue: the day each was taken, for "Bandi aggiornati al …".

Revision ID: 0009
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "grant_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_snapshots")),
        sa.UniqueConstraint("file_name", name=op.f("uq_grant_snapshots_file_name")),
    )
    with op.batch_alter_table("grant_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_snapshots_taken_on"), ["taken_on"], unique=False)


def downgrade():
    with op.batch_alter_table("grant_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_snapshots_taken_on"))
    op.drop_table("grant_snapshots")
