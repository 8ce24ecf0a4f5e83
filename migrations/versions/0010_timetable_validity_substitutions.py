"""timetable validity, substitutions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # The timetable's clash check (a class, a teacher or a room in one place at a time) looks up
    # every line of a weekday and lesson number of the school.
    with op.batch_alter_table("schedule_entry") as batch:
        batch.create_index("ix_schedule_entry_slot", ["school_id", "weekday", "lesson_number"])


def downgrade():
    with op.batch_alter_table("schedule_entry") as batch:
        batch.drop_index("ix_schedule_entry_slot")
