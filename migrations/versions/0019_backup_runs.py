"""backups made and verified by the worker for the system administrator's page
(app/models/reports.py, BackupRun; app/backup.py)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 01:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'backup_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('create', 'verify', name='backup_run_kind', native_enum=False, length=10),
                  nullable=False),
        sa.Column('file', sa.String(length=200), nullable=True),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', 'cancelled', name='job_status',
                                    native_enum=False, length=10), nullable=False),
        sa.Column('step', sa.String(length=255), nullable=True),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('worker', sa.String(length=100), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('backup_run')
