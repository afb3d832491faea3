"""notifications and accounts: in-app list, email outbox, opt-outs, reminders, password resets

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 13:13:35.511148
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import consortium.models.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('passwordresetrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('passwordresetrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_passwordresetrequest_ip'), ['ip'], unique=False)

    op.create_table('deadlinereminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'days', name='uq_reminder_round_days')
    )
    with op.batch_alter_table('deadlinereminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadlinereminder_round_id'), ['round_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('notificationoptout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'kind', name='uq_optout_user_kind')
    )
    with op.batch_alter_table('notificationoptout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notificationoptout_user_id'), ['user_id'], unique=False)

    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outboxmessage_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_user_id'), ['user_id'], unique=False)

    op.create_table('passwordresettoken',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('passwordresettoken', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passwordresettoken_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_passwordresettoken_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('passwordresettoken', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passwordresettoken_user_id'))
        batch_op.drop_index(batch_op.f('ix_passwordresettoken_token_hash'))

    op.drop_table('passwordresettoken')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_user_id'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_status'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_created_at'))

    op.drop_table('outboxmessage')
    with op.batch_alter_table('notificationoptout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notificationoptout_user_id'))

    op.drop_table('notificationoptout')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_created_at'))

    op.drop_table('notification')
    with op.batch_alter_table('deadlinereminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadlinereminder_round_id'))

    op.drop_table('deadlinereminder')
    with op.batch_alter_table('passwordresetrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_ip'))
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_email'))
        batch_op.drop_index(batch_op.f('ix_passwordresetrequest_at'))

    op.drop_table('passwordresetrequest')
