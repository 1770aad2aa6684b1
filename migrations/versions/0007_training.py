"""Training that counts: editions and sessions of a track, participants, registrations (with the waiting list),
attendance, certificates and individual skills self-checks.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=120), nullable=True),
    sa.Column('firm_vat_number', sa.String(length=11), nullable=True),
    sa.Column('firm_name', sa.String(length=200), nullable=True),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('privacy_consent_at', sa.DateTime(), nullable=True),
    sa.Column('privacy_text_version', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('erased_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('erased_at IS NOT NULL OR (name IS NOT NULL AND email IS NOT NULL)', name=op.f('ck_participants_identified_unless_erased')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_participants_company_id_companies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('email', name=op.f('uq_participants_email'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_erased_at'), ['erased_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_participants_firm_vat_number'), ['firm_vat_number'], unique=False)

    op.create_table('training_editions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('trainer_user_id', sa.Integer(), nullable=True),
    sa.Column('trainer_name', sa.String(length=200), nullable=True),
    sa.Column('registration_deadline_on', sa.Date(), nullable=True),
    sa.Column('min_attendance_percent', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'cancelled', name='editionstatus'), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('is_example', sa.Boolean(), nullable=False),
    sa.Column('seed_key', sa.String(length=60), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f('ck_training_editions_cancelled_has_time')),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_training_editions_capacity_not_negative')),
    sa.CheckConstraint('min_attendance_percent >= 0 AND min_attendance_percent <= 100', name=op.f('ck_training_editions_min_attendance_in_range')),
    sa.CheckConstraint('trainer_user_id IS NULL OR trainer_name IS NULL', name=op.f('ck_training_editions_one_trainer')),
    sa.ForeignKeyConstraint(['track_id'], ['tracks.id'], name=op.f('fk_training_editions_track_id_tracks')),
    sa.ForeignKeyConstraint(['trainer_user_id'], ['users.id'], name=op.f('fk_training_editions_trainer_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_editions')),
    sa.UniqueConstraint('seed_key', name=op.f('uq_training_editions_seed_key'))
    )
    with op.batch_alter_table('training_editions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_editions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_editions_track_id'), ['track_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_editions_trainer_user_id'), ['trainer_user_id'], unique=False)

    op.create_table('registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'waiting', 'cancelled', name='registrationstatus'), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('cancel_token_hash', sa.String(length=64), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name=op.f('ck_registrations_cancelled_has_time')),
    sa.ForeignKeyConstraint(['edition_id'], ['training_editions.id'], name=op.f('fk_registrations_edition_id_training_editions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_registrations_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_registrations_registered_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations')),
    sa.UniqueConstraint('cancel_token_hash', name=op.f('uq_registrations_cancel_token_hash')),
    sa.UniqueConstraint('participant_id', 'edition_id', name=op.f('uq_registrations_participant_id_edition_id'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_status'), ['status'], unique=False)

    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('edition_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('end_time', sa.Time(), nullable=False),
    sa.Column('is_cancelled', sa.Boolean(), nullable=False),
    sa.Column('check_in_code', sa.String(length=12), nullable=False),
    sa.CheckConstraint('end_time > start_time', name=op.f('ck_training_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['edition_id'], ['training_editions.id'], name=op.f('fk_training_sessions_edition_id_training_editions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_edition_id'), ['edition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_on_date'), ['on_date'], unique=False)

    op.create_table('attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('is_present', sa.Boolean(), nullable=False),
    sa.Column('arrived_at', sa.Time(), nullable=True),
    sa.Column('left_at', sa.Time(), nullable=True),
    sa.Column('source', sa.Enum('register', 'check_in', name='attendancesource'), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('arrived_at IS NULL OR left_at IS NULL OR left_at > arrived_at', name=op.f('ck_attendances_leaves_after_arrival')),
    sa.CheckConstraint('is_present OR (arrived_at IS NULL AND left_at IS NULL)', name=op.f('ck_attendances_absent_has_no_times')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendances_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_attendances_registration_id_registrations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_attendances_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendances')),
    sa.UniqueConstraint('registration_id', 'session_id', name=op.f('uq_attendances_registration_id_session_id'))
    )
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendances_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attendances_session_id'), ['session_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('verification_code', sa.String(length=32), nullable=False),
    sa.Column('hours_attended', sa.Float(), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('hours_attended >= 0', name=op.f('ck_certificates_hours_not_negative')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_certificates_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_certificates_registration_id')),
    sa.UniqueConstraint('verification_code', name=op.f('uq_certificates_verification_code'))
    )
    op.create_table('skills_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('moment', sa.Enum('registration', 'completion', name='skillsmoment'), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('overall_score', sa.Float(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('overall_score IS NULL OR (overall_score >= 0 AND overall_score <= 100)', name=op.f('ck_skills_checks_overall_in_range')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_skills_checks_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_skills_checks_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_skills_checks_registration_id_registrations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills_checks')),
    sa.UniqueConstraint('registration_id', 'moment', name=op.f('uq_skills_checks_registration_id_moment'))
    )
    with op.batch_alter_table('skills_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_skills_checks_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_skills_checks_registration_id'), ['registration_id'], unique=False)



def downgrade():
    with op.batch_alter_table('skills_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_skills_checks_registration_id'))
        batch_op.drop_index(batch_op.f('ix_skills_checks_participant_id'))

    op.drop_table('skills_checks')
    op.drop_table('certificates')
    with op.batch_alter_table('attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendances_session_id'))
        batch_op.drop_index(batch_op.f('ix_attendances_registration_id'))

    op.drop_table('attendances')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_on_date'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_edition_id'))

    op.drop_table('training_sessions')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_status'))
        batch_op.drop_index(batch_op.f('ix_registrations_participant_id'))
        batch_op.drop_index(batch_op.f('ix_registrations_edition_id'))

    op.drop_table('registrations')
    with op.batch_alter_table('training_editions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_editions_trainer_user_id'))
        batch_op.drop_index(batch_op.f('ix_training_editions_track_id'))
        batch_op.drop_index(batch_op.f('ix_training_editions_status'))

    op.drop_table('training_editions')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_firm_vat_number'))
        batch_op.drop_index(batch_op.f('ix_participants_erased_at'))
        batch_op.drop_index(batch_op.f('ix_participants_company_id'))

    op.drop_table('participants')
    for name in ("skillsmoment", "attendancesource", "registrationstatus", "editionstatus"):
        sa.Enum(name=name).drop(op.get_bind(), checkfirst=True)
