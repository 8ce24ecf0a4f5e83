"""the marks a student owes (a «точка»: a duty without a mark) indexed on their own: the diary
reads them at every visit, and among all the marks of a school they are few

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OWED = "is_duty IS TRUE AND value_id IS NULL"


def upgrade():
    op.create_index("ix_mark_owed", "mark", ["school_id", "student_id"], unique=False,
                    postgresql_where=sa.text(OWED), sqlite_where=sa.text(OWED))


def downgrade():
    op.drop_index("ix_mark_owed", table_name="mark")
