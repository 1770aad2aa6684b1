"""An erased participant keeps their firm's comune as an anonymous trace: the people trained by comune no longer
move to "comune non indicato" when someone asks for erasure. People erased before keep no trace (their firm
link is gone).

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trace_comune_istat", sa.String(length=6), nullable=True))


def downgrade():
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("trace_comune_istat")
