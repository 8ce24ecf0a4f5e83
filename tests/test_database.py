"""The database connections: on PostgreSQL a page that only reads ends its transaction with
COMMIT, so that psycopg keeps the connection's prepared statements (a ROLLBACK makes it forget
them all), while anything that wrote is still really rolled back."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import Subject
from tests.conftest import login, unique


def _prepared(app) -> int:
    """How many statements the connection the next request gets holds prepared."""
    with app.app_context():
        with db.engine.connect() as connection:
            count = len(connection.connection.driver_connection._prepared._names)
            connection.rollback()
        return count


def test_a_page_read_twice_runs_its_statements_prepared_the_third_time(app, client, postgresql):
    login(client, "parent")
    with app.app_context():
        db.engine.dispose()  # fresh connections: nothing prepared yet
    assert client.get("/diary/").status_code == 200
    assert _prepared(app) == 0  # a statement is prepared once a connection has run it twice
    assert client.get("/diary/").status_code == 200
    assert client.get("/diary/").status_code == 200
    assert _prepared(app) >= 5, "the diary's statements were forgotten at the end of a request"


def test_a_write_rolled_back_is_not_kept(app):
    name = unique("Откат")
    with app.app_context():
        school_id = db.session.scalar(select(Subject.school_id).limit(1))
        db.session.add(Subject(school_id=school_id, name=name, short_name=name[:10]))
        db.session.flush()
        assert db.session.scalar(select(Subject.id).where(Subject.name == name)) is not None
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        try:
            assert db.session.scalar(select(Subject.id).where(Subject.name == name)) is None
        finally:
            db.session.execute(delete(Subject).where(Subject.name == name))
            db.session.commit()
            db.session.remove()


def test_a_write_made_with_raw_sql_after_reads_is_rolled_back_too(app):
    name = unique("Откат")
    with app.app_context():
        school_id = db.session.scalar(select(Subject.school_id).limit(1))
        db.session.execute(text("UPDATE subject SET name = name WHERE id = -1"))  # a write that matches nothing
        db.session.execute(text("INSERT INTO subject (school_id, name, short_name, \"order\") VALUES (:s, :n, :n, 0)"),
                           {"s": school_id, "n": name})
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        assert db.session.scalar(select(Subject.id).where(Subject.name == name)) is None
        db.session.remove()


def test_a_failed_read_leaves_the_connection_usable(app, postgresql):
    with app.app_context():
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        assert db.session.scalar(text("SELECT 2")) == 2
        db.session.remove()
