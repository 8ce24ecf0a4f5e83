"""Alembic owns the schema: the models and the migrations agree, and the
migrations run from empty, down to empty and up again."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model

from app.extensions import db
from app.models.base import compared_on

ROOT = Path(__file__).resolve().parent.parent


def test_models_and_migrations_agree(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": compared_on(connection.dialect.name)})
        differences = compare_metadata(context, Model.metadata)
    assert differences == []


def test_every_school_scoped_index_leads_with_school_id():
    from app.models.base import SchoolScoped

    for mapper in Model.registry.mappers:
        cls = mapper.class_
        if isinstance(cls, type) and issubclass(cls, SchoolScoped):
            for index in cls.__table__.indexes:
                assert list(index.columns)[0].name == "school_id", f"{index.name} does not lead with school_id"
            for constraint in cls.__table__.constraints:
                if constraint.__class__.__name__ == "UniqueConstraint" and constraint.name and constraint.name.startswith("uq_"):
                    assert list(constraint.columns)[0].name == "school_id", f"{constraint.name} does not lead with school_id"


def test_no_index_of_the_marks_names_a_marks_value_so_correcting_one_writes_no_index(app_ctx):
    """Correcting a mark changes its value, comment and entry stamps only. An index naming
    one of them (in its columns or its predicate) is written at every correction, and on
    PostgreSQL the row can then not be updated in place (a heap-only update)."""
    from sqlalchemy import text

    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            definitions = connection.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'mark'")).all()
        else:
            definitions = connection.scalars(text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'mark' AND type = 'index' AND sql IS NOT NULL")).all()
    assert any("is_duty" in definition for definition in definitions), definitions  # the diary's duties
    for definition in definitions:
        for column in ("value_id", "comment", "entered_at", "entered_by_id"):
            assert column not in definition, definition


# Up, down to empty (printing the tables left) and up again, in one process: the app is built once.
_UP_DOWN_UP = """
import json
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect
from run import app
from app.extensions import db
with app.app_context():
    upgrade()
    downgrade(revision="base")
    print("TABLES " + json.dumps(inspect(db.engine).get_table_names()))
    upgrade()
"""


def test_migrations_go_down_to_empty_and_up_again(database_url, tmp_path):
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        scratch = f"sqlite:///{tmp_path / 'scratch.db'}"
        drop = None
    else:
        name = url.database + "_scratch"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = url.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    try:
        result = subprocess.run([sys.executable, "-c", _UP_DOWN_UP], cwd=ROOT, capture_output=True, text=True,
                                timeout=300, env={**os.environ, "PARTA_DATABASE_URL": scratch})
        assert result.returncode == 0, result.stderr[-2000:]
        left = [line for line in result.stdout.splitlines() if line.startswith("TABLES ")]
        assert len(left) == 1 and set(json.loads(left[0][7:])) <= {"alembic_version"}, left
        engine = create_engine(scratch)
        assert {"school", "student", "mark", "ab_user"} <= set(inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if drop:
            drop()
