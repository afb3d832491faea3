"""audit hash chain: seq, prev_hash and hash on audit_log; the audit_chain head row

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:20:00

Entries that exist when this runs are chained in id order (their order of writing), so the
chain covers the whole log from the first entry.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_log_seq'), ['seq'], unique=True)
    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    from consortium.services.audit_chain import GENESIS, chain_pending
    connection = op.get_bind()
    connection.execute(sa.text("INSERT INTO audit_chain (id, last_seq, last_hash) "
                               "VALUES (1, 0, :genesis)"), {"genesis": GENESIS})
    chain_pending(connection)


def downgrade() -> None:
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_seq'))
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
