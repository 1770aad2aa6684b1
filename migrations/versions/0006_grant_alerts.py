"""Grant alerts: subscriptions (double opt-in, consent kind grant_alerts), alert rounds, the mails and their
items, calendar feeds, coaches' digest settings and company visits.

Revision ID: 0006
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # A new value of a native enum: ALTER TYPE ... ADD VALUE may not run inside a transaction block.
        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE consentkind ADD VALUE IF NOT EXISTS 'grant_alerts'")
    # Each company's latest submission, read for every subscribed company by an alert round.
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_company_id_submitted_at", ["company_id", "submitted_at"], unique=False)
    op.create_table('alert_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=20), nullable=False),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('companies', sa.Integer(), nullable=False),
    sa.Column('alerts', sa.Integer(), nullable=False),
    sa.Column('items', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rounds'))
    )
    with op.batch_alter_table('alert_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_rounds_started_at'), ['started_at'], unique=False)

    op.create_table('coach_alert_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekly_digest', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coach_alert_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_coach_alert_settings'))
    )
    op.create_table('calendar_feeds',
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_calendar_feeds_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('company_id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    op.create_table('coach_company_visits',
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_coach_company_visits_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_coach_company_visits_company_id_companies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coach_id', 'company_id', name=op.f('pk_coach_company_visits'))
    )
    op.create_table('grant_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.Enum('owner', 'coach', name='alertaudience'), nullable=False),
    sa.Column('recipient_key', sa.String(length=40), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('coach_id', sa.Integer(), nullable=True),
    sa.Column('local_day', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='alertstatus'), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('unsubscribe_url', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.CheckConstraint("(audience = 'owner' AND company_id IS NOT NULL) OR (audience = 'coach' AND coach_id IS NOT NULL)", name=op.f('ck_grant_alerts_one_recipient')),
    sa.CheckConstraint("status <> 'failed' OR last_error IS NOT NULL", name=op.f('ck_grant_alerts_failed_has_reason')),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_grant_alerts_sent_has_time')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_grant_alerts_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_grant_alerts_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['alert_rounds.id'], name=op.f('fk_grant_alerts_round_id_alert_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_alerts')),
    sa.UniqueConstraint('recipient_key', 'local_day', name=op.f('uq_grant_alerts_recipient_key_local_day'))
    )
    with op.batch_alter_table('grant_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_alerts_coach_id'), ['coach_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alerts_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alerts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alerts_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alerts_status'), ['status'], unique=False)

    op.create_table('alert_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('text_version', sa.String(length=40), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('confirm_hash', sa.String(length=64), nullable=False),
    sa.Column('unsubscribe_hash', sa.String(length=64), nullable=False),
    sa.Column('result_token_sealed', sa.Text(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_alert_subscriptions_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consent_id'], ['consents.id'], name=op.f('fk_alert_subscriptions_consent_id_consents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_subscriptions')),
    sa.UniqueConstraint('company_id', name=op.f('uq_alert_subscriptions_company_id')),
    sa.UniqueConstraint('confirm_hash', name=op.f('uq_alert_subscriptions_confirm_hash')),
    sa.UniqueConstraint('unsubscribe_hash', name=op.f('uq_alert_subscriptions_unsubscribe_hash'))
    )
    op.create_table('grant_alert_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('recipient_key', sa.String(length=40), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('new_match', 'closing_14', 'closing_3', 'amended', 'withdrawn', name='alertreason'), nullable=False),
    sa.Column('occasion', sa.String(length=40), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['grant_alerts.id'], name=op.f('fk_grant_alert_items_alert_id_grant_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_grant_alert_items_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.id'], name=op.f('fk_grant_alert_items_grant_id_grants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grant_alert_items')),
    sa.UniqueConstraint('recipient_key', 'company_id', 'grant_id', 'reason', 'occasion', name='uq_grant_alert_items_once')
    )
    with op.batch_alter_table('grant_alert_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grant_alert_items_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alert_items_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grant_alert_items_grant_id'), ['grant_id'], unique=False)



def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_company_id_submitted_at")
    with op.batch_alter_table('grant_alert_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_alert_items_grant_id'))
        batch_op.drop_index(batch_op.f('ix_grant_alert_items_company_id'))
        batch_op.drop_index(batch_op.f('ix_grant_alert_items_alert_id'))

    op.drop_table('grant_alert_items')
    op.drop_table('alert_subscriptions')
    with op.batch_alter_table('grant_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grant_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_grant_alerts_round_id'))
        batch_op.drop_index(batch_op.f('ix_grant_alerts_created_at'))
        batch_op.drop_index(batch_op.f('ix_grant_alerts_company_id'))
        batch_op.drop_index(batch_op.f('ix_grant_alerts_coach_id'))

    op.drop_table('grant_alerts')
    op.drop_table('coach_company_visits')
    op.drop_table('calendar_feeds')
    op.drop_table('coach_alert_settings')
    with op.batch_alter_table('alert_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_rounds_started_at'))

    op.drop_table('alert_rounds')
    consents = sa.table("consents", sa.column("kind", sa.String))
    # Compared as text: on PostgreSQL the column is the native enum.
    op.execute(consents.delete().where(sa.cast(consents.c.kind, sa.String) == "grant_alerts"))
    if op.get_bind().dialect.name == "postgresql":
        for name in ("alertaudience", "alertstatus", "alertreason"):
            op.execute(f"DROP TYPE IF EXISTS {name}")
        # PostgreSQL cannot drop one value of an enum: the type is rebuilt without it.
        op.execute("ALTER TYPE consentkind RENAME TO consentkind_old")
        op.execute("CREATE TYPE consentkind AS ENUM ('privacy', 'coach_contact')")
        op.execute("ALTER TABLE consents ALTER COLUMN kind TYPE consentkind USING kind::text::consentkind")
        op.execute("DROP TYPE consentkind_old")
