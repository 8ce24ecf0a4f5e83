"""The home page of every role reads a fixed handful of statements, the navbar included
(the login, its roles and the rights version in one; the login's scope in one; the
page's figures, the teacher's day and the announcements one each)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from demo import DEMO_ACCOUNTS
from app.extensions import db
from tests.conftest import is_session_touch, login

HOME_PAGE_STATEMENTS = 6


def _statements_of(app, client, path: str) -> list:
    with app.app_context():
        engine = db.engine
    statements = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not is_session_touch(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("username", [name for name, *_ in DEMO_ACCOUNTS])
def test_the_home_page_of_every_role_reads_at_most_six_statements(app, username):
    client = login(app.test_client(), username)
    client.get("/")  # the first page after a sign-in may read the rights once for the process
    statements = _statements_of(app, client, "/")
    assert len(statements) <= HOME_PAGE_STATEMENTS, "\n".join(statements)


def test_the_signed_in_lookup_reads_the_login_its_roles_and_the_rights_version_in_one_statement(app, client):
    login(client, "teacher")
    client.get("/")
    statements = _statements_of(app, client, "/resetmypassword/form")
    assert sum("user_session" in statement for statement in statements) == 1
    assert not any("ab_permission_view_role" in statement and "user_session" not in statement for statement in statements)
    assert not any(statement.lstrip().startswith("SELECT ab_role") for statement in statements)
