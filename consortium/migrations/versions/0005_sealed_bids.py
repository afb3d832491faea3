"""sealed bids: bids per package and vendor, their sealed versions, and each package's opening

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:30:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('invalid_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['package_id'], ['bidpackage.id'], ),
    sa.ForeignKeyConstraint(['vendor_id'], ['vendor.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('package_id', 'vendor_id', name='uq_bid_package_vendor')
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_package_id'), ['package_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bid_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('bidversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bid_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('package_version_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.Column('receipt_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ),
    sa.ForeignKeyConstraint(['package_version_id'], ['packageversion.id'], ),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bid_id', 'number', name='uq_bidversion_bid_number')
    )
    with op.batch_alter_table('bidversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bidversion_bid_id'), ['bid_id'], unique=False)

    op.create_table('bidopening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('tabulation', sa.JSON(), nullable=False),
    sa.Column('ocds', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user.id'], ),
    sa.ForeignKeyConstraint(['package_id'], ['bidpackage.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('package_id')
    )


def downgrade() -> None:
    op.drop_table('bidopening')
    with op.batch_alter_table('bidversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bidversion_bid_id'))
    op.drop_table('bidversion')
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_bid_package_id'))
    op.drop_table('bid')
