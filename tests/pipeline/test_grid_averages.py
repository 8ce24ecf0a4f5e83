"""The averages a journal save answers with and those the grid shows are the same numbers:
both count the marks with a score of the period's held lessons, each with its effective
weight (on the pipeline's fixed date, so that the lessons below are open)."""
from __future__ import annotations

from app.extensions import db
from app.models import Assignment, Lesson
from tests.conftest import login
from tests.views.test_grid import _grid_data


def test_a_cancelled_lessons_mark_counts_neither_in_a_saves_averages_nor_on_the_page(app, client, journal):
    with app.app_context():
        lessons = [Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(days),
                          number=5) for days in (2, 3)]
        assignments = [Assignment(school_id=journal.school_id, lesson=lesson, type_id=journal.ordinary_type_id)
                       for lesson in lessons]
        db.session.add_all(lessons + assignments)
        db.session.commit()
        (kept, cancelled), (first, second) = [lesson.id for lesson in lessons], [a.id for a in assignments]
        db.session.remove()
    teacher, student, period = login(client, "teacher"), journal.child_id, journal.current_period_id
    changes = [{"kind": "mark", "assignment": aid, "student": student, "value": code, "duty": False, "comment": "",
                "old": ["", False, ""]} for aid, code in ((first, "5"), (second, "2"))]
    try:
        answer = teacher.post("/journal/save", json={"group": journal.group_id, "period": period,
                                                     "changes": changes}).get_json()
        assert answer["saved"] == [0, 1], answer
        assert (answer["averages"][str(student)]["count"], answer["averages"][str(student)]["weighted"]) == (2, "3,50")
        with app.app_context():
            db.session.get(Lesson, cancelled).is_cancelled = True
            db.session.commit()
            db.session.remove()
        page = _grid_data(teacher.get(f"/journal/?group={journal.group_id}&period={period}").get_data(as_text=True))
        asked = teacher.get(f"/journal/averages?group={journal.group_id}&period={period}").get_json()
        assert asked[str(student)] == page["averages"][str(student)]
        assert (asked[str(student)]["count"], asked[str(student)]["weighted"]) == (1, "5,00")
    finally:
        with app.app_context():
            for lesson_id in (kept, cancelled):
                db.session.delete(db.session.get(Lesson, lesson_id))
            db.session.commit()
            db.session.remove()
