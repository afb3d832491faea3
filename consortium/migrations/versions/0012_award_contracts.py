"""award publication: members' contracts and the packages' award releases

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 20:40:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

import consortium.models.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('awardcontract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_run_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('member_name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('vendor_name', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('lots', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('gross', consortium.models.types.Money(), nullable=False),
    sa.Column('discount', consortium.models.types.Money(), nullable=False),
    sa.Column('net', consortium.models.types.Money(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('csv', sa.LargeBinary(), nullable=False),
    sa.Column('csv_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_run_id'], ['awardrun.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('award_run_id', 'member_id', 'vendor_id',
                        name='uq_awardcontract_run_member_vendor'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('awardcontract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awardcontract_award_run_id'), ['award_run_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_awardcontract_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awardcontract_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awardcontract_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('awardrelease',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_run_id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('releases', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['award_run_id'], ['awardrun.id'], ),
    sa.ForeignKeyConstraint(['package_id'], ['bidpackage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('award_run_id', 'package_id', name='uq_awardrelease_run_package')
    )
    with op.batch_alter_table('awardrelease', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awardrelease_award_run_id'), ['award_run_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_awardrelease_package_id'), ['package_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('awardrelease', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awardrelease_package_id'))
        batch_op.drop_index(batch_op.f('ix_awardrelease_award_run_id'))
    op.drop_table('awardrelease')
    with op.batch_alter_table('awardcontract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awardcontract_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_awardcontract_round_id'))
        batch_op.drop_index(batch_op.f('ix_awardcontract_member_id'))
        batch_op.drop_index(batch_op.f('ix_awardcontract_award_run_id'))
    op.drop_table('awardcontract')
