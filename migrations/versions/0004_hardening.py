"""Hardening: a company has at most one active assignment (partial unique index); staff session generation.

Revision ID: 0004
Revises: 0003
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ACTIVE = ("proposed", "accepted", "in_progress")
ONE_ACTIVE = sa.text("status IN ('proposed', 'accepted', 'in_progress')")
# When a race already left two, the one furthest along stays (then the oldest): the others are withdrawn.
PRECEDENCE = {"in_progress": 0, "accepted": 1, "proposed": 2}

coach_assignments = sa.table(
    "coach_assignments",
    sa.column("id", sa.Integer),
    sa.column("company_id", sa.Integer),
    sa.column("status", sa.Enum("proposed", "accepted", "declined", "in_progress", "completed", "withdrawn",
                                name="assignmentstatus")),
    sa.column("withdrawn_at", sa.DateTime),
)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(coach_assignments.c.id, coach_assignments.c.company_id, coach_assignments.c.status)
        .where(coach_assignments.c.status.in_(ACTIVE))
    ).all()
    by_company: dict[int, list] = {}
    for row in rows:
        by_company.setdefault(row.company_id, []).append(row)
    extra = [row.id for group in by_company.values() if len(group) > 1
             for row in sorted(group, key=lambda r: (PRECEDENCE[r.status], r.id))[1:]]
    if extra:
        now = datetime.now(UTC).replace(tzinfo=None)
        connection.execute(coach_assignments.update().where(coach_assignments.c.id.in_(extra))
                           .values(status="withdrawn", withdrawn_at=now))
    with op.batch_alter_table("coach_assignments", schema=None) as batch_op:
        batch_op.create_index(op.f("uq_coach_assignments_one_active_per_company"), ["company_id"], unique=True,
                              sqlite_where=ONE_ACTIVE, postgresql_where=ONE_ACTIVE)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("coach_assignments", schema=None) as batch_op:
        batch_op.drop_index(op.f("uq_coach_assignments_one_active_per_company"))
