"""award runs: bid evaluations and award optimizer runs

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 20:10:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bidevaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('responsive', sa.Boolean(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('evaluated_by_id', sa.Integer(), nullable=True),
    sa.Column('evaluated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ),
    sa.ForeignKeyConstraint(['evaluated_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bid_id')
    )
    op.create_table('awardrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('max_lots_per_vendor', sa.Integer(), nullable=True),
    sa.Column('time_limit', sa.Float(), nullable=False),
    sa.Column('problem', sa.JSON(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('progress', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('heartbeat_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('awardrun', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awardrun_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_awardrun_round_id'), ['round_id'], unique=False)
        # At most one approved award run per round.
        batch_op.create_index('uq_awardrun_one_approved_per_round', ['round_id'], unique=True,
                              sqlite_where=sa.text('approved_at IS NOT NULL'),
                              postgresql_where=sa.text('approved_at IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('awardrun', schema=None) as batch_op:
        batch_op.drop_index('uq_awardrun_one_approved_per_round')
        batch_op.drop_index(batch_op.f('ix_awardrun_round_id'))
        batch_op.drop_index(batch_op.f('ix_awardrun_created_at'))
    op.drop_table('awardrun')
    op.drop_table('bidevaluation')
