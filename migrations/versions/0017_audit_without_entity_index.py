"""the audit log loses its index by entity and row (school_id, entity, row_id): no page or
report looks an audit row up by the row it names, and every journal save wrote that index
once per changed field (app/models/compliance.py, AuditLog)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 22:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_audit_log_school_entity", table_name="audit_log")


def downgrade():
    op.create_index("ix_audit_log_school_entity", "audit_log", ["school_id", "entity", "row_id"], unique=False)
