"""journal locks unlocks audit context

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 05:42:03.813083

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('journal_unlock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_group_id', sa.Integer(), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=False),
    sa.Column('date_to', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_group_id'], ['subject_group.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('journal_unlock', schema=None) as batch_op:
        batch_op.create_index('ix_journal_unlock_school_group', ['school_id', 'subject_group_id', 'until'], unique=False)

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('student_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entry_date', sa.Date(), nullable=True))
        batch_op.create_index('ix_audit_log_school_group', ['school_id', 'subject_group_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_school_student', ['school_id', 'student_id', 'at'], unique=False)
        batch_op.create_foreign_key('fk_audit_log_student', 'student', ['student_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key('fk_audit_log_subject_group', 'subject_group', ['subject_group_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_manual', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('moved_from', sa.Date(), nullable=True))
        batch_op.create_index('ix_lesson_school_substitute', ['school_id', 'substitute_id'], unique=False)

    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_mark_days', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('lock_attendance_days', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('lock_control_days', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('lock_period_mark_days', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('lock_final_mark_days', sa.Integer(), server_default='10', nullable=False))
        batch_op.add_column(sa.Column('period_mark_due_days', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('threshold_5', sa.Numeric(precision=3, scale=2), server_default='4.5', nullable=False))
        batch_op.add_column(sa.Column('threshold_4', sa.Numeric(precision=3, scale=2), server_default='3.5', nullable=False))
        batch_op.add_column(sa.Column('threshold_3', sa.Numeric(precision=3, scale=2), server_default='2.5', nullable=False))



def downgrade():
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_column('threshold_3')
        batch_op.drop_column('threshold_4')
        batch_op.drop_column('threshold_5')
        batch_op.drop_column('period_mark_due_days')
        batch_op.drop_column('lock_final_mark_days')
        batch_op.drop_column('lock_period_mark_days')
        batch_op.drop_column('lock_control_days')
        batch_op.drop_column('lock_attendance_days')
        batch_op.drop_column('lock_mark_days')

    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_school_substitute')
        batch_op.drop_column('moved_from')
        batch_op.drop_column('is_manual')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_log_subject_group', type_='foreignkey')
        batch_op.drop_constraint('fk_audit_log_student', type_='foreignkey')
        batch_op.drop_index('ix_audit_log_school_student')
        batch_op.drop_index('ix_audit_log_school_group')
        batch_op.drop_column('entry_date')
        batch_op.drop_column('student_id')
        batch_op.drop_column('subject_group_id')

    with op.batch_alter_table('journal_unlock', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_unlock_school_group')

    op.drop_table('journal_unlock')
