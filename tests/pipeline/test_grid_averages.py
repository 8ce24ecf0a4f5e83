"""The averages a journal save answers with and those the grid shows are the same numbers:
both count the marks with a score of the period's held lessons, each with its effective
weight (on the pipeline's fixed date, so that the lessons below are open)."""
from __future__ import annotations

from app.extensions import db
from app.models import Assignment, Lesson
from tests.conftest import login
from tests.views.test_grid import _grid_data


def _delete_lessons(app, lesson_ids) -> None:
    """A test's own lessons (their assignments and marks go with them)."""
    with app.app_context():
        for lesson_id in lesson_ids:
            db.session.delete(db.session.get(Lesson, lesson_id))
        db.session.commit()
        db.session.remove()


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
        _delete_lessons(app, (kept, cancelled))


def test_a_saves_averages_count_its_cells_as_it_left_them_written_cleared_in_conflict_or_refused(app, client, journal):
    """On PostgreSQL the averages are read beside the save and the batch's own cells taken from
    it: each kind of cell's outcome must come out as the database has it after the commit."""
    with app.app_context():
        lessons = [Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(days),
                          number=6) for days in (2, 3)]
        assignments = [Assignment(school_id=journal.school_id, lesson=lesson, type_id=journal.ordinary_type_id,
                                  weight=weight) for lesson, weight in zip(lessons, (2, 1))]
        db.session.add_all(lessons + assignments)
        db.session.commit()
        lesson_ids, (first, second) = [lesson.id for lesson in lessons], [a.id for a in assignments]
        db.session.remove()
    teacher, period = login(client, "teacher"), journal.current_period_id
    one, two = journal.child_id, journal.other_student_id

    def cell(aid, sid, value, old=""):
        return {"kind": "mark", "assignment": aid, "student": sid, "value": value, "duty": False, "comment": "",
                "old": [old, False, ""]}

    def save(changes):
        return teacher.post("/journal/save", json={"group": journal.group_id, "period": period,
                                                   "changes": changes}).get_json()

    try:
        before = save([cell(first, one, "3"), cell(first, two, "5"), cell(second, one, "4"), cell(second, two, "2")])
        assert before["saved"] == [0, 1, 2, 3], before
        answer = save([cell(first, one, "5", old="3"),   # written
                       cell(first, two, "", old="5"),    # cleared
                       cell(second, one, "2", old="5"),  # the page saw another value: a conflict, «4» stays
                       cell(second, two, "9", old="2")])  # not of the scale: refused, «2» stays
        assert answer["saved"] == [0, 1] and list(answer["conflicts"]) == ["2"] and list(answer["errors"]) == ["3"], answer
        asked = teacher.get(f"/journal/averages?group={journal.group_id}&period={period}").get_json()
        for student in (one, two):
            assert answer["averages"][str(student)] == asked[str(student)], (student, answer["averages"], asked)
        counts = {sid: (before["averages"][str(sid)]["count"], answer["averages"][str(sid)]["count"]) for sid in (one, two)}
        assert counts[one][1] == counts[one][0] and counts[two][1] == counts[two][0] - 1, counts
        assert "5×2" in answer["averages"][str(one)]["formula"] and "3×2" not in answer["averages"][str(one)]["formula"]
        # a cell of the earlier column alone: its mark goes back between the marks before and after it
        middle = save([cell(first, one, "4", old="5")])
        assert middle["saved"] == [0], middle
        asked = teacher.get(f"/journal/averages?group={journal.group_id}&period={period}").get_json()
        assert middle["averages"][str(one)] == asked[str(one)]
        assert middle["averages"][str(one)]["formula"].startswith("(") and "4×2 + 4×1)" in middle["averages"][str(one)]["formula"]
    finally:
        _delete_lessons(app, lesson_ids)


def test_a_lesson_of_the_period_without_assignments_leaves_a_saves_averages_those_of_the_page(app, client, journal):
    """A held lesson with attendance only comes with the period's marks as a row without an
    assignment: the save's averages (tallied beside it on PostgreSQL) skip it as the page does."""
    with app.app_context():
        lessons = [Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(days),
                          number=7) for days in (2, 3)]
        assignment = Assignment(school_id=journal.school_id, lesson=lessons[0], type_id=journal.ordinary_type_id)
        db.session.add_all(lessons + [assignment])  # the second lesson holds no assignment
        db.session.commit()
        lesson_ids, aid = [lesson.id for lesson in lessons], assignment.id
        db.session.remove()
    teacher, student, period = login(client, "teacher"), journal.child_id, journal.current_period_id
    try:
        answer = teacher.post("/journal/save", json={"group": journal.group_id, "period": period, "changes": [
            {"kind": "mark", "assignment": aid, "student": student, "value": "4", "duty": False, "comment": "",
             "old": ["", False, ""]}]}).get_json()
        assert answer["saved"] == [0], answer
        asked = teacher.get(f"/journal/averages?group={journal.group_id}&period={period}").get_json()
        assert answer["averages"][str(student)] == asked[str(student)] and asked[str(student)]["count"] >= 1, \
            (answer, asked)
    finally:
        _delete_lessons(app, lesson_ids)
