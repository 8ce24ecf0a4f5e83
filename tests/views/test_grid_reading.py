"""The journal grid's reads (app/journal/grid.py through app/journal/marks.py): a fixed
number of statements however many lessons, assignments, marks and absences the period
holds."""
from __future__ import annotations

from sqlalchemy import event

from app.extensions import db
from tests.conftest import is_session_touch, login
from tests.views.journal_fixtures import fresh_journal, make_mark  # noqa: F401  (fixture)

# The whole request, the session, rights, scope and the group selector included.
GRID_STATEMENTS = 14


def _statements(app, client, url: str) -> int:
    with app.app_context():
        engine = db.engine
    assert client.get(url).status_code == 200  # warm: the first request of a login loads more
    statements = []
    listener = lambda *args: is_session_touch(args[2]) or statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_the_grid_reads_as_many_statements_with_more_lessons_marks_and_absences(app, fresh_journal):
    teacher = login(app.test_client(), "teacher")
    url = f"/journal/?group={fresh_journal.group_id}"
    before = _statements(app, teacher, url)
    for days_ago in (fresh_journal.recent(n) for n in (0, 1, 2, 3, 6, 8)):
        for student in [fresh_journal.child_id, *fresh_journal.classmates[:5]]:
            make_mark(app, fresh_journal, days_ago, value="5", student=student)
    assert _statements(app, teacher, url) == before <= GRID_STATEMENTS
