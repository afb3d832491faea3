"""line refs per member: unique per (round, member), and the counter of generated refs

Revision ID: 0010
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demandrefcounter',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('round_id', 'member_id')
    )
    with op.batch_alter_table('demandline', schema=None) as batch_op:
        batch_op.drop_constraint('uq_demand_round_ref', type_='unique')
        batch_op.create_unique_constraint('uq_demand_round_member_ref',
                                          ['round_id', 'member_id', 'ref'])


def downgrade() -> None:
    # Fails while two members' lines of a round share a ref: rename one of them first.
    with op.batch_alter_table('demandline', schema=None) as batch_op:
        batch_op.drop_constraint('uq_demand_round_member_ref', type_='unique')
        batch_op.create_unique_constraint('uq_demand_round_ref', ['round_id', 'ref'])
    op.drop_table('demandrefcounter')
