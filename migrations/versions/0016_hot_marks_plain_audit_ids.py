"""a mark's correction writes no index, and on PostgreSQL the audit log names its school,
login, journal and student by id without foreign keys (app/models/compliance.py, AuditLog)

- ix_mark_owed (duties without a mark) becomes ix_mark_duty (duties): an index whose
  predicate names the mark's value is written on every correction of a mark (PostgreSQL
  cannot update the row in place, heap-only), and among a student's duties the few still
  owed are found as fast.
- PostgreSQL: the audit log's four foreign keys are dropped (SQLite keeps them: it reuses
  the largest id of a table once its row is deleted).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OWED = "is_duty IS TRUE AND value_id IS NULL"
DUTY = "is_duty IS TRUE"
# name, column, referred table, on delete
AUDIT_KEYS = (
    ("audit_log_school_id_fkey", "school_id", "school", "CASCADE"),
    ("audit_log_user_id_fkey", "user_id", "ab_user", "SET NULL"),
    ("fk_audit_log_subject_group", "subject_group_id", "subject_group", "SET NULL"),
    ("fk_audit_log_student", "student_id", "student", "SET NULL"),
)


def upgrade():
    op.drop_index("ix_mark_owed", table_name="mark")
    op.create_index("ix_mark_duty", "mark", ["school_id", "student_id"], unique=False,
                    postgresql_where=sa.text(DUTY), sqlite_where=sa.text(DUTY))
    if op.get_bind().dialect.name == "postgresql":
        for name, *_ in AUDIT_KEYS:
            op.drop_constraint(name, "audit_log", type_="foreignkey")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # the keys' deletions did not reach the log meanwhile: do now what they would have done
        op.execute("DELETE FROM audit_log WHERE NOT EXISTS (SELECT 1 FROM school WHERE school.id = audit_log.school_id)")
        for name, column, table, on_delete in AUDIT_KEYS:
            if on_delete == "SET NULL":
                op.execute(f"UPDATE audit_log SET {column} = NULL WHERE {column} IS NOT NULL AND NOT EXISTS "
                           f"(SELECT 1 FROM {table} WHERE {table}.id = audit_log.{column})")
            op.create_foreign_key(name, "audit_log", table, [column], ["id"], ondelete=on_delete)
    op.drop_index("ix_mark_duty", table_name="mark")
    op.create_index("ix_mark_owed", "mark", ["school_id", "student_id"], unique=False,
                    postgresql_where=sa.text(OWED), sqlite_where=sa.text(OWED))
