"""movement orders: numbering, application, cancellation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('order_numbering',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('enrolment', 'withdrawal', 'transfer', name='order_kind', native_enum=False, length=12), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'kind', name='uq_order_numbering_kind')
    )

    with op.batch_alter_table('movement_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_movement_order_created_by', 'ab_user', ['created_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_movement_order_cancelled_by', 'ab_user', ['cancelled_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('movement_order_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_enrolment_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_end_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('previous_arrival_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('previous_leave_date', sa.Date(), nullable=True))
        batch_op.create_foreign_key('fk_movement_order_item_closed_enrolment', 'enrolment', ['closed_enrolment_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('movement_order_item', schema=None) as batch_op:
        batch_op.drop_constraint('fk_movement_order_item_closed_enrolment', type_='foreignkey')
        batch_op.drop_column('previous_leave_date')
        batch_op.drop_column('previous_arrival_date')
        batch_op.drop_column('previous_end_date')
        batch_op.drop_column('closed_enrolment_id')

    with op.batch_alter_table('movement_order', schema=None) as batch_op:
        batch_op.drop_constraint('fk_movement_order_cancelled_by', type_='foreignkey')
        batch_op.drop_constraint('fk_movement_order_created_by', type_='foreignkey')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('created_at')

    op.drop_table('order_numbering')
