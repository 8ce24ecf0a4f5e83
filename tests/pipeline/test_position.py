"""The one resolver: where a journal row sits before and after a change, whether the
change was made by ids (REST) or by objects (forms), and even while a relationship
is still loaded with its old target."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Assignment, Lesson, Mark, PeriodMark, StudyPeriod
from app.pipeline.position import move


@pytest.fixture()
def two_lessons(app, journal):
    with app.app_context():
        old, new = (Lesson(school_id=journal.school_id, subject_group_id=journal.group_id, date=journal.day(d), number=5)
                    for d in (20, 2))
        first = Assignment(school_id=journal.school_id, lesson=old, type_id=journal.ordinary_type_id)
        second = Assignment(school_id=journal.school_id, lesson=new, type_id=journal.control_type_id)
        mark = Mark(school_id=journal.school_id, assignment=first, student_id=journal.child_id, value_id=journal.values["4"])
        db.session.add_all([old, new, first, second, mark])
        db.session.commit()
        found = {"old": old.id, "new": new.id, "first": first.id, "second": second.id, "mark": mark.id,
                 "old_day": old.date, "new_day": new.date}
        db.session.remove()
    yield found
    with app.app_context():
        for pk in (found["old"], found["new"]):
            db.session.delete(db.session.get(Lesson, pk))
        db.session.commit()
        db.session.remove()


def test_a_mark_moved_by_id_is_seen_at_both_ends_even_with_its_old_assignment_loaded(app, journal, two_lessons):
    with app.app_context():
        mark = db.session.get(Mark, two_lessons["mark"])
        assert mark.assignment.id == two_lessons["first"]  # loaded (joined) with the old assignment
        mark.assignment_id = two_lessons["second"]
        found = move(db.session, mark)
        db.session.rollback()
        db.session.remove()
    assert (found.before.entry_date, found.before.kind) == (two_lessons["old_day"], "mark")
    assert (found.after.entry_date, found.after.kind) == (two_lessons["new_day"], "control")
    assert found.before.group_id == found.after.group_id == journal.group_id and found.moved


def test_a_lesson_moved_to_another_date_has_the_stored_date_before_and_the_new_after(app, journal, two_lessons):
    with app.app_context():
        lesson = db.session.get(Lesson, two_lessons["old"])
        lesson.date = two_lessons["new_day"]
        found = move(db.session, lesson)
        db.session.rollback()
        db.session.remove()
    assert (found.before.entry_date, found.after.entry_date) == (two_lessons["old_day"], two_lessons["new_day"])
    assert found.before.kind is None and found.before.lesson_id == two_lessons["old"]


def test_a_new_row_has_no_position_before_and_a_deleted_one_none_after(app, journal, two_lessons):
    with app.app_context():
        new = Mark(school_id=journal.school_id, assignment_id=two_lessons["second"], student_id=journal.other_student_id,
                   value_id=journal.values["5"])
        created = move(db.session, new)
        deleted = move(db.session, db.session.get(Mark, two_lessons["mark"]), deleting=True)
        db.session.rollback()
        db.session.remove()
    assert created.before is None and created.after.entry_date == two_lessons["new_day"]
    assert created.after.student_id == journal.other_student_id
    assert deleted.after is None and deleted.before.entry_date == two_lessons["old_day"]


def test_a_period_mark_moved_by_its_relationship_is_dated_by_the_new_periods_end(app, journal):
    with app.app_context():
        mark = PeriodMark(school_id=journal.school_id, subject_group_id=journal.group_id, period_id=journal.past_period_id,
                          student_id=journal.classmates[4], value_id=journal.values["4"])
        db.session.add(mark)
        db.session.commit()
        current = db.session.get(StudyPeriod, journal.current_period_id)
        mark.period = current  # as a form sets it: the key follows only at the flush
        found = move(db.session, mark)
        db.session.rollback()
        db.session.delete(db.session.get(PeriodMark, mark.id))
        db.session.commit()
        end = current.end_date
        db.session.remove()
    assert found.before.entry_date == journal.past_period_end and found.after.entry_date == end
    assert found.before.kind == found.after.kind == "period_mark"
