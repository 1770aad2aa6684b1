"""Grant lifecycle on the national catalogue: first/last seen, last changed, withdrawn; revisions; sync log.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

grants = sa.table(
    "grants",
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
    sa.column("first_seen_at", sa.DateTime),
    sa.column("last_seen_at", sa.DateTime),
    sa.column("last_changed_at", sa.DateTime),
)


def upgrade():
    op.create_table(
        "grant_syncs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("is_dry_run", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.Enum("running", "succeeded", "failed", name="syncoutcome"), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("amended", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("reappeared", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejections", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("outcome != 'running' OR finished_at IS NULL",
                           name=op.f("ck_grant_syncs_running_not_finished")),
        sa.CheckConstraint("outcome = 'running' OR finished_at IS NOT NULL",
                           name=op.f("ck_grant_syncs_finished_has_end")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_syncs")),
    )
    with op.batch_alter_table("grant_syncs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_syncs_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_grant_syncs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "grant_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=False),
        sa.Column("sync_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("amended", "withdrawn", "reappeared", name="grantchangekind"), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("old_hash", sa.String(length=64), nullable=True),
        sa.Column("new_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["grant_id"], ["grants.id"], name=op.f("fk_grant_revisions_grant_id_grants"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sync_id"], ["grant_syncs.id"], name=op.f("fk_grant_revisions_sync_id_grant_syncs"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grant_revisions")),
    )
    with op.batch_alter_table("grant_revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grant_revisions_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_grant_revisions_grant_id"), ["grant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grant_revisions_sync_id"), ["sync_id"], unique=False)

    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_seen_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("last_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_grants_withdrawn_at"), ["withdrawn_at"], unique=False)
    # Grants already stored were first seen when they were imported and last changed when last updated.
    op.execute(grants.update().values(first_seen_at=grants.c.created_at, last_seen_at=grants.c.updated_at,
                                      last_changed_at=grants.c.updated_at))
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.alter_column("first_seen_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("last_changed_at", existing_type=sa.DateTime(), nullable=False)


def downgrade():
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_withdrawn_at"))
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("last_changed_at")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("first_seen_at")
    with op.batch_alter_table("grant_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_revisions_sync_id"))
        batch_op.drop_index(batch_op.f("ix_grant_revisions_grant_id"))
        batch_op.drop_index(batch_op.f("ix_grant_revisions_changed_at"))
    op.drop_table("grant_revisions")
    with op.batch_alter_table("grant_syncs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grant_syncs_started_at"))
        batch_op.drop_index(batch_op.f("ix_grant_syncs_outcome"))
    op.drop_table("grant_syncs")
    sa.Enum(name="grantchangekind").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="syncoutcome").drop(op.get_bind(), checkfirst=True)
