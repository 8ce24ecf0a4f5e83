"""indexes led by school_id for the remaining hot reads: a teacher's lessons by date, the
marks of one period by group, a room's timetable

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_lesson_school_teacher_date", "lesson", ["school_id", "teacher_id", "date"]),
    ("ix_period_mark_school_period_group", "period_mark", ["school_id", "period_id", "subject_group_id"]),
    ("ix_schedule_entry_school_room", "schedule_entry", ["school_id", "room_id", "weekday"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
