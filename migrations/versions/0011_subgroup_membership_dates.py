"""subgroup membership dates

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # A membership runs from a date to a date, so that a pupil moved between groups shows
    # in each on the right lessons; a pupil may come back to a group (a second row), so the
    # unique (group, student) gives way to an index and the pipeline refuses overlaps.
    with op.batch_alter_table('subject_group_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_to', sa.Date(), nullable=True))
        batch_op.drop_constraint('uq_subject_group_member', type_='unique')
        batch_op.create_index('ix_subject_group_member_group', ['school_id', 'subject_group_id', 'student_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('subject_group_member', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_group_member_group')
        batch_op.create_unique_constraint('uq_subject_group_member', ['school_id', 'subject_group_id', 'student_id'])
        batch_op.drop_column('valid_to')
        batch_op.drop_column('valid_from')
