"""when and by whom marks and attendance were entered

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


TABLES = ("mark", "attendance")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('entered_at', sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_entered_by', 'ab_user', ['entered_by_id'], ['id'],
                                        ondelete='SET NULL')
        # the entries made before: the time and author of the row's audited creation, where the
        # audit has one (the latest, should a deleted row's id have been reused)
        for column, source in (("entered_at", "at"), ("entered_by_id", "user_id")):
            op.execute(sa.text(
                f"UPDATE {table} SET {column} = (SELECT a.{source} FROM audit_log a WHERE a.school_id = {table}.school_id "
                f"AND a.entity = '{table}' "
                f"AND a.row_id = {table}.id AND a.action = 'create' ORDER BY a.at DESC, a.id DESC LIMIT 1)"))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_entered_by', type_='foreignkey')
            batch_op.drop_column('entered_by_id')
            batch_op.drop_column('entered_at')
