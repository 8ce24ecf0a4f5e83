"""staff card T-2 fields, unlocks closed early

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journal_unlock', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key('fk_journal_unlock_closed_by', 'ab_user', ['closed_by_id'], ['id'], ondelete='SET NULL')

    op.create_table('employee_personal_data',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('snils', sa.String(length=14), nullable=True),
    sa.Column('inn', sa.String(length=12), nullable=True),
    sa.Column('citizenship', sa.String(length=100), nullable=True),
    sa.Column('birth_place', sa.String(length=300), nullable=True),
    sa.Column('passport_series', sa.String(length=5), nullable=True),
    sa.Column('passport_number', sa.String(length=6), nullable=True),
    sa.Column('passport_issued_by', sa.String(length=300), nullable=True),
    sa.Column('passport_issued_on', sa.Date(), nullable=True),
    sa.Column('passport_division_code', sa.String(length=7), nullable=True),
    sa.Column('registration_address', sa.String(length=500), nullable=True),
    sa.Column('actual_address', sa.String(length=500), nullable=True),
    sa.Column('marital_status', sa.Enum('never_married', 'married', 'divorced', 'widowed', name='marital_status',
                                        native_enum=False, length=20), nullable=True),
    sa.Column('family', sa.Text(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name='fk_employee_personal_data_employee', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name='fk_employee_personal_data_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'employee_id', name='uq_employee_personal_data_employee')
    )


def downgrade():
    op.drop_table('employee_personal_data')
    with op.batch_alter_table('journal_unlock', schema=None) as batch_op:
        batch_op.drop_constraint('fk_journal_unlock_closed_by', type_='foreignkey')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_by_id')
