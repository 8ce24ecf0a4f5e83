"""staff personal files

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('hire', 'transfer', 'dismissal', name='staff_order_kind', native_enum=False, length=12), nullable=False),
    sa.Column('calendar_year', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('rate', sa.Numeric(precision=4, scale=2), nullable=True),
    sa.Column('from_position_id', sa.Integer(), nullable=True),
    sa.Column('opened_position_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('article', sa.String(length=200), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name='fk_staff_order_employee', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['position.id'], name='fk_staff_order_position', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['from_position_id'], ['employee_position.id'], name='fk_staff_order_from_position', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['opened_position_id'], ['employee_position.id'], name='fk_staff_order_opened_position', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name='fk_staff_order_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'calendar_year', 'number', name='uq_staff_order_number')
    )
    with op.batch_alter_table('staff_order', schema=None) as batch_op:
        batch_op.create_index('ix_staff_order_school_employee', ['school_id', 'employee_id', 'date'], unique=False)

    op.create_table('education_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('secondary_general', 'secondary_vocational', 'higher_bachelor', 'higher_specialist',
                               'higher_postgraduate', 'retraining', name='education_level', native_enum=False, length=20),
              nullable=False),
    sa.Column('institution', sa.String(length=500), nullable=False),
    sa.Column('graduation_year', sa.Integer(), nullable=True),
    sa.Column('specialty', sa.String(length=300), nullable=True),
    sa.Column('qualification', sa.String(length=300), nullable=True),
    sa.Column('diploma_number', sa.String(length=100), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name='fk_education_record_employee', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name='fk_education_record_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('education_record', schema=None) as batch_op:
        batch_op.create_index('ix_education_record_school_employee', ['school_id', 'employee_id'], unique=False)

    op.create_table('attestation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('highest', 'first', 'compliance', 'methodist', 'mentor',
                                  name='qualification_category', native_enum=False, length=20), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('assigned_on', sa.Date(), nullable=False),
    sa.Column('order_number', sa.String(length=100), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name='fk_attestation_employee', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['position_id'], ['position.id'], name='fk_attestation_position', ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name='fk_attestation_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attestation', schema=None) as batch_op:
        batch_op.create_index('ix_attestation_school_employee', ['school_id', 'employee_id', 'assigned_on'], unique=False)
        batch_op.create_index('ix_attestation_school_valid_until', ['school_id', 'valid_until'], unique=False)

    op.create_table('training_course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('program', sa.String(length=500), nullable=False),
    sa.Column('organisation', sa.String(length=300), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('certificate_number', sa.String(length=100), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name='fk_training_course_employee', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name='fk_training_course_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training_course', schema=None) as batch_op:
        batch_op.create_index('ix_training_course_school_employee', ['school_id', 'employee_id', 'end_date'], unique=False)


def downgrade():
    with op.batch_alter_table('training_course', schema=None) as batch_op:
        batch_op.drop_index('ix_training_course_school_employee')

    op.drop_table('training_course')
    with op.batch_alter_table('attestation', schema=None) as batch_op:
        batch_op.drop_index('ix_attestation_school_valid_until')
        batch_op.drop_index('ix_attestation_school_employee')

    op.drop_table('attestation')
    with op.batch_alter_table('education_record', schema=None) as batch_op:
        batch_op.drop_index('ix_education_record_school_employee')

    op.drop_table('education_record')
    with op.batch_alter_table('staff_order', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_order_school_employee')

    op.drop_table('staff_order')
