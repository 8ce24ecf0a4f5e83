"""reports: stored documents (summary sheets, the year-end archive), their jobs; absence codes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:09:45.553456

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('year_archive', 'summary_sheets', name='job_kind', native_enum=False, length=20), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='job_status', native_enum=False, length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=255), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('classes', sa.String(length=2000), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['year_id'], ['school_year.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index('ix_report_job_school_kind', ['school_id', 'kind', 'created_at'], unique=False)

    op.create_table('stored_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('summary_sheet', 'archive_sheets', 'archive_journals', name='document_kind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=True),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('column_key', sa.String(length=20), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('is_automatic', sa.Boolean(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['school_class.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_id'], ['report_job.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['period_id'], ['study_period.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['year_id'], ['school_year.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stored_document', schema=None) as batch_op:
        batch_op.create_index('ix_stored_document_school_class', ['school_id', 'kind', 'class_id'], unique=False)
        batch_op.create_index('ix_stored_document_school_job', ['school_id', 'job_id'], unique=False)

    with op.batch_alter_table('attendance_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_absence', sa.Boolean(), server_default=sa.true(), nullable=False))
    # «ОП» (опоздал) is a lateness, not a missed lesson
    op.execute(sa.text("UPDATE attendance_code SET is_absence = :no WHERE code IN ('ОП', 'оп')").bindparams(no=False))


def downgrade():
    with op.batch_alter_table('attendance_code', schema=None) as batch_op:
        batch_op.drop_column('is_absence')

    with op.batch_alter_table('stored_document', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_document_school_job')
        batch_op.drop_index('ix_stored_document_school_class')

    op.drop_table('stored_document')
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index('ix_report_job_school_kind')

    op.drop_table('report_job')
